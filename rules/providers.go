package rules

import (
	"slices"
	"strings"
)

// Provider kinds.
const (
	// KindMailbox hosts the mailboxes: Gmail, Outlook, Yahoo…
	KindMailbox = "mailbox"
	// KindGateway filters mail in front of the mailbox provider and can
	// quarantine it: Mimecast, Proofpoint, Barracuda…
	KindGateway = "gateway"
	// KindForwarder relays mail on to a mailbox elsewhere: masked-address
	// services and domain forwarding (Firefox Relay, Cloudflare Email
	// Routing…).
	KindForwarder = "forwarder"
)

// Provider is what codeprobe knows about one mailbox provider, filtering
// gateway or forwarding service.
type Provider struct {
	// ID is a stable lower-case name: "google", "mimecast".
	ID string
	// Name is the name shown to people: "Google (Gmail / Google Workspace)".
	Name string
	// Kind is KindMailbox, KindGateway or KindForwarder.
	Kind string
	// MXSuffixes are the domain names its MX hosts live under, lower-case,
	// without leading or trailing dots; a suffix matches the name itself and
	// every name under it ("google.com" matches "aspmx.l.google.com.").
	MXSuffixes []string
	// SPFIncludes are the domains, matched the same way, that an SPF
	// include: or redirect= names when a domain's mail goes through this
	// provider ("_spf.google.com").
	SPFIncludes []string
	// Domains are the consumer domains whose mailboxes it hosts
	// ("gmail.com"), matched exactly.
	Domains []string
	// JunkFolder is the junk folder's name as the user sees it in the
	// provider's own web mail ("Spam", "Junk Email"); "" for gateways and
	// forwarders, which have none.
	JunkFolder string
	// JunkAliases are other names of the same folder: IMAP names, other
	// languages, older names ("[Gmail]/Spam", "Bulk").
	JunkAliases []string
	// UserTips are the provider-specific steps, for the end user, to find a
	// code that seems not to have arrived.
	UserTips []string
}

func (p Provider) clone() Provider {
	p.MXSuffixes = slices.Clone(p.MXSuffixes)
	p.SPFIncludes = slices.Clone(p.SPFIncludes)
	p.Domains = slices.Clone(p.Domains)
	p.JunkAliases = slices.Clone(p.JunkAliases)
	p.UserTips = slices.Clone(p.UserTips)
	return p
}

// providers holds the data, mailbox providers first.
var providers = slices.Concat(mailboxProviders, gatewayProviders, forwarderProviders)

// Providers returns every known provider; the slice is the caller's.
func Providers() []Provider {
	out := make([]Provider, len(providers))
	for i, p := range providers {
		out[i] = p.clone()
	}
	return out
}

// ProviderByID returns the provider with the given ID.
func ProviderByID(id string) (Provider, bool) {
	for _, p := range providers {
		if p.ID == id {
			return p.clone(), true
		}
	}
	return Provider{}, false
}

// normalName lower-cases a host or domain name and strips surrounding
// space and one trailing dot.
func normalName(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// underSuffix reports whether name is suffix or a name under it.
func underSuffix(name, suffix string) bool {
	return name == suffix || (strings.HasSuffix(name, suffix) && name[len(name)-len(suffix)-1] == '.')
}

// bestMatch returns the index in providers of the provider with the longest
// suffix (from field) matching name, or -1. The longest match wins so that
// a specific name ("mx-aol.mail.gm0.yahoodns.net") beats a general one
// ("yahoodns.net").
func bestMatch(name string, field func(Provider) []string) int {
	name = normalName(name)
	if name == "" {
		return -1
	}
	best, bestLen := -1, 0
	for i, p := range providers {
		for _, s := range field(p) {
			if len(s) > bestLen && underSuffix(name, s) {
				best, bestLen = i, len(s)
			}
		}
	}
	return best
}

func mxSuffixes(p Provider) []string  { return p.MXSuffixes }
func spfIncludes(p Provider) []string { return p.SPFIncludes }

// IdentifyMX names the mailbox provider and the gateway (a filtering
// gateway or forwarding service) behind a domain's MX hosts. Pass the hosts
// in preference order: when several mailbox providers (or gateways) appear,
// as during a migration, the first host's wins. Names are matched without
// regard to case or a trailing dot. Either result is nil when nothing
// matches; a gateway with a nil mailbox is the case [Identify] completes
// from SPF.
func IdentifyMX(mxHosts []string) (mailbox *Provider, gateway *Provider) {
	for _, h := range mxHosts {
		i := bestMatch(h, mxSuffixes)
		if i < 0 {
			continue
		}
		p := providers[i].clone()
		switch {
		case p.Kind == KindMailbox && mailbox == nil:
			mailbox = &p
		case p.Kind != KindMailbox && gateway == nil:
			gateway = &p
		}
	}
	return mailbox, gateway
}

// IdentifySPF returns the providers that a domain's SPF include: and
// redirect= domains point to, once each, in the order first named. Items
// may be bare domains ("_spf.google.com") or whole terms
// ("include:_spf.google.com", "~include:…", "redirect=…").
func IdentifySPF(includes []string) []Provider {
	var out []Provider
	seen := make(map[int]bool)
	for _, inc := range includes {
		i := bestMatch(spfTarget(inc), spfIncludes)
		if i < 0 || seen[i] {
			continue
		}
		seen[i] = true
		out = append(out, providers[i].clone())
	}
	return out
}

// spfTarget strips an SPF term down to its domain.
func spfTarget(term string) string {
	t := strings.TrimLeft(strings.TrimSpace(term), "+-~?")
	lower := strings.ToLower(t)
	for _, prefix := range []string{"include:", "redirect="} {
		if strings.HasPrefix(lower, prefix) {
			return t[len(prefix):]
		}
	}
	return t
}

// Identification is what [Identify] found behind a domain.
type Identification struct {
	// Mailbox is the mailbox provider, or nil if unknown.
	Mailbox *Provider
	// Gateway is the filtering gateway or forwarder in front, or nil.
	Gateway *Provider
	// MailboxFromSPF is true when Mailbox was inferred from the SPF
	// includes because the MX hosts belong to a gateway.
	MailboxFromSPF bool
}

// Identify combines [IdentifyMX] and [IdentifySPF]: when the MX hosts name
// a filtering gateway but no mailbox provider (Mimecast in front of
// Microsoft 365, say), the mailbox provider is taken from the domain's SPF
// includes, if they name exactly one. Forwarders are not completed this
// way: a domain's SPF says where it sends from, not where it forwards to.
func Identify(mxHosts, spfIncludes []string) Identification {
	mailbox, gateway := IdentifyMX(mxHosts)
	id := Identification{Mailbox: mailbox, Gateway: gateway}
	if mailbox != nil || gateway == nil || gateway.Kind != KindGateway {
		return id
	}
	var found *Provider
	for _, p := range IdentifySPF(spfIncludes) {
		if p.Kind != KindMailbox {
			continue
		}
		if found != nil {
			return id // more than one mailbox provider: ambiguous
		}
		found = &p
	}
	if found != nil {
		id.Mailbox, id.MailboxFromSPF = found, true
	}
	return id
}

// IdentifyDomain returns the provider hosting a consumer domain such as
// "gmail.com" or "outlook.de" (case and a trailing dot ignored; the domain
// must be in A-label form). Company domains hosted at a provider are
// recognised by their MX hosts instead, with [IdentifyMX].
func IdentifyDomain(domain string) (*Provider, bool) {
	d := normalName(domain)
	if d == "" {
		return nil, false
	}
	for _, p := range providers {
		if slices.Contains(p.Domains, d) {
			c := p.clone()
			return &c, true
		}
	}
	return nil, false
}
