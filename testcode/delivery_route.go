package testcode

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/mtasts"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

// mxHost is one mail server of the recipient domain.
type mxHost struct {
	name string // lower case, without the trailing dot
	pref int
}

// direct delivers to the recipient domain's mail servers in preference
// order (RFC 5321 §5.1), under its MTA-STS policy.
func (r *deliveryRun) direct() {
	domain := r.rcpt.domain
	if ip, err := parseAddressLiteral(domain); err == nil {
		r.notef("the recipient domain is an address literal: delivering to %s (RFC 5321 §4.1.3)", ip)
		r.tryHosts([]mxHost{{name: ip.String()}}, nil, map[string][]netip.Addr{ip.String(): {ip}})
		return
	}
	hosts, err := r.mxHosts(domain)
	if err != nil {
		r.routeFailed(domain, err)
		return
	}
	r.tryHosts(hosts, r.policy(domain), nil)
}

// mxHosts finds the domain's mail servers: its MX records, or the domain
// itself when it has none (the implicit MX, RFC 5321 §5.1).
func (r *deliveryRun) mxHosts(domain string) ([]mxHost, error) {
	mxs, ans, err := dnsx.LookupMX(r.ctx, r.Resolver, domain)
	if err != nil {
		return nil, fmt.Errorf("%w: MX of %s: %w", ErrDNS, domain, err)
	}
	if len(mxs) == 0 {
		if ans.Status == dnsx.StatusNXDomain {
			return nil, fmt.Errorf("%w: the domain %s does not exist", ErrNoRoute, domain)
		}
		r.notef("%s has no MX records: delivering to the domain's own address (implicit MX, RFC 5321 §5.1)", domain)
		return []mxHost{{name: domain}}, nil
	}
	var hosts []mxHost
	var listed []string
	null := false
	for _, mx := range mxs {
		name := strings.ToLower(strings.TrimSuffix(mx.Mx, "."))
		listed = append(listed, fmt.Sprintf("%d %s", mx.Preference, mx.Mx))
		if name == "" {
			null = true
			continue
		}
		hosts = append(hosts, mxHost{name: name, pref: int(mx.Preference)})
	}
	r.notef("MX of %s: %s", domain, strings.Join(listed, ", "))
	switch {
	case null && len(hosts) == 0:
		return nil, fmt.Errorf("%w: %s publishes MX 0 \".\"", ErrNullMX, domain)
	case null:
		r.notef("a null MX beside other MX records is a misconfiguration (RFC 7505 §3): ignoring it")
	}
	return hosts, nil
}

// policy fetches the domain's MTA-STS policy (RFC 8461 §3). Without one,
// or when it cannot be had, delivery goes on as for a domain without
// MTA-STS (§5), and nil is returned.
func (r *deliveryRun) policy(domain string) *mtasts.Policy {
	fn := r.MTASTS
	if fn == nil {
		f := &mtasts.Fetcher{Resolver: r.Resolver, Guard: r.guard, Timeout: r.step}
		if r.TLSConfig != nil {
			f.RootCAs = r.TLSConfig.RootCAs
		}
		fn = MTASTSFromFetcher(f)
	}
	out := &MTASTSOutcome{}
	r.res.MTASTS = out
	pol, err := fn(r.ctx, domain)
	switch {
	case err != nil:
		out.Error = err.Error()
		r.notef("no MTA-STS policy could be had for %s (%v): delivering as without one (RFC 8461 §5)", domain, err)
		return nil
	case pol == nil || pol.Mode == mtasts.ModeNone:
		r.notef("%s has no MTA-STS policy", domain)
		return nil
	}
	out.Mode, out.MX = pol.Mode, pol.MX
	r.notef("MTA-STS policy of %s: mode %s, mx %s", domain, pol.Mode, strings.Join(pol.MX, ", "))
	return pol
}

// mtastsFailure records and notes a demand of the policy not met.
func (r *deliveryRun) mtastsFailure(format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	r.addMTASTSFailure(text)
	r.notef("MTA-STS: %s", text)
}

// addMTASTSFailure records a demand of the policy not met, for a caller
// that notes the consequence itself.
func (r *deliveryRun) addMTASTSFailure(text string) {
	if r.res.MTASTS != nil {
		r.res.MTASTS.Failures = append(r.res.MTASTS.Failures, text)
	}
}

// tryHosts tries each host's addresses in order until one server takes
// or finally refuses the message, or MaxAttempts connections were made.
// known holds addresses already known, by host name.
func (r *deliveryRun) tryHosts(hosts []mxHost, pol *mtasts.Policy, known map[string][]netip.Addr) {
	dialled := 0
	for _, h := range hosts {
		if dialled >= r.attempts {
			r.notef("giving up after %d connections (MaxAttempts)", dialled)
			break
		}
		need, ok := r.tlsNeedFor(h, pol)
		if !ok {
			continue
		}
		ips, ok := known[h.name]
		if !ok {
			ips = r.hostAddrs(h)
		}
		for _, ip := range ips {
			if dialled >= r.attempts {
				break
			}
			att := Attempt{Host: h.name, IP: ip, Port: r.port, Preference: h.pref}
			r.attempt(target{host: h.name, ip: ip, port: r.port, pref: h.pref, tls: need}, &att)
			r.res.Attempts = append(r.res.Attempts, att)
			if att.dialled {
				dialled++
			}
			if att.final() {
				r.decide()
				return
			}
		}
	}
	r.decide()
}

// tlsNeedFor is what the policy requires of a host; ok is false when the
// policy, in enforce mode, rules the host out (RFC 8461 §4.1).
func (r *deliveryRun) tlsNeedFor(h mxHost, pol *mtasts.Policy) (tlsNeed, bool) {
	if pol == nil {
		return tlsOpportunistic, true
	}
	match := pol.Matches(h.name)
	if pol.Mode == mtasts.ModeEnforce {
		if !match {
			err := fmt.Errorf("%w: MX host %s is not covered by the policy's mx patterns %s (RFC 8461 §4.1)",
				ErrMTASTS, h.name, strings.Join(pol.MX, ", "))
			r.addMTASTSFailure(h.name + " is not covered by the policy: not delivering to it")
			r.passOver(h, err)
			return 0, false
		}
		return tlsMTASTS, true
	}
	if !match {
		r.mtastsFailure("%s is not covered by the policy (delivering anyway: the policy is in testing mode)", h.name)
	}
	return tlsMTASTSTesting, true
}

// hostAddrs resolves an MX host; a host without addresses is passed over.
func (r *deliveryRun) hostAddrs(h mxHost) []netip.Addr {
	addrs, err := dnsx.LookupAddrs(r.ctx, r.Resolver, h.name)
	switch addrs.Status() {
	case dnsx.AddrOK:
		return addrs.IPs
	case dnsx.AddrNXDomain, dnsx.AddrNoData:
		r.passOver(h, fmt.Errorf("%w: mail server %s has no address (%s)", ErrNoRoute, h.name, addrs.Status()))
	default:
		if err == nil {
			err = errors.Join(addrs.AErr, addrs.AAAAErr)
		}
		r.passOver(h, fmt.Errorf("%w: addresses of %s: %w", ErrDNS, h.name, err))
	}
	return nil
}

// passOver records a host that was not connected to, and why.
func (r *deliveryRun) passOver(h mxHost, err error) {
	r.notef("%v", err)
	att := Attempt{Host: h.name, Preference: h.pref, Stage: StageRoute}
	r.conclude(&att, err, nil)
	r.res.Attempts = append(r.res.Attempts, att)
}

// routeFailed ends a delivery that found nowhere to connect to.
func (r *deliveryRun) routeFailed(host string, err error) {
	r.passOver(mxHost{name: host}, err)
	r.decide()
}

// smarthost delivers to the relay, trying its addresses in order.
func (r *deliveryRun) smarthost() {
	host, port, err := splitSmarthost(r.Smarthost)
	if err != nil {
		r.routeFailed(r.Smarthost, err)
		return
	}
	ips, err := r.smarthostAddrs(host)
	if err != nil {
		r.routeFailed(host, err)
		return
	}
	dialled := 0
	for _, ip := range ips {
		if dialled >= r.attempts {
			break
		}
		local := r.isLocal(ip)
		need := tlsRequired
		if r.AllowPlaintext || local {
			need = tlsOpportunistic
		}
		att := Attempt{Host: host, IP: ip, Port: port}
		r.attempt(target{host: host, ip: ip, port: port, tls: need, local: local}, &att)
		r.res.Attempts = append(r.res.Attempts, att)
		if att.dialled {
			dialled++
		}
		if att.final() {
			break
		}
	}
	r.decide()
}

// smarthostAddrs are the relay's addresses: the literal, or the name's.
func (r *deliveryRun) smarthostAddrs(host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	if r.Resolver == nil {
		return nil, fmt.Errorf("%w: the smarthost %s is a name and there is no Resolver", ErrInvalidDelivery, host)
	}
	addrs, err := dnsx.LookupAddrs(r.ctx, r.Resolver, host)
	switch addrs.Status() {
	case dnsx.AddrOK:
		return addrs.IPs, nil
	case dnsx.AddrNXDomain, dnsx.AddrNoData:
		return nil, fmt.Errorf("%w: the smarthost %s has no address (%s)", ErrNoRoute, host, addrs.Status())
	}
	if err == nil {
		err = errors.Join(addrs.AErr, addrs.AAAAErr)
	}
	return nil, fmt.Errorf("%w: addresses of %s: %w", ErrDNS, host, err)
}

// decide sets the result from the attempts. A final attempt decides;
// otherwise a deferral with a server reply is the most telling, then any
// deferral (an MTA would queue the message and retry), then a rejected
// greeting; when every address was forbidden, all of them are named.
func (r *deliveryRun) decide() {
	atts := r.res.Attempts
	if len(atts) == 0 {
		att := Attempt{Stage: StageRoute}
		r.conclude(&att, fmt.Errorf("%w: no mail server to try", ErrNoRoute), nil)
		r.res.Attempts, atts = append(atts, att), []Attempt{att}
	}
	best := len(atts) - 1
	if !atts[best].final() {
		for i := range atts {
			if attemptRank(&atts[i]) >= attemptRank(&atts[best]) {
				best = i
			}
		}
	}
	a := &atts[best]
	res := r.res
	res.Status, res.Stage, res.Code, res.Enhanced, res.Text = a.Status, a.Stage, a.Code, a.Enhanced, a.Text
	res.QueueID, res.Host, res.IP, res.Port = a.QueueID, a.Host, a.IP, a.Port
	res.TLS, res.TLSError, res.Err = a.TLS, a.TLSError, a.Err
	if len(atts) > 1 && a.Status != StatusAccepted && !a.final() {
		res.Err = fmt.Errorf("%d servers tried, none took the message; %s: %w", len(atts), a.Host, a.Err)
		if a.Status == StatusError {
			var errs []error
			for i := range atts {
				errs = append(errs, atts[i].Err)
			}
			res.Err = errors.Join(errs...)
		}
	}
	if res.Err != nil {
		res.Reason = res.Err.Error()
	}
}

// attemptRank orders the attempts that did not end the delivery by how
// much they tell.
func attemptRank(a *Attempt) int {
	switch {
	case a.Status == StatusDeferred && a.Code != 0:
		return 4
	case a.Status == StatusDeferred:
		return 3
	case a.Status == StatusRejected:
		return 2
	case errors.Is(a.Err, netguard.ErrForbidden):
		return 1
	}
	return 0
}
