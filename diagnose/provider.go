package diagnose

import (
	"context"
	"fmt"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/spf"
	"github.com/codeprobe/codeprobe/rules"
)

// recipientSPF returns the include: and redirect= domains of the
// recipient domain's SPF record: which services send its mail tells which
// provider holds its mailboxes when a gateway hides them behind its MX
// (a Microsoft 365 tenant behind Mimecast includes
// spf.protection.outlook.com). Errors only mean less to go on.
func (ru *run) recipientSPF(ctx context.Context, domain string) []string {
	txts, _, err := dnsx.LookupTXT(ctx, ru.c.opts.Resolver, domain)
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range txts {
		if !spf.IsRecord(t) {
			continue
		}
		rec, err := spf.Parse(t)
		if err != nil {
			continue
		}
		for _, term := range rec.Terms {
			if (term.Kind == spf.KindInclude || term.Kind == spf.KindRedirect) && term.Domain != nil {
				out = append(out, term.Domain.String())
			}
		}
	}
	return out
}

// identifyProvider names the mailbox provider and any filtering gateway
// behind the domain, from its MX hosts, its SPF includes and the list of
// consumer domains, and says so in an mx.provider finding.
func (ru *run) identifyProvider(domain string, ms *mailServers, spfIncludes []string) {
	var hosts []string
	for _, h := range ms.hosts {
		if !h.implicit {
			hosts = append(hosts, h.name)
		}
	}
	id := rules.Identify(hosts, spfIncludes)
	mailbox, gateway := id.Mailbox, id.Gateway
	if mailbox == nil && gateway == nil && len(hosts) > 0 {
		mailbox, _ = rules.IdentifyDomain(domain)
	}
	var detail string
	switch {
	case mailbox != nil && gateway != nil:
		ru.r.Provider, ru.r.Gateway = mailbox.ID, gateway.ID
		detail = fmt.Sprintf("%s's mail is filtered by %s before it reaches %s; a code held by the filter waits in %s's quarantine.", domain, gateway.Name, mailbox.Name, gateway.Name)
	case gateway != nil:
		ru.r.Gateway = gateway.ID
		detail = fmt.Sprintf("%s's mail is filtered by %s; a code held by the filter waits in its quarantine.", domain, gateway.Name)
	case mailbox != nil:
		ru.r.Provider = mailbox.ID
		detail = fmt.Sprintf("%s's mail is handled by %s.", domain, mailbox.Name)
	default:
		return
	}
	ru.add(newFinding(rules.MXProvider, detail))
}
