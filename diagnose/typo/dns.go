package typo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// ErrNoEvidence wraps the DNS failure that kept [SuggestDNS] or [HasMail]
// from learning whether the typed domain accepts mail. The pure suggestion
// still stands; the caller reports the DNS part as inconclusive.
var ErrNoEvidence = errors.New("typo: no DNS evidence about the typed domain")

// DefaultDNSTimeout bounds the DNS lookups of [HasMail] and [SuggestDNS]
// when the context has no deadline of its own.
const DefaultDNSTimeout = 5 * time.Second

// HasMail reports whether domain can receive mail (RFC 5321 §5.1): it has
// an MX RRset that is not a null MX (RFC 7505 §3: a single MX of
// preference 0 whose exchange is the root), or, having no MX, an A or
// AAAA record (the implicit MX). A domain that does not exist cannot. A
// lookup that fails returns an error wrapping [ErrNoEvidence] and the
// dnsx sentinel.
func HasMail(ctx context.Context, q dnsx.Querier, domain string) (bool, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultDNSTimeout)
		defer cancel()
	}
	mx, err := q.Query(ctx, domain, dns.TypeMX)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrNoEvidence, err)
	}
	switch mx.Status {
	case dnsx.StatusNXDomain:
		return false, nil
	case dnsx.StatusOK:
		return !nullMX(mx.Of(dns.TypeMX)), nil
	}
	for _, t := range [...]uint16{dns.TypeA, dns.TypeAAAA} {
		a, err := q.Query(ctx, domain, t)
		if err != nil {
			return false, fmt.Errorf("%w: %w", ErrNoEvidence, err)
		}
		if a.Status == dnsx.StatusOK && len(a.Of(t)) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// nullMX reports an RFC 7505 §3 null MX: one record, preference 0,
// exchange ".". An MX RRset holding only null MXes says the same.
func nullMX(rrs []dns.RR) bool {
	if len(rrs) == 0 {
		return false
	}
	for _, rr := range rrs {
		mx, ok := rr.(*dns.MX)
		if !ok || mx.Mx != "." {
			return false
		}
	}
	return true
}

// SuggestDNS is [Suggest] sharpened by what DNS says about the typed
// domain, as [Sharpen] describes. Only a likely suggestion against a domain
// that is not a known squat needs the evidence, so only then is DNS asked
// (up to three queries, bounded by ctx or [DefaultDNSTimeout]). DNS also
// lets it correct the slips Suggest holds back because they land on names
// that are usually registered (aok.com for aol.com, webb.de for web.de):
// when such a domain cannot receive mail, the correction is certain. When
// DNS fails, the pure answer is returned with an error wrapping
// [ErrNoEvidence].
func SuggestDNS(ctx context.Context, q dnsx.Querier, domain string) (Suggestion, bool, error) {
	s, ok := Suggest(domain)
	if ok && (s.Confidence == Certain || s.Squat) {
		return s, true, nil
	}
	typed, _, valid := normalize(domain)
	if !valid {
		return s, ok, nil
	}
	if !ok {
		e, weak := defaultIndex().weak[typed]
		if !weak {
			return Suggestion{}, false, nil
		}
		s = defaultIndex().suggestion(e)
	}
	has, err := HasMail(ctx, q, typed)
	if err != nil {
		if !ok {
			return Suggestion{}, false, err
		}
		return s, true, err
	}
	s, ok = Sharpen(s, has)
	return s, ok, nil
}
