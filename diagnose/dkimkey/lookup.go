package dkimkey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
)

// canarySelector is a selector nobody configures: if it has a key record,
// the domain answers every selector (a wildcard), and finding a common
// selector proves nothing.
const canarySelector = "codeprobe-canary-q7x2"

// Lookup fetches and judges the key record of selector at domain: the TXT
// record at <selector>._domainkey.<domain> (RFC 6376 §3.6.2.1), following
// CNAMEs through the resolver. It always returns a Key; DNS failures give
// StatusTempError with Err set, and ctx bounds the lookup.
func Lookup(ctx context.Context, q dnsx.Querier, domain, selector string) *Key {
	k := &Key{Selector: selector, Domain: domain}
	name, err := keyName(domain, selector)
	if err != nil {
		k.Status, k.Err = StatusInvalid, err
		k.add("dkim.bad-name", "RFC 6376 §3.1", err.Error())
		return k
	}
	k.Name, k.Target = name, name
	ans, err := q.Query(ctx, name, dns.TypeTXT)
	if err != nil {
		k.Status, k.Err = StatusTempError, err
		if errors.Is(err, dnsx.ErrBadName) {
			k.Status = StatusInvalid
		}
		k.add("dkim.temperror", "RFC 6376 §6.1.2", fmt.Sprintf("looking up %s: %v", name, err))
		return k
	}
	k.Answer = ans
	k.CNAMEs = ans.CNAMEs()
	if n := len(k.CNAMEs); n > 0 {
		k.Target = strings.TrimSuffix(strings.ToLower(k.CNAMEs[n-1]), ".")
	}
	var txts []string
	for _, rr := range ans.Of(dns.TypeTXT) {
		if t, ok := rr.(*dns.TXT); ok {
			// RFC 6376 §3.6.2.2: the strings are joined without spaces.
			txts = append(txts, strings.Join(t.Txt, ""))
		}
	}
	if len(txts) == 0 {
		k.missing()
		return k
	}
	parsed, _ := ParseRecord(txts[0])
	parsed.Selector, parsed.Domain, parsed.Name = k.Selector, k.Domain, k.Name
	parsed.CNAMEs, parsed.Target, parsed.Answer = k.CNAMEs, k.Target, k.Answer
	k = parsed
	if len(txts) > 1 {
		k.worsen(StatusInvalid)
		k.add("dkim.multiple", "RFC 6376 §3.6.2.2", fmt.Sprintf(
			"%d TXT records at %s; verifiers may use any of them: %s", len(txts), k.Target, strings.Join(txts, " | ")))
	}
	return k
}

// missing marks a key whose name has no TXT record.
func (k *Key) missing() {
	k.Status = StatusMissing
	if len(k.CNAMEs) == 0 {
		k.add("dkim.missing", "RFC 6376 §6.1.2", "no key record at "+k.Name+"; signatures with this selector fail")
		return
	}
	detail := fmt.Sprintf("%s is an alias for %s, which has no key record; signatures with this selector fail", k.Name, k.Target)
	if strings.HasSuffix(k.Target, ".onmicrosoft.com") {
		detail += " (in Microsoft 365, DKIM signing is probably not enabled for the domain)"
	}
	k.add("dkim.cname-dangling", "RFC 6376 §3.6.2.1", detail)
}

// keyName returns <selector>._domainkey.<domain> in lower case A-labels, or
// an error wrapping ErrBadName. A selector is dot-separated labels
// (RFC 6376 §3.1).
func keyName(domain, selector string) (string, error) {
	d, err := idna.Lookup.ToASCII(strings.TrimSuffix(domain, "."))
	if err != nil || d == "" {
		return "", fmt.Errorf("%w: domain %q", ErrBadName, domain)
	}
	if selector == "" || strings.HasPrefix(selector, ".") || strings.HasSuffix(selector, ".") {
		return "", fmt.Errorf("%w: selector %q", ErrBadName, selector)
	}
	name := strings.ToLower(selector + "._domainkey." + d)
	if _, ok := dns.IsDomainName(name); !ok || len(name) > 253 || strings.Contains(name, "..") {
		return "", fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return name, nil
}

// ScanOptions tune [Scan]. A nil *ScanOptions means the defaults.
type ScanOptions struct {
	// Common adds CommonSelectors to the selectors given; of those, only
	// the ones that have a record (or could not be checked) are returned.
	Common bool
	// Concurrency bounds the lookups in flight; 0 means 8.
	Concurrency int
}

// Scan looks up the given selectors of domain, and CommonSelectors when
// opts.Common is set, concurrently. It returns a Key for every given
// selector, found or not, in the order given and without duplicates, then
// the common selectors that were found or could not be checked. When a
// made-up selector also has a record the domain answers every selector:
// common selectors with that record are dropped and given ones are marked
// Wildcard with a dkim.wildcard problem.
func Scan(ctx context.Context, q dnsx.Querier, domain string, selectors []string, opts *ScanOptions) []*Key {
	if opts == nil {
		opts = &ScanOptions{}
	}
	limit := opts.Concurrency
	if limit <= 0 {
		limit = 8
	}
	var list []string
	given := map[string]bool{}
	for _, s := range selectors {
		if l := strings.ToLower(s); !given[l] {
			given[l] = true
			list = append(list, s)
		}
	}
	nGiven := len(list)
	if opts.Common {
		for _, s := range CommonSelectors {
			if !given[s] {
				list = append(list, s)
			}
		}
	}
	list = append(list, canarySelector)

	keys := make([]*Key, len(list))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, sel := range list {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			keys[i] = Lookup(ctx, q, domain, sel)
		})
	}
	wg.Wait()
	canary := keys[len(keys)-1]
	keys = keys[:len(keys)-1]

	var out []*Key
	for i, k := range keys {
		wild := canary.Raw != "" && k.Raw == canary.Raw
		if i >= nGiven && (wild || k.Status == StatusMissing) {
			continue
		}
		if wild {
			k.Wildcard = true
			k.add("dkim.wildcard", "RFC 6376 §3.6.2.1", fmt.Sprintf(
				"the made-up selector %s has the same record, so _domainkey.%s answers every selector and %s may not be configured at all",
				canarySelector, k.Domain, k.Selector))
		}
		out = append(out, k)
	}
	return out
}
