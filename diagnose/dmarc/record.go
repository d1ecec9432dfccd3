package dmarc

import (
	"fmt"
	"strconv"
	"strings"
)

// Record is a parsed DMARC record (RFC 7489 §6.3) with defaults filled in
// for absent tags and the RFC 7489 §6.6.3 fallback applied.
type Record struct {
	Policy string // p: "none", "quarantine" or "reject"
	// SubdomainPolicy is sp (RFC 7489 §6.3), or Policy when absent.
	SubdomainPolicy string
	// NonexistentPolicy is np (RFC 9091 §4.1), or SubdomainPolicy when
	// absent.
	NonexistentPolicy string
	Percent           int    // pct, 0–100; 100 when absent
	ADKIM, ASPF       string // "r" (relaxed, the default) or "s" (strict)
	// RUA and RUF are the aggregate and failure report URIs as written,
	// size limits included.
	RUA, RUF []string
	// AggregateURIs and FailureURIs are RUA and RUF parsed.
	AggregateURIs, FailureURIs []ReportURI
	// FailureOptions is fo, normalised to lower case options joined by
	// ":"; "0" when absent.
	FailureOptions string
	// ReportFormats is rf, lower case; ["afrf"] when absent.
	ReportFormats  []string
	ReportInterval int // ri, seconds; 86400 when absent
	// Explicit lists the tags present in the record, lower case, in order.
	Explicit []string
	// Fallback: p was missing or invalid, or sp invalid, and the record
	// has aggregate report URIs, so receivers act as if it said p=none
	// (RFC 7489 §6.6.3 step 6).
	Fallback bool
	// Warnings are parts of the record receivers ignore or may treat
	// differently; the record is usable nonetheless.
	Warnings []Problem
}

// Policy values (RFC 7489 §6.3).
const (
	PolicyNone       = "none"
	PolicyQuarantine = "quarantine"
	PolicyReject     = "reject"
)

// policyRank orders policies by strength.
var policyRank = map[string]int{PolicyNone: 0, PolicyQuarantine: 1, PolicyReject: 2}

// tagState tracks a policy tag that may be missing, valid or invalid.
type tagState int

const (
	tagAbsent tagState = iota
	tagValid
	tagInvalid
)

// parser holds the state of one ParseRecord call.
type parser struct {
	r          *Record
	p, sp, np  tagState
	badP, badS string
}

// ParseRecord parses the text of a DMARC TXT record (its strings joined).
// The record must start with v=DMARC1 and p must follow it directly
// (RFC 7489 §6.4); tag names and keyword values are case-insensitive, the
// version is not. Unknown tags and unregistered report formats are ignored
// as RFC 7489 §6.3 requires, and reported in [Record.Warnings].
//
// Errors wrap ErrNotDMARC, ErrSyntax, ErrDuplicateTag, ErrBadValue or
// ErrNoPolicy.
func ParseRecord(txt string) (*Record, error) {
	specs := strings.Split(txt, ";")
	name, value, ok := splitTag(specs[0])
	if !ok || !startsWithV(txt) || !strings.EqualFold(name, "v") || value != "DMARC1" {
		return nil, fmt.Errorf("%w: a DMARC record starts with v=DMARC1 (RFC 7489 §6.4)", ErrNotDMARC)
	}
	ps := &parser{r: &Record{
		Percent:        100,
		ADKIM:          "r",
		ASPF:           "r",
		FailureOptions: "0",
		ReportFormats:  []string{"afrf"},
		ReportInterval: 86400,
		Explicit:       []string{"v"},
	}}
	seen := map[string]bool{"v": true}
	n := 0 // tags seen after v
	for i, spec := range specs[1:] {
		if trimWSP(spec) == "" {
			if i < len(specs)-2 {
				ps.warn("dmarc.empty-tag", "RFC 7489 §6.4",
					"an empty tag between two semicolons; strict receivers reject the record")
			}
			continue
		}
		name, value, ok := splitTag(spec)
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a tag=value pair", ErrSyntax, trimWSP(spec))
		}
		if !validTagName(name) {
			return nil, fmt.Errorf("%w: %q is not a valid tag name", ErrSyntax, name)
		}
		lname := strings.ToLower(name)
		if seen[lname] {
			return nil, fmt.Errorf("%w: %s appears twice", ErrDuplicateTag, lname)
		}
		seen[lname] = true
		ps.r.Explicit = append(ps.r.Explicit, lname)
		if lname == "p" && n != 0 {
			return nil, fmt.Errorf("%w: p must directly follow v (RFC 7489 §6.4)", ErrSyntax)
		}
		n++
		if err := ps.tag(lname, value); err != nil {
			return nil, err
		}
	}
	if err := ps.finish(); err != nil {
		return nil, err
	}
	return ps.r, nil
}

// tag interprets one tag (RFC 7489 §6.3).
func (ps *parser) tag(name, value string) error {
	r := ps.r
	switch name {
	case "p":
		r.Policy, ps.p = policyValue(value)
		ps.badP = value
	case "sp":
		r.SubdomainPolicy, ps.sp = policyValue(value)
		ps.badS = value
	case "np":
		r.NonexistentPolicy, ps.np = policyValue(value)
		if ps.np == tagInvalid {
			ps.warn("dmarc.bad-np", "RFC 9091 §4.1",
				fmt.Sprintf("np=%s is not none, quarantine or reject; receivers ignore it", value))
		}
	case "adkim", "aspf":
		v := strings.ToLower(value)
		if v != "r" && v != "s" {
			return fmt.Errorf("%w: %s=%q must be r or s", ErrBadValue, name, value)
		}
		if name == "adkim" {
			r.ADKIM = v
		} else {
			r.ASPF = v
		}
	case "pct":
		n, err := parseDigits(value, 100)
		if err != nil {
			return fmt.Errorf("%w: pct=%q must be a number from 0 to 100", ErrBadValue, value)
		}
		r.Percent = n
	case "ri":
		n, err := parseDigits(value, 1<<31-1)
		if err != nil {
			return fmt.Errorf("%w: ri=%q must be a number of seconds", ErrBadValue, value)
		}
		r.ReportInterval = n
	case "fo":
		return ps.failureOptions(value)
	case "rf":
		return ps.reportFormats(value)
	case "rua", "ruf":
		return ps.reportURIs(name, value)
	case "psd", "t":
		// DMARCbis tags (draft-ietf-dmarc-dmarcbis): known, not used by
		// RFC 7489 receivers.
	default:
		ps.warn("dmarc.unknown-tag", "RFC 7489 §6.3",
			fmt.Sprintf("unknown tag %s=%s is ignored; a misspelt tag?", name, value))
	}
	return nil
}

// finish applies the RFC 7489 §6.6.3 step 6 rule for a missing or invalid
// policy and fills in the defaults that depend on other tags.
func (ps *parser) finish() error {
	r := ps.r
	if ps.p != tagValid || ps.sp == tagInvalid {
		why := "p is missing"
		switch {
		case ps.p == tagInvalid:
			why = fmt.Sprintf("p=%s is not none, quarantine or reject", ps.badP)
		case ps.sp == tagInvalid && ps.p == tagValid:
			why = fmt.Sprintf("sp=%s is not none, quarantine or reject", ps.badS)
		}
		if len(r.AggregateURIs) == 0 {
			return fmt.Errorf("%w: %s and there is no rua (RFC 7489 §6.6.3)", ErrNoPolicy, why)
		}
		r.Fallback = true
		r.Policy, r.SubdomainPolicy = PolicyNone, PolicyNone
		ps.sp = tagValid
		ps.warn("dmarc.policy-fallback", "RFC 7489 §6.6.3",
			why+"; because the record has rua, receivers act as if it said p=none")
	}
	if ps.sp == tagAbsent {
		r.SubdomainPolicy = r.Policy
	}
	if ps.np != tagValid {
		r.NonexistentPolicy = r.SubdomainPolicy
	}
	return nil
}

func (ps *parser) warn(id, rfc, detail string) {
	ps.r.Warnings = append(ps.r.Warnings, Problem{ID: id, Detail: detail, RFC: rfc})
}

// failureOptions parses fo: 0, 1, d or s separated by colons (RFC 7489 §6.4).
func (ps *parser) failureOptions(value string) error {
	var opts []string
	for _, o := range strings.Split(value, ":") {
		o = strings.ToLower(trimWSP(o))
		if o != "0" && o != "1" && o != "d" && o != "s" {
			return fmt.Errorf("%w: fo=%q: options are 0, 1, d and s separated by colons", ErrBadValue, value)
		}
		opts = append(opts, o)
	}
	ps.r.FailureOptions = strings.Join(opts, ":")
	return nil
}

// reportFormats parses rf: keywords separated by colons (RFC 7489 §6.4).
// Formats other than the registered afrf are ignored (RFC 7489 §6.3).
func (ps *parser) reportFormats(value string) error {
	var formats []string
	for _, f := range strings.Split(value, ":") {
		f = strings.ToLower(trimWSP(f))
		if !isKeyword(f) {
			return fmt.Errorf("%w: rf=%q: formats are keywords separated by colons", ErrBadValue, value)
		}
		formats = append(formats, f)
		if f != "afrf" {
			ps.warn("dmarc.rf-unknown", "RFC 7489 §6.3",
				fmt.Sprintf("report format %q is not registered and is ignored; receivers running OpenDMARC ignore the whole record for it", f))
		}
	}
	ps.r.ReportFormats = formats
	return nil
}

// reportURIs parses rua or ruf: DMARC URIs separated by commas
// (RFC 7489 §6.4).
func (ps *parser) reportURIs(name, value string) error {
	var raws []string
	var uris []ReportURI
	for _, s := range strings.Split(value, ",") {
		s = trimWSP(s)
		u, err := ParseReportURI(s)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		raws = append(raws, s)
		uris = append(uris, u)
		switch {
		case u.Scheme != "mailto":
			ps.warn("dmarc.report-uri-scheme", "RFC 7489 §6.2",
				fmt.Sprintf("%s %s: receivers send reports only to mailto: URIs", name, s))
		case u.Domain == "":
			ps.warn("dmarc.report-uri-address", "RFC 7489 §6.2",
				fmt.Sprintf("%s %s has no usable mail address", name, s))
		}
	}
	if name == "rua" {
		ps.r.RUA, ps.r.AggregateURIs = raws, uris
	} else {
		ps.r.RUF, ps.r.FailureURIs = raws, uris
	}
	return nil
}

// policyValue reads a policy keyword, case-insensitively (RFC 5234 §2.3).
func policyValue(v string) (string, tagState) {
	v = strings.ToLower(v)
	if _, ok := policyRank[v]; ok {
		return v, tagValid
	}
	return "", tagInvalid
}

// splitTag splits "name = value" and trims the optional white space around
// both (RFC 7489 §6.4).
func splitTag(spec string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(spec, "=")
	return trimWSP(name), trimWSP(value), ok
}

// startsWithV reports whether txt starts with the v tag itself, with no
// white space before it (RFC 7489 §6.6.3 step 2).
func startsWithV(txt string) bool {
	return txt != "" && (txt[0] == 'v' || txt[0] == 'V')
}

// trimWSP trims spaces and tabs (RFC 5234 WSP).
func trimWSP(s string) string { return strings.Trim(s, " \t") }

// validTagName: ALPHA *(ALPHA / DIGIT / "_"), the tag-name of RFC 6376
// §3.2 whose tag=value syntax RFC 7489 §6.3 borrows.
func validTagName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlpha(c):
		case i > 0 && (isDigit(c) || c == '_'):
		default:
			return false
		}
	}
	return s != ""
}

// isKeyword: the Keyword of RFC 5321 §4.1.2 (Ldh-str), which rf uses.
func isKeyword(s string) bool {
	if s == "" || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// parseDigits parses 1*DIGIT no larger than max.
func parseDigits(s string, max int) (int, error) {
	if s == "" {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, strconv.ErrSyntax
		}
	}
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || n > uint64(max) {
		return 0, strconv.ErrRange
	}
	return int(n), nil
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
