package mtasts

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// ErrInvalidTLSRPT is wrapped by every error [ParseTLSRPT] returns.
var ErrInvalidTLSRPT = errors.New("invalid TLS-RPT record")

// tlsrptVersion is the exact version tag that must open a TLS-RPT record
// (RFC 8460 §3, %s"v=TLSRPTv1").
const tlsrptVersion = "v=TLSRPTv1"

// TLSRPTRecord is the SMTP TLS Reporting record published at
// _smtp._tls.<domain> (RFC 8460 §3), for example
// "v=TLSRPTv1; rua=mailto:tlsrpt@example.com".
type TLSRPTRecord struct {
	Version string   // always "TLSRPTv1"
	RUA     []string // the reporting URIs, mailto: and https: only, as published
	// Unsupported holds rua URIs whose scheme is neither mailto nor https:
	// senders cannot report there (RFC 8460 §3).
	Unsupported []string
	Extensions  []Extension // fields other than v and rua, in order
	Raw         string      // the record as published, its strings concatenated
}

// ParseTLSRPT parses a TLS-RPT record (RFC 8460 §3):
//
//	tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//	tlsrpt-rua    = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//
// rua is required and must name at least one mailto: or https: URI; commas
// and exclamation points inside a URI must be percent-encoded. URIs with
// other schemes are kept in Unsupported. Errors wrap [ErrInvalidTLSRPT].
func ParseTLSRPT(s string) (*TLSRPTRecord, error) {
	fail := func(format string, args ...any) (*TLSRPTRecord, error) {
		return nil, fmt.Errorf("%w: %s", ErrInvalidTLSRPT, fmt.Sprintf(format, args...))
	}
	fields, err := splitTags(s, tlsrptVersion)
	if err != nil {
		return fail("%v", err)
	}
	rec := &TLSRPTRecord{Version: "TLSRPTv1", Raw: s}
	seenRUA := false
	for _, f := range fields {
		if f.Key != "rua" {
			if !validExtValue(f.Value) {
				return fail("field %s: value %q has a character outside printable ASCII or one of '=', ';' (RFC 8460 §3)", f.Key, f.Value)
			}
			rec.Extensions = append(rec.Extensions, f)
			continue
		}
		if seenRUA {
			continue // the first rua counts, as for MTA-STS (RFC 8461 §3.2)
		}
		seenRUA = true
		for _, u := range strings.Split(f.Value, ",") {
			u = trimWSP(u)
			supported, err := checkReportURI(u)
			if err != nil {
				return fail("rua URI %q: %v", u, err)
			}
			if supported {
				rec.RUA = append(rec.RUA, u)
			} else {
				rec.Unsupported = append(rec.Unsupported, u)
			}
		}
	}
	if !seenRUA {
		return fail("the rua field is missing%s (RFC 8460 §3)", caseHint(rec.Extensions, "rua"))
	}
	if len(rec.RUA) == 0 {
		return fail("no rua URI uses mailto: or https:, the schemes senders report to (RFC 8460 §3)")
	}
	return rec, nil
}

// checkReportURI checks one rua URI and reports whether its scheme is one
// senders use (mailto, https).
func checkReportURI(u string) (bool, error) {
	if u == "" {
		return false, errors.New("empty URI (a stray comma?)")
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c <= 0x20 || c >= 0x7f:
			return false, fmt.Errorf("the character %q is not allowed in a URI", c)
		case c == '!':
			return false, errors.New("'!' must be percent-encoded as %21 (RFC 8460 §3); it is not a size limit as in DMARC")
		case strings.IndexByte(`"<>\^{|}`+"`", c) >= 0:
			return false, fmt.Errorf("the character %q must be percent-encoded", c)
		}
	}
	pu, err := url.Parse(u)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(pu.Scheme) {
	case "mailto":
		return true, checkMailto(pu)
	case "https":
		if pu.Hostname() == "" {
			return false, errors.New("https URI without a host")
		}
		return true, nil
	case "":
		return false, errors.New("no scheme: write mailto:address or https://host/path")
	default:
		return false, nil
	}
}

// checkMailto checks that a mailto: URI names one address local@domain.
func checkMailto(u *url.URL) error {
	addr, _, _ := strings.Cut(u.Opaque, "?")
	addr, err := url.PathUnescape(addr)
	if err != nil {
		return err
	}
	if strings.ContainsFunc(addr, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("mailto address %q has a space or control character", addr)
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return fmt.Errorf("mailto address %q is not local@domain", addr)
	}
	for _, label := range strings.Split(addr[at+1:], ".") {
		if err := checkLabel(label); err != nil {
			return fmt.Errorf("mailto domain %q: %v", addr[at+1:], err)
		}
	}
	return nil
}

// TLSRPTStatus is the outcome of a TLS-RPT check.
type TLSRPTStatus string

const (
	TLSRPTNone      TLSRPTStatus = "none"      // no TLS-RPT record: senders do not report TLS failures
	TLSRPTOK        TLSRPTStatus = "ok"        // one valid record
	TLSRPTInvalid   TLSRPTStatus = "invalid"   // the record is malformed: senders ignore it
	TLSRPTMultiple  TLSRPTStatus = "multiple"  // more than one record: senders ignore them all
	TLSRPTTempError TLSRPTStatus = "temperror" // the lookup failed: inconclusive
)

// Problem IDs reported in [TLSRPTResult.Problems].
const (
	ProblemTLSRPTInvalid        = "tlsrpt.invalid"
	ProblemTLSRPTMultiple       = "tlsrpt.multiple"
	ProblemTLSRPTTempError      = "tlsrpt.temperror"
	ProblemTLSRPTUnsupportedURI = "tlsrpt.unsupported-uri"
)

// TLSRPTResult is what [CheckTLSRPT] found for one domain.
type TLSRPTResult struct {
	Domain   string
	Name     string        // _smtp._tls.<domain>
	Record   *TLSRPTRecord // nil unless Status is ok
	Answer   *dnsx.Answer  // the answer to the TXT question
	Status   TLSRPTStatus
	Problems []Problem
	Err      error // why the status is invalid, multiple or temperror
}

func (r *TLSRPTResult) add(id, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{ID: id, Detail: fmt.Sprintf(format, args...), RFC: "RFC 8460 §3"})
}

// CheckTLSRPT looks up and parses domain's TLS-RPT record (RFC 8460 §3).
// Records not beginning with the version tag are discarded; if more than one
// remains, senders treat the domain as not using TLS-RPT.
func CheckTLSRPT(ctx context.Context, q dnsx.Querier, domain string) *TLSRPTResult {
	domain = normalizeName(domain)
	res := &TLSRPTResult{Domain: domain, Name: "_smtp._tls." + domain}
	if q == nil {
		res.Status, res.Err = TLSRPTTempError, fmt.Errorf("%w: no resolver configured", ErrDNS)
		res.add(ProblemTLSRPTTempError, "%v", res.Err)
		return res
	}
	ans, err := q.Query(ctx, res.Name, dns.TypeTXT)
	res.Answer = ans
	if err != nil {
		res.Status, res.Err = TLSRPTTempError, fmt.Errorf("%w: %w", ErrDNS, err)
		res.add(ProblemTLSRPTTempError, "looking up the TXT record at %s: %v", res.Name, err)
		return res
	}
	cands := candidates(ans, tlsrptVersion)
	switch len(cands) {
	case 0:
		res.Status = TLSRPTNone
		return res
	case 1:
	default:
		res.Status, res.Err = TLSRPTMultiple, fmt.Errorf("%w: %d records at %s", ErrInvalidTLSRPT, len(cands), res.Name)
		res.add(ProblemTLSRPTMultiple, "%d TLS-RPT records at %s (%s): senders ignore them all", len(cands), res.Name, quoteAll(cands))
		return res
	}
	rec, err := ParseTLSRPT(cands[0])
	if err != nil {
		res.Status, res.Err = TLSRPTInvalid, err
		res.add(ProblemTLSRPTInvalid, "%s: %s", res.Name, detail(err, "RFC 8460 §3"))
		return res
	}
	res.Record, res.Status = rec, TLSRPTOK
	if len(rec.Unsupported) > 0 {
		res.add(ProblemTLSRPTUnsupportedURI, "rua URI(s) %s use a scheme senders do not report to; only mailto: and https: are defined",
			strings.Join(rec.Unsupported, ", "))
	}
	return res
}
