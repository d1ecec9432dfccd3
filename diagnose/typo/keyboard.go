package typo

import "math"

// layout is a keyboard layout: its rows from the digit row down, and each
// row's horizontal offset in key widths (the stagger of a physical keyboard).
type layout struct {
	name   string
	rows   [4]string
	offset [4]float64
}

var (
	qwerty = layout{"qwerty", [4]string{"1234567890-", "qwertyuiop", "asdfghjkl;", "zxcvbnm,./"}, [4]float64{0, 0.5, 0.75, 1.25}}
	// azerty is the French and Belgian layout: a/q and z/w swap, m moves to
	// the home row.
	azerty = layout{"azerty", [4]string{"1234567890-", "azertyuiop", "qsdfghjklm", "wxcvbn,;:!"}, [4]float64{0, 0.5, 0.75, 1.25}}
	// qwertz is the German, Austrian and Swiss layout: y and z swap.
	qwertz = layout{"qwertz", [4]string{"1234567890-", "qwertzuiop", "asdfghjkl", "yxcvbnm,.-"}, [4]float64{0, 0.5, 0.75, 1.25}}
)

// adjacency says, for two bytes, whether their keys touch on some layout.
type adjacency [128][128]bool

// touches reports whether keys a and b are neighbours.
func (a *adjacency) touches(x, y byte) bool {
	if x >= 128 || y >= 128 {
		return false
	}
	return a[x][y]
}

// neighbours returns the keys next to x, in a stable order.
func (a *adjacency) neighbours(x byte) []byte {
	var out []byte
	if x >= 128 {
		return nil
	}
	for y := range byte(128) {
		if a[x][y] {
			out = append(out, y)
		}
	}
	return out
}

// newAdjacency builds the neighbour relation of the union of layouts. Two
// keys touch when they are side by side on a row, or on adjacent rows with
// centres at most three quarters of a key apart.
func newAdjacency(ls ...layout) *adjacency {
	a := new(adjacency)
	for _, l := range ls {
		for r, row := range l.rows {
			for c := 0; c < len(row); c++ {
				x := float64(c) + l.offset[r]
				for r2, row2 := range l.rows {
					if r2 < r-1 || r2 > r+1 {
						continue
					}
					for c2 := 0; c2 < len(row2); c2++ {
						if r2 == r && c2 == c {
							continue
						}
						x2 := float64(c2) + l.offset[r2]
						if (r2 == r && math.Abs(x-x2) <= 1.01) || (r2 != r && math.Abs(x-x2) <= 0.76) {
							a[row[c]][row2[c2]] = true
						}
					}
				}
			}
		}
	}
	return a
}

// layoutsFor returns the layouts whose users type addresses at a domain with
// the given public suffix: everyone has QWERTY; France and Belgium add
// AZERTY; Germany, Austria and Switzerland add QWERTZ, as do the central
// European countries whose layouts are QWERTZ-based.
func layoutsFor(suffix string) []layout {
	tld := suffix
	for i := len(suffix) - 1; i >= 0; i-- {
		if suffix[i] == '.' {
			tld = suffix[i+1:]
			break
		}
	}
	switch tld {
	case "fr", "be":
		return []layout{qwerty, azerty}
	case "de", "at", "ch", "cz", "hu", "sk", "si", "hr":
		return []layout{qwerty, qwertz}
	}
	return []layout{qwerty}
}
