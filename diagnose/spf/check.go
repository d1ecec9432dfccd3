package spf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// Checker evaluates SPF policies. Resolver is required; zero values of the
// other fields mean the defaults of RFC 7208. A Checker is safe for
// concurrent use.
type Checker struct {
	// Resolver asks every DNS question.
	Resolver dnsx.Querier
	// MaxLookups bounds the DNS-querying terms of one check (§4.6.4);
	// 0 means 10.
	MaxLookups int
	// MaxVoidLookups bounds the lookups that find nothing (§4.6.4);
	// 0 means 2.
	MaxVoidLookups int
	// MaxNamesPerTerm bounds the MX names an mx mechanism may look up
	// (more is a permerror) and the PTR names a ptr mechanism or the %{p}
	// macro validates (the rest are ignored) (§4.6.4); 0 means 10.
	MaxNamesPerTerm int
	// Timeout bounds one whole check (§4.6.4 asks for at least 20
	// seconds); 0 means 20s. The context's deadline applies too.
	Timeout time.Duration
	// Now gives the time for the %{t} macro; nil means time.Now.
	Now func() time.Time
	// ReceiverName is the %{r} macro (§7.3); empty means "unknown".
	ReceiverName string
	// DefaultExplanation is the explain-string (§6.2) used for a fail
	// result whose record has no usable exp= modifier; empty means
	// [DefaultExplanation].
	DefaultExplanation string
}

// DefaultExplanation is the explanation of a fail result when the domain
// gives none.
const DefaultExplanation = "%{i} is not one of %{d}'s designated mail servers."

// Evaluation is the result of [Checker.Check] and how it came about.
type Evaluation struct {
	Result      Result `json:"result"`
	Domain      string `json:"domain"`                // the <domain> checked (§4.1)
	Sender      string `json:"sender"`                // the <sender>, local part supplied (§4.3)
	Explanation string `json:"explanation,omitempty"` // for fail: the domain's exp= text or the default (§6.2)
	Record      string `json:"record,omitempty"`      // the top-level TXT record, as published
	// Matched is the mechanism that decided the result, in the record
	// that decided it (the redirect target's, for a redirect; the include
	// itself, for a matching include); nil when no mechanism matched.
	Matched     *Term `json:"-"`
	Lookups     int   `json:"lookups"`      // DNS-querying terms evaluated (§4.6.4)
	VoidLookups int   `json:"void_lookups"` // of those, lookups that found nothing
	Tree        *Node `json:"tree"`
	// Err says why the result is temperror, permerror or none; it wraps
	// one of the package's sentinel errors.
	Err error `json:"-"`
}

// Node is one record evaluated: the top-level one, or one reached through
// include or redirect.
type Node struct {
	Domain   string   `json:"domain"`
	Via      string   `json:"via,omitempty"`    // "include:x" or "redirect=x"; empty at the top
	Record   string   `json:"record,omitempty"` // the TXT record, as published
	Result   Result   `json:"result"`
	Matched  string   `json:"matched,omitempty"` // the term that matched, if any
	Error    string   `json:"error,omitempty"`   // why the result is an error or none
	Lookups  []Lookup `json:"lookups,omitempty"` // every DNS question asked for this record, in order
	Children []*Node  `json:"children,omitempty"`
}

func (c *Checker) limits() (lookups, voids, names int) {
	lookups, voids, names = c.MaxLookups, c.MaxVoidLookups, c.MaxNamesPerTerm
	if lookups <= 0 {
		lookups = 10
	}
	if voids <= 0 {
		voids = 2
	}
	if names <= 0 {
		names = 10
	}
	return
}

func (c *Checker) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	d := c.Timeout
	if d <= 0 {
		d = 20 * time.Second
	}
	return context.WithTimeout(ctx, d)
}

// Check runs check_host() (§4) for a message from ip whose client said
// helo and whose envelope sender is mailFrom. An empty mailFrom (the null
// reverse-path of a bounce) checks postmaster@helo (§2.4, §4.3).
func (c *Checker) Check(ctx context.Context, ip netip.Addr, helo, mailFrom string) *Evaluation {
	local, domain := splitSender(mailFrom, helo)
	ev := &Evaluation{Domain: domain, Sender: local + "@" + domain}
	if !ip.IsValid() {
		ev.Result, ev.Err = PermError, ErrInvalidIP
		return ev
	}
	if d, ok := asciiDomain(domain); ok {
		domain = d
	}
	domain = strings.TrimSuffix(domain, ".")
	ev.Domain, ev.Sender = domain, local+"@"+domain
	if !validDomain(domain) {
		// §4.3: a malformed domain returns none at once.
		ev.Result, ev.Err = None, fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
		return ev
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	maxL, maxV, maxN := c.limits()
	e := &eval{
		c: c, q: c.Resolver, ip: ip.Unmap().WithZone(""), helo: helo, local: local, senderDomain: domain,
		maxLookups: maxL, maxVoids: maxV, maxNames: maxN, now: time.Now,
	}
	if c.Now != nil {
		e.now = c.Now
	}
	root := &Node{Domain: domain}
	out := e.checkHost(ctx, root, domain)
	ev.Result, ev.Err, ev.Matched, ev.Tree = out.result, out.err, out.matched, root
	ev.Record = root.Record
	ev.Lookups, ev.VoidLookups = e.lookups, e.voids
	if out.result == Fail {
		ev.Explanation = e.explain(ctx, out)
	}
	return ev
}

// splitSender splits the envelope sender into local part and domain. An
// empty sender is postmaster@helo; an empty local part is "postmaster"
// (§4.3).
func splitSender(mailFrom, helo string) (local, domain string) {
	s := strings.TrimSpace(mailFrom)
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s = s[1 : len(s)-1]
	}
	if s == "" {
		return "postmaster", helo
	}
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return "postmaster", s
	}
	local, domain = s[:i], s[i+1:]
	if local == "" {
		local = "postmaster"
	}
	return local, domain
}

// asciiDomain converts an internationalized domain to A-labels (RFC 5890).
func asciiDomain(d string) (string, bool) {
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(d)
			return a, err == nil
		}
	}
	return d, true
}

// eval is the state of one check_host() run, shared by every record it
// reaches through include and redirect.
type eval struct {
	c                         *Checker
	q                         dnsx.Querier
	ip                        netip.Addr
	helo, local, senderDomain string
	maxLookups, maxVoids      int
	maxNames                  int
	lookups, voids            int
	now                       func() time.Time
	ptrNames                  []string // validated names of ip, for %{p}
	ptrDone                   bool
}

// outcome is what check_host() returned for one record.
type outcome struct {
	result  Result
	matched *Term
	err     error
	// For a fail: the record whose exp= explains it (§6.2), and its node.
	exp       *Term
	expDomain string
	expNode   *Node
}

func resultOf(err error) Result {
	if errors.Is(err, ErrTempDNS) {
		return TempError
	}
	return PermError
}

// checkHost evaluates domain's record into n (§4).
func (e *eval) checkHost(ctx context.Context, n *Node, domain string) outcome {
	out := e.evaluate(ctx, n, domain)
	n.Result = out.result
	if out.err != nil {
		n.Error = out.err.Error()
	}
	return out
}

func (e *eval) evaluate(ctx context.Context, n *Node, domain string) outcome {
	rec, err := e.fetch(ctx, n, domain)
	if err != nil {
		if errors.Is(err, ErrNoRecord) {
			return outcome{result: None, err: err}
		}
		return outcome{result: resultOf(err), err: err}
	}
	for _, t := range rec.Mechanisms() {
		match, err := e.mechanism(ctx, n, domain, t)
		if err != nil {
			return outcome{result: resultOf(err), err: fmt.Errorf("%s: %s: %w", domain, t.Text, err)}
		}
		if match {
			n.Matched = t.Text
			out := outcome{result: t.Result(), matched: t}
			if out.result == Fail {
				out.exp, out.expDomain, out.expNode = rec.Exp(), domain, n
			}
			return out
		}
	}
	if r := rec.Redirect(); r != nil && !rec.HasAll() {
		return e.redirect(ctx, n, domain, r)
	}
	// §4.7: no mechanism matched and no redirect: neutral.
	return outcome{result: Neutral}
}

// redirect follows a redirect modifier (§6.1).
func (e *eval) redirect(ctx context.Context, n *Node, domain string, t *Term) outcome {
	if err := e.count(); err != nil {
		return outcome{result: PermError, err: fmt.Errorf("%s: %s: %w", domain, t.Text, err)}
	}
	target, err := e.target(ctx, n, t.Domain, domain)
	child := &Node{Domain: target, Via: "redirect=" + target}
	n.Children = append(n.Children, child)
	if err != nil {
		err = fmt.Errorf("%s: %s: target %q: %w", domain, t.Text, target, ErrNoRecord)
		child.Result, child.Error = PermError, err.Error()
		return outcome{result: PermError, err: err}
	}
	out := e.checkHost(ctx, child, target)
	if out.result == None {
		// §6.1: a redirect to a domain without a record is a permerror.
		out.result = PermError
		out.err = fmt.Errorf("%s: %s: %w", domain, t.Text, out.err)
	}
	return out
}

// count charges one DNS-querying term against the limit (§4.6.4).
func (e *eval) count() error {
	e.lookups++
	if e.lookups > e.maxLookups {
		return fmt.Errorf("%w (more than %d)", ErrTooManyLookups, e.maxLookups)
	}
	return nil
}

// void charges one void lookup against the limit (§4.6.4) and marks l.
func (e *eval) void(l *Lookup) error {
	l.Void = true
	e.voids++
	if e.voids > e.maxVoids {
		return fmt.Errorf("%w (more than %d)", ErrTooManyVoidLookups, e.maxVoids)
	}
	return nil
}

// fetch looks up and parses domain's SPF record (§4.4, §4.5).
func (e *eval) fetch(ctx context.Context, n *Node, domain string) (*Record, error) {
	raw, err := fetchRecord(ctx, e.q, &n.Lookups, domain)
	n.Record = raw
	if err != nil {
		return nil, err
	}
	rec, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", domain, err)
	}
	return rec, nil
}

// fetchRecord returns the one SPF record among domain's TXT records.
func fetchRecord(ctx context.Context, q dnsx.Querier, log *[]Lookup, domain string) (string, error) {
	a, _, err := resolve(ctx, q, log, "", domain, dns.TypeTXT)
	if errors.Is(err, errInvalidName) {
		return "", fmt.Errorf("%w: %q: %w", ErrNoRecord, domain, ErrInvalidDomain)
	}
	if err != nil {
		// §4.4: a failed lookup is a temperror.
		return "", fmt.Errorf("%s: %w", domain, err)
	}
	var found []string
	for _, rr := range a.Of(dns.TypeTXT) {
		if txt := txtText(rr.(*dns.TXT).Txt); IsRecord(txt) {
			found = append(found, txt)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w at %s (TXT %s)", ErrNoRecord, domain, a.Status)
	case 1:
		return found[0], nil
	}
	return strings.Join(found, " | "), fmt.Errorf("%w: %d at %s (§4.5)", ErrMultipleRecords, len(found), domain)
}

// target expands a term's domain-spec, or returns the current domain when
// the term has none (§4.8). The name is raw octets without a trailing
// dot, cut to 253 octets (§7.3); errInvalidName says it cannot be asked.
func (e *eval) target(ctx context.Context, n *Node, spec *MacroString, domain string) (string, error) {
	if spec == nil {
		return domain, nil
	}
	raw := truncateName(spec.expand(e.values(ctx, n, domain)))
	_, err := queryName(raw)
	return raw, err
}
