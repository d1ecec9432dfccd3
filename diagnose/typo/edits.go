package typo

// The probability weights of single slips, relative to the likeliest ones
// (a neighbouring key, a doubled or swapped letter). They only rank
// competing corrections; they gate nothing.
const (
	pSure    = 1.0 // neighbouring key, doubled key, swapped keys, missed double letter
	pNear    = 0.8 // missed key, extra neighbouring key
	pVisual  = 0.5 // a look-alike: 0 for o, 1 for l
	pFar     = 0.1 // any other letter, in a long brand label only
	pSwapTLD = 0.3 // another suffix of a one-domain brand (gmail.de)
	pSecond  = 0.5 // the discount of a second, independent slip
)

// labelChar reports whether c may appear in a DNS label (RFC 1035 §2.3.1).
func labelChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// validLabel reports whether l is a well-formed DNS label of letters,
// digits and inner hyphens (RFC 1035 §2.3.1, RFC 1123 §2.1).
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		if !labelChar(l[i]) {
			return false
		}
	}
	return true
}

// visual reports look-alike characters people type for one another.
func visual(a, b byte) bool {
	switch {
	case a > b:
		a, b = b, a
	}
	return a == '0' && b == 'o' || a == '1' && b == 'l' || a == '1' && b == 'i'
}

// emitFn receives one variant: the changed string, the kind of slip and its
// weight.
type emitFn func(v, edit string, p float64)

// labelVariants calls emit for every realistic single slip of a target's
// first label. Labels of three characters or fewer get none: every such
// name is registered and in use, so no edit of one is safely a slip. Four
// character labels get only doubled and swapped letters. A word label keeps
// its first and last letters and gets nothing appended, since missing or
// changing its first letter or inflecting its end makes other words (range
// for orange, unbox for inbox, oranges, roger). Only long, non-word labels
// get the unlikely slips: any letter inserted or substituted past the first.
func labelVariants(label string, adj *adjacency, word bool, emit emitFn) {
	n := len(label)
	if n <= 3 {
		return
	}
	for i := 0; i < n; i++ {
		emit(label[:i+1]+label[i:], EditDuplication, pSure)
		if i+1 < n && label[i] != label[i+1] {
			emit(label[:i]+string([]byte{label[i+1], label[i]})+label[i+2:], EditTransposition, pSure)
		}
	}
	if n == 4 {
		return
	}
	rich := !word && n >= 5
	for i := 0; i < n; i++ {
		if word && (i == 0 || i == n-1) {
			continue
		}
		p := pNear
		if i > 0 && label[i-1] == label[i] || i+1 < n && label[i+1] == label[i] {
			p = pSure
		}
		emit(label[:i]+label[i+1:], EditDeletion, p)
		subst(label, i, adj, rich, emit)
	}
	if word {
		// A changed last letter rarely makes a word the user could mean.
		subst(label, n-1, adj, false, emit)
	}
	for g := 0; g <= n; g++ {
		if word && g == n {
			continue
		}
		for c := byte(0); c < 128; c++ {
			if !labelChar(c) || g > 0 && label[g-1] == c || g < n && label[g] == c {
				continue
			}
			var p float64
			switch {
			case g > 0 && adj.touches(label[g-1], c), g < n && adj.touches(label[g], c):
				p = pNear
			case rich && g > 0 && g < n && c >= 'a' && c <= 'z':
				p = pFar
			default:
				continue
			}
			emit(label[:g]+string(c)+label[g:], EditInsertion, p)
		}
	}
}

// subst emits the substitutions of label[i]: a neighbouring key, a
// look-alike, and when rich, any letter past the first.
func subst(label string, i int, adj *adjacency, rich bool, emit emitFn) {
	for c := byte(0); c < 128; c++ {
		if !labelChar(c) || c == label[i] {
			continue
		}
		var p float64
		switch {
		case adj.touches(label[i], c):
			p = pSure
		case visual(label[i], c):
			p = pVisual
		case rich && i > 0 && c >= 'a' && c <= 'z':
			p = pFar
		default:
			continue
		}
		emit(label[:i]+string(c)+label[i+1:], EditSubstitution, p)
	}
}

// looseLabelVariants calls emit for the keyboard slips of a label that
// labelVariants holds back as unsafe without evidence: any label length,
// any position, neighbouring keys only. They are corrected only when DNS
// says the typed domain cannot receive mail.
func looseLabelVariants(label string, adj *adjacency, emit emitFn) {
	n := len(label)
	for i := 0; i < n; i++ {
		emit(label[:i+1]+label[i:], EditDuplication, pSure)
		if i+1 < n && label[i] != label[i+1] {
			emit(label[:i]+string([]byte{label[i+1], label[i]})+label[i+2:], EditTransposition, pSure)
		}
		if n > 2 {
			emit(label[:i]+label[i+1:], EditDeletion, pNear)
		}
		subst(label, i, adj, false, emit)
	}
	for g := 0; g <= n; g++ {
		for c := byte(0); c < 128; c++ {
			if !labelChar(c) || g > 0 && label[g-1] == c || g < n && label[g] == c {
				continue
			}
			if g > 0 && adj.touches(label[g-1], c) || g < n && adj.touches(label[g], c) {
				emit(label[:g]+string(c)+label[g:], EditInsertion, pNear)
			}
		}
	}
}

// suffixVariants calls emit for every single keyboard slip of a public
// suffix ("com", "co.uk"): a neighbouring key, a doubled, swapped, missed
// or extra neighbouring key, a missed inner dot (couk). Variants that are
// not well-formed dotted names are left out.
func suffixVariants(suffix string, adj *adjacency, emit emitFn) {
	n := len(suffix)
	out := func(v string, p float64) {
		if v == "" || v[0] == '.' || v[len(v)-1] == '.' || containsDots(v) {
			return
		}
		emit(v, EditTLD, p)
	}
	for i := 0; i < n; i++ {
		out(suffix[:i]+suffix[i+1:], pNear)
		if suffix[i] != '.' {
			out(suffix[:i+1]+suffix[i:], pSure)
		}
		if i+1 < n && suffix[i] != suffix[i+1] {
			out(suffix[:i]+string([]byte{suffix[i+1], suffix[i]})+suffix[i+2:], pSure)
		}
		for c := byte('0'); c <= 'z'; c++ {
			if !labelChar(c) || c == '-' || suffix[i] == '.' || c == suffix[i] {
				continue
			}
			if adj.touches(suffix[i], c) {
				out(suffix[:i]+string(c)+suffix[i+1:], pSure)
			}
		}
	}
	for g := 0; g <= n; g++ {
		for c := byte('0'); c <= 'z'; c++ {
			if !labelChar(c) || c == '-' || g > 0 && suffix[g-1] == c || g < n && suffix[g] == c {
				continue
			}
			if g > 0 && adj.touches(suffix[g-1], c) || g < n && adj.touches(suffix[g], c) {
				out(suffix[:g]+string(c)+suffix[g:], pNear)
			}
		}
	}
}

// containsDots reports whether s has two dots in a row.
func containsDots(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == '.' {
			return true
		}
	}
	return false
}

// dotVariants calls emit for the slips of the dot between a label and its
// suffix: the dot missed (gmailcom) or swapped with a neighbour (gmai.lcom,
// gmailc.om).
func dotVariants(label, suffix string, emit func(v, edit string, p float64)) {
	emit(label+suffix, EditMissingDot, pSure)
	n := len(label)
	if n > 1 {
		emit(label[:n-1]+"."+label[n-1:]+suffix, EditTransposition, pSure)
	}
	if len(suffix) > 1 && suffix[1] != '.' {
		emit(label+suffix[:1]+"."+suffix[1:], EditTransposition, pSure)
	}
}
