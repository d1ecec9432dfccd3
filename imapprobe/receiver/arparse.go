package receiver

import (
	"reflect"
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// methodResult is one method's result as one of the two readers saw it.
type methodResult struct {
	method, result string
	reason         string
	domain         string  // SPF: mailfrom or helo domain; DKIM: d= or i= domain; DMARC: header.from
	extra          resinfo // the comment-aware reading of the same resinfo
}

// readAR reads one Authentication-Results payload with authres, cross-
// checked against the comment-aware reading, which is kept when authres
// fails or the two differ. name names the field in problems.
func (d *decoder) readAR(name, v string) Auth {
	t := parseAR(v)
	tolerant := authFromTolerant(t)
	id, rs, err := authres.Parse(v)
	switch {
	case err != nil && t.id == "" && len(t.results) > 0:
		d.problem("%s has no authserv-id (RFC 8601 §2.2 requires one; Microsoft 365 writes none): read with the tolerant parser", name)
		return tolerant
	case err != nil:
		d.problem("%s could not be parsed by authres (%s): read with the tolerant parser", name, clean(err.Error(), 80))
		return tolerant
	}
	lib := authFromLib(id, rs, t)
	if !reflect.DeepEqual(lib, tolerant) {
		d.problem("%s was read differently by authres, which does not set comments aside (RFC 8601 §2.2 allows them anywhere): kept the comment-aware reading", name)
		return tolerant
	}
	return lib
}

// authFromTolerant builds an Auth from the comment-aware reading.
func authFromTolerant(t arField) Auth {
	a := Auth{AuthServID: clean(t.id, maxValue)}
	for _, r := range t.results {
		if len(a.Methods) == maxMethods {
			break
		}
		m := methodResult{method: r.method, result: r.result, reason: r.reason, extra: r}
		switch r.method {
		case "spf":
			m.domain = firstOf(domainOf(r.props["smtp.mailfrom"]), r.props["smtp.helo"])
		case "dkim":
			m.domain = firstOf(r.props["header.d"], domainOf(r.props["header.i"]))
		case "dmarc":
			m.domain = r.props["header.from"]
		}
		a.add(m)
	}
	return a
}

// authFromLib builds an Auth from authres's results, taking what authres
// does not model (DKIM selector, DMARC policy, comments) from t, matched
// by method and order.
func authFromLib(id string, rs []authres.Result, t arField) Auth {
	a := Auth{AuthServID: clean(id, maxValue)}
	byMethod := map[string][]resinfo{}
	for _, r := range t.results {
		byMethod[r.method] = append(byMethod[r.method], r)
	}
	for _, r := range rs {
		if len(a.Methods) == maxMethods {
			break
		}
		m := libResult(r)
		if same := byMethod[m.method]; len(same) > 0 {
			m.extra, byMethod[m.method] = same[0], same[1:]
		}
		a.add(m)
	}
	return a
}

// libResult converts one authres result.
func libResult(r authres.Result) methodResult {
	switch r := r.(type) {
	case *authres.SPFResult:
		return methodResult{method: "spf", result: string(r.Value), reason: r.Reason, domain: firstOf(domainOf(r.From), r.Helo)}
	case *authres.DKIMResult:
		return methodResult{method: "dkim", result: string(r.Value), reason: r.Reason, domain: firstOf(r.Domain, domainOf(r.Identifier))}
	case *authres.DMARCResult:
		return methodResult{method: "dmarc", result: string(r.Value), reason: r.Reason, domain: r.From}
	case *authres.ARCResult:
		return methodResult{method: "arc", result: string(r.Value)}
	case *authres.AuthResult:
		return methodResult{method: "auth", result: string(r.Value), reason: r.Reason}
	case *authres.DomainKeysResult:
		return methodResult{method: "domainkeys", result: string(r.Value), reason: r.Reason}
	case *authres.IPRevResult:
		return methodResult{method: "iprev", result: string(r.Value), reason: r.Reason}
	case *authres.SenderIDResult:
		return methodResult{method: "sender-id", result: string(r.Value), reason: r.Reason}
	case *authres.GenericResult:
		return methodResult{method: r.Method, result: string(r.Value), reason: r.Params["reason"]}
	}
	return methodResult{}
}

// add records one method's result: every method in Methods, the first SPF,
// DMARC and ARC result and up to maxDKIM DKIM results in their fields.
func (a *Auth) add(m methodResult) {
	method, result := clean(strings.ToLower(m.method), 64), clean(strings.ToLower(m.result), 64)
	if method == "" || len(a.Methods) >= maxMethods {
		return
	}
	a.Methods = append(a.Methods, Method{Method: method, Result: result})
	reason := clean(firstOf(m.reason, m.extra.comment), maxValue)
	domain := clean(m.domain, maxValue)
	switch method {
	case "spf":
		if a.SPF.Result == "" {
			a.SPF = SPF{Result: result, Domain: domain, Reason: reason}
		}
	case "dkim":
		if len(a.DKIM) < maxDKIM {
			a.DKIM = append(a.DKIM, DKIM{Result: result, Domain: domain, Selector: clean(m.extra.props["header.s"], maxValue), Reason: reason})
		}
	case "dmarc":
		if a.DMARC.Result == "" {
			a.DMARC = DMARC{Result: result, Domain: domain, Policy: dmarcPolicy(m.extra)}
		}
	case "arc":
		if a.ARC.Result == "" {
			a.ARC.Result = result
		}
	}
}

// dmarcPolicy returns the published policy the receiver recorded: the
// policy.dmarc property, or "p=" in its comment as Gmail and Yahoo write
// it ("(p=REJECT sp=REJECT dis=NONE)").
func dmarcPolicy(r resinfo) string {
	if p := r.props["policy.dmarc"]; p != "" {
		return clean(strings.ToLower(p), 32)
	}
	for _, w := range strings.Fields(r.comment) {
		if len(w) > 2 && strings.EqualFold(w[:2], "p=") {
			return clean(strings.ToLower(strings.Trim(w[2:], ",;")), 32)
		}
	}
	return ""
}

// domainOf returns the domain of an address or identity ("@d", "a@d",
// "<a@d>"), or s itself when it has no '@'.
func domainOf(s string) string {
	s = strings.Trim(strings.TrimSpace(s), "<>")
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[i+1:]
	}
	return s
}
