package receiver

import (
	"fmt"
	"strconv"
	"strings"
)

// maxARCInstance is the highest ARC instance allowed (RFC 8617 §4.2.1).
const maxARCInstance = 50

// arcSet is what one ARC instance's fields hold.
type arcSet struct {
	results string // the ARC-Authentication-Results payload after "i=N;"
	hasAAR  bool
	cv, d   string // the ARC-Seal's cv= and d=
	hasSeal bool
}

// auth fills View.Auth. It reads one Authentication-Results payload: the
// topmost field from Options.AuthServID, else the topmost field (the
// newest: receivers add theirs on top, RFC 8601 §5), else the payload of
// the highest ARC-Authentication-Results (RFC 8617 §4.1.1).
func (d *decoder) auth() {
	sets, highest := d.arcSets()
	want := strings.TrimSpace(d.opts.AuthServID)
	ars := d.all("authentication-results")
	name, payload, found := "", "", false
	if want != "" {
		name, payload, found = pickByID(ars, sets, highest, want)
	}
	if !found {
		switch {
		case len(ars) > 0:
			name, payload = "Authentication-Results", ars[0].value
		case highest > 0 && sets[highest].hasAAR:
			name, payload = fmt.Sprintf("ARC-Authentication-Results i=%d", highest), sets[highest].results
		}
		if want != "" && name != "" {
			d.problem("no Authentication-Results from %s: read the %s from %q instead", clean(want, 64), name, clean(authServID(payload), 64))
		}
	}
	if name != "" {
		d.view.Auth = d.readAR(name, payload)
		if name == "Authentication-Results" {
			d.mergeSameID(ars, authServID(payload))
		}
		d.view.Auth.Source = name
	}
	if highest > 0 {
		s := sets[highest]
		d.view.Auth.ARC.Instance = highest
		d.view.Auth.ARC.ChainValidation = clean(strings.ToLower(s.cv), 32)
		d.view.Auth.ARC.Sealer = clean(s.d, maxValue)
		if !s.hasSeal {
			d.problem("ARC set i=%d has no ARC-Seal (RFC 8617 §4.1 requires one)", highest)
		}
	}
}

// mergeSameID adds the results of the other Authentication-Results fields
// of the same authserv-id, below the one read: a receiver may write one
// field per check, as OpenDKIM, OpenDMARC and an SPF policy daemon do in
// one Postfix. A result already read is kept: the topmost is the newest.
func (d *decoder) mergeSameID(ars []field, id string) {
	seen := false
	for _, f := range ars {
		if !strings.EqualFold(authServID(f.value), id) {
			continue
		}
		if !seen {
			seen = true // the field already read
			continue
		}
		a := d.readAR("Authentication-Results", f.value)
		got := &d.view.Auth
		if got.SPF.Result == "" {
			got.SPF = a.SPF
		}
		if got.DMARC.Result == "" {
			got.DMARC = a.DMARC
		}
		if got.ARC.Result == "" {
			got.ARC.Result = a.ARC.Result
		}
		got.DKIM = append(got.DKIM, a.DKIM...)
		got.Methods = append(got.Methods, a.Methods...)
	}
}

// pickByID finds the topmost Authentication-Results from want, else the
// ARC-Authentication-Results from want with the highest instance.
func pickByID(ars []field, sets map[int]*arcSet, highest int, want string) (name, payload string, found bool) {
	for _, f := range ars {
		if strings.EqualFold(authServID(f.value), want) {
			return "Authentication-Results", f.value, true
		}
	}
	for i := highest; i > 0; i-- {
		if s := sets[i]; s != nil && s.hasAAR && strings.EqualFold(authServID(s.results), want) {
			return fmt.Sprintf("ARC-Authentication-Results i=%d", i), s.results, true
		}
	}
	return "", "", false
}

// arcSets collects the ARC-Authentication-Results and ARC-Seal fields by
// instance; the topmost field of an instance wins. It returns the sets
// and the highest instance, 0 when there is none.
func (d *decoder) arcSets() (map[int]*arcSet, int) {
	sets := map[int]*arcSet{}
	highest := 0
	get := func(i int) *arcSet {
		if sets[i] == nil {
			sets[i] = &arcSet{}
		}
		highest = max(highest, i)
		return sets[i]
	}
	for _, f := range d.fields {
		switch f.key {
		case "arc-authentication-results":
			tag, rest, _ := strings.Cut(f.value, ";")
			i, ok := arcInstance(tag)
			if !ok {
				d.problem("an ARC-Authentication-Results field has no valid instance tag (RFC 8617 §4.2.1): %q", clean(tag, 40))
				continue
			}
			if s := get(i); !s.hasAAR {
				s.results, s.hasAAR = rest, true
			}
		case "arc-seal":
			tags := tagList(f.value)
			i, ok := arcInstance("i=" + tags["i"])
			if !ok {
				d.problem("an ARC-Seal field has no valid instance tag (RFC 8617 §4.2.1): %q", clean(tags["i"], 40))
				continue
			}
			if s := get(i); !s.hasSeal {
				s.cv, s.d, s.hasSeal = tags["cv"], tags["d"], true
			}
		}
	}
	return sets, highest
}

// arcInstance reads an "i=N" instance tag, 1 ≤ N ≤ 50.
func arcInstance(tag string) (int, bool) {
	k, v, ok := strings.Cut(strings.TrimSpace(tag), "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(k), "i") {
		return 0, false
	}
	v = strings.TrimSpace(v)
	if len(v) == 0 || len(v) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxARCInstance {
		return 0, false
	}
	return n, true
}

// tagList reads a DKIM-style tag=value list (RFC 6376 §3.2, used by
// ARC-Seal, RFC 8617 §4.1.3): tag names in lower case, white space taken
// out of values; the first of a repeated tag wins.
func tagList(v string) map[string]string {
	tags := map[string]string{}
	for _, part := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, seen := tags[k]; !seen && k != "" {
			tags[k] = strings.Join(strings.Fields(val), "")
		}
	}
	return tags
}
