package diagnose

import (
	"context"
	"sync"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/address"
	"github.com/codeprobe/codeprobe/diagnose/dane"
	"github.com/codeprobe/codeprobe/diagnose/smtpprobe"
)

// run is the state of one Check: the report being built and the lock that
// lets concurrent probes add findings to it.
type run struct {
	c  *Checker
	mu sync.Mutex
	r  *Report
}

func (ru *run) add(fs ...Finding) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	ru.r.Findings = append(ru.r.Findings, fs...)
}

// Check diagnoses one address. It never fails: whatever could not be
// checked within Options.Timeout is reported as an inconclusive finding.
func (c *Checker) Check(ctx context.Context, raw string) *Report {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	ru := &run{c: c, r: &Report{Address: raw, MX: []MXHost{}, Findings: []Finding{}}}
	a, typo := ru.checkAddress(raw)
	if a != nil && !c.opts.Offline && !a.DomainLiteral.IsValid() {
		ru.checkDomain(ctx, a, typo)
	} else if typo != nil {
		ru.suggest(a, typo)
	}
	sortFindings(ru.r.Findings)
	ru.r.DurationMS = time.Since(start).Milliseconds()
	return ru.r
}

// checkDomain runs every network check of the address's domain
// concurrently: the MX chain (MX → addresses → SMTP and DANE), MTA-STS,
// TLS-RPT, DNSSEC and the domain's SPF record (for naming the provider).
// Only the dependent steps wait for each other.
func (ru *run) checkDomain(ctx context.Context, a *address.Address, typo *typoCandidate) {
	domain := a.ASCIIDomain
	var wg sync.WaitGroup
	stsDone := make(chan *stsOutcome, 1)
	var spfIncludes []string

	wg.Go(func() { stsDone <- ru.fetchMTASTS(ctx, domain) })
	wg.Go(func() { ru.checkTLSRPT(ctx, domain) })
	wg.Go(func() { ru.checkDNSSEC(ctx, domain) })
	wg.Go(func() { spfIncludes = ru.recipientSPF(ctx, domain) })

	var (
		tlsa   []*dane.Result
		probed *smtpprobe.Result
	)
	ms := ru.mailServers(ctx, domain, func(hosts []string) {
		wg.Go(func() { tlsa = ru.checkDANE(ctx, hosts) })
	})
	if ms.usable() && !ru.c.opts.NoSMTP {
		wg.Go(func() { probed = ru.checkSMTP(ctx, a, ms) })
	}
	wg.Wait()
	ru.judgeDANE(tlsa, probed)
	ru.judgeMTASTS(<-stsDone, ms)

	if typo != nil {
		ru.sharpen(a, typo, ms)
	}
	ru.identifyProvider(domain, ms, spfIncludes)
	ru.checkPlacement(ctx)
	if ms.nxdomain || ms.failed {
		// Nothing about a domain that does not exist, or whose DNS does
		// not answer, is worth more than that one finding.
		ru.dropDependents()
	}
}
