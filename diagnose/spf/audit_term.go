package spf

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// term inspects one term of domain's record into n.
func (w *auditor) term(ctx context.Context, n *AuditNode, domain string, t *Term, path []string) {
	if !t.Kind.QueriesDNS() {
		return
	}
	n.Lookups = 1
	if strings.ContainsRune(t.Domain.Letters(), 'p') {
		w.a.problem(Problem{ID: "spf.p-macro", Section: "7.3", Domain: domain, Term: t.Text,
			Detail: "the %{p} macro SHOULD NOT be used: it is slow, unreliable and adds DNS load on the receiver"})
	}
	if t.Kind == KindPTR {
		w.a.problem(Problem{ID: "spf.ptr", Section: "5.5", Domain: domain, Term: t.Text,
			Detail: "the ptr mechanism SHOULD NOT be used: it is slow, unreliable and some receivers ignore it"})
		n.Domain = domain
		if t.Domain != nil {
			n.Domain = t.Domain.String()
		}
		n.Note = "depends on the client's reverse DNS: not looked up"
		return
	}
	target, ok := w.target(n, domain, t)
	if !ok {
		if t.Kind == KindInclude || t.Kind == KindRedirect {
			n.Note = "target depends on the client: not expanded"
		}
		return
	}
	if _, err := queryName(target); err != nil {
		n.Note = "not a valid DNS name: receivers find nothing there"
		if t.Kind == KindInclude || t.Kind == KindRedirect {
			w.a.problem(Problem{ID: "spf." + string(t.Kind) + "-none", Section: map[Kind]string{KindInclude: "5.2", KindRedirect: "6.1"}[t.Kind],
				Domain: domain, Term: t.Text, Result: PermError, Detail: "the target is not a valid domain name"})
		}
		return
	}
	switch t.Kind {
	case KindInclude, KindRedirect:
		w.follow(ctx, n, domain, target, t, path)
	case KindA:
		w.addrTerm(ctx, n, domain, target, t)
	case KindMX:
		w.mxTerm(ctx, n, domain, target, t)
	case KindExists:
		a, l, err := resolve(ctx, w.c.Resolver, &n.Queries, t.Text, target, dns.TypeA)
		w.voidOrError(n, domain, t, a != nil && len(addresses(a)) == 0, l, err)
	}
}

// target expands t's domain-spec as far as an audit can: %{d} is the
// record's domain and %{o} the audited domain (the sender's domain when we
// send as it); every other macro needs a client.
func (w *auditor) target(n *AuditNode, domain string, t *Term) (string, bool) {
	if t.Domain == nil {
		n.Domain = domain
		return domain, true
	}
	var missing []string
	for _, l := range t.Domain.Letters() {
		if l != 'd' && l != 'o' {
			missing = append(missing, "%{"+string(l)+"}")
		}
	}
	if len(missing) > 0 {
		n.Domain = t.Domain.String()
		n.Unexpanded = strings.Join(missing, " ")
		w.a.problem(Problem{ID: "spf.macro-needs-client", Section: "7.3", Domain: domain, Term: t.Text,
			Detail: "the target uses " + n.Unexpanded + ", known only when a message arrives; it was not looked up"})
		return "", false
	}
	target := truncateName(t.Domain.expand(func(l byte) string {
		if l == 'o' {
			return w.top
		}
		return domain
	}))
	n.Domain = target
	return target, true
}

// follow expands an include or redirect target.
func (w *auditor) follow(ctx context.Context, n *AuditNode, domain, target string, t *Term, path []string) {
	if slices.ContainsFunc(path, func(p string) bool { return strings.EqualFold(p, target) }) {
		n.Note = "loop: " + strings.Join(append(path, target), " → ")
		w.a.problem(Problem{ID: "spf.loop", Section: "4.6.4", Domain: domain, Term: t.Text, Result: PermError,
			Detail: "the policy includes itself (" + n.Note + "): receivers run out of lookups and return permerror"})
		return
	}
	if len(path) >= auditMaxDepth || w.records >= auditMaxRecords {
		n.Note = "not expanded: the audit stops after " + fmt.Sprint(auditMaxRecords) + " records or " + fmt.Sprint(auditMaxDepth) + " levels"
		return
	}
	w.record(ctx, n, target, string(t.Kind), append(slices.Clip(path), target))
	// n.Lookups already holds 1 for the term; record added the subtree.
}

// addrTerm looks up an a mechanism's target. Receivers ask A or AAAA by
// the client's family; the term is void when neither exists.
func (w *auditor) addrTerm(ctx context.Context, n *AuditNode, domain, target string, t *Term) {
	i4 := len(n.Queries)
	a4, l, err := resolve(ctx, w.c.Resolver, &n.Queries, t.Text, target, dns.TypeA)
	if err != nil {
		w.voidOrError(n, domain, t, false, l, err)
		return
	}
	a6, l6, err := resolve(ctx, w.c.Resolver, &n.Queries, t.Text, target, dns.TypeAAAA)
	if err != nil {
		w.voidOrError(n, domain, t, false, l6, err)
		return
	}
	if len(addresses(a4)) == 0 && len(addresses(a6)) == 0 {
		w.voidOrError(n, domain, t, true, l6, nil)
		n.Queries[i4].Void = true
	}
}

// mxTerm looks up an mx mechanism's target and checks the MX limit.
func (w *auditor) mxTerm(ctx context.Context, n *AuditNode, domain, target string, t *Term) {
	a, l, err := resolve(ctx, w.c.Resolver, &n.Queries, t.Text, target, dns.TypeMX)
	if err != nil || len(a.Of(dns.TypeMX)) == 0 {
		w.voidOrError(n, domain, t, err == nil, l, err)
		return
	}
	if k := len(a.Of(dns.TypeMX)); k > w.maxNames {
		w.a.problem(Problem{ID: "spf.mx-too-many", Section: "4.6.4", Domain: domain, Term: t.Text, Result: PermError,
			Detail: fmt.Sprintf("%s has %d MX records; an mx mechanism may look up at most %d, more is a permerror", target, k, w.maxNames)})
	}
}

// voidOrError records a void lookup or a failed one.
func (w *auditor) voidOrError(n *AuditNode, domain string, t *Term, void bool, l *Lookup, err error) {
	switch {
	case err != nil && !errors.Is(err, errInvalidName):
		w.a.problem(Problem{ID: "spf.dns-error", Section: "5", Domain: domain, Term: t.Text, Result: TempError,
			Detail: err.Error() + ": receivers that reach this term return temperror"})
	case void:
		n.Void = true
		l.Void = true
		w.a.VoidLookups++
	}
}
