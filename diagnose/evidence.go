package diagnose

import (
	"errors"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// dnsEvidence renders DNS answers as a support agent would read them from
// dig: one line per record ("gmail.com. MX 5 gmail-smtp-in.l.google.com."),
// or one line saying the name does not exist or has no such record. TTLs
// and server addresses are left out: they change from one run to the next
// and explain nothing.
func dnsEvidence(answers ...*dnsx.Answer) Evidence {
	ev := Evidence{Kind: "dns"}
	for _, a := range answers {
		if a == nil {
			continue
		}
		qt := dns.TypeToString[a.Type]
		for _, rr := range a.Records {
			ev.Lines = append(ev.Lines, rrLine(rr))
		}
		switch a.Status {
		case dnsx.StatusNXDomain:
			ev.Lines = append(ev.Lines, a.Name+" "+qt+": NXDOMAIN (no such domain)")
		case dnsx.StatusNoData:
			ev.Lines = append(ev.Lines, a.Name+" "+qt+": no records")
		}
		if a.AD {
			ev.Lines = append(ev.Lines, a.Name+" "+qt+": validated by DNSSEC (AD bit set)")
		}
	}
	return ev
}

// dnsErrEvidence renders a failed question.
func dnsErrEvidence(name string, qtype uint16, err error) Evidence {
	what := "failed"
	switch {
	case errors.Is(err, dnsx.ErrTimeout):
		what = "no answer in time"
	case errors.Is(err, dnsx.ErrServFail):
		what = "SERVFAIL"
	case errors.Is(err, dnsx.ErrRefused):
		what = "REFUSED"
	case errors.Is(err, dnsx.ErrNetwork):
		what = "resolver unreachable"
	}
	return Evidence{Kind: "dns", Lines: []string{dns.Fqdn(name) + " " + dns.TypeToString[qtype] + ": " + what}}
}

// rrLine is a record in presentation format without TTL and class.
func rrLine(rr dns.RR) string {
	h := rr.Header()
	full := rr.String()
	// The header is "name\tTTL\tCLASS\tTYPE\t"; keep what follows it.
	rdata := full
	for range 4 {
		if i := strings.IndexByte(rdata, '\t'); i >= 0 {
			rdata = rdata[i+1:]
		}
	}
	return h.Name + " " + dns.TypeToString[h.Rrtype] + " " + rdata
}

// merge joins pieces of evidence of the same kind.
func merge(evs ...Evidence) []Evidence {
	var out []Evidence
	for _, e := range evs {
		if len(e.Lines) == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Kind == e.Kind {
			out[n-1].Lines = append(out[n-1].Lines, e.Lines...)
			continue
		}
		out = append(out, e)
	}
	return out
}
