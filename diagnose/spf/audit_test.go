package spf

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

const auditWorld = `
$ORIGIN audit.
@            SOA ns.audit. host.audit. 1 3600 600 86400 60
good         TXT "v=spf1 include:_spf.good.audit mx -all"
good         MX  10 mx.good.audit.
mx.good      A   192.0.2.25
_spf.good    TXT "v=spf1 ip4:192.0.2.0/24 include:_inner.good.audit ~all"
_inner.good  TXT "v=spf1 a:mail.good.audit -all"
mail.good    A   192.0.2.26
mail.good    AAAA 2001:db8::26
over         TXT "v=spf1 include:_a.over.audit include:_b.over.audit a mx -all"
_a.over      TXT "v=spf1 a a a a -all"
_b.over      TXT "v=spf1 a a a a exists:%{i}.x.over.audit -all"
over         A   192.0.2.1
_a.over      A   192.0.2.2
_b.over      A   192.0.2.3
over         MX  0 over.audit.
void         TXT "v=spf1 a:nx1.void.audit a:nx2.void.audit mx:nx3.void.audit -all"
risky        TXT "v=spf1 ptr +all"
neutral      TXT "v=spf1 mx ?all"
neutral      MX  0 mx.good.audit.
mxmany       TXT "v=spf1 mx -all"
spfonly      SPF "v=spf1 -all"
spfonly      TXT "google-site-verification=abc"
multi        TXT "v=spf1 -all"
multi        TXT "v=spf1 ~all"
bad          TXT "v=spf1 ip4:192.0.2.300 -all"
loop         TXT "v=spf1 include:loop2.audit -all"
loop2        TXT "v=spf1 include:loop.audit -all"
incnone      TXT "v=spf1 include:good.audit include:spfonly.audit -all"
macro        TXT "v=spf1 exists:%{i}._spf.%{d} a:%{d} exists:%{p}.x.audit -all"
macro        A   192.0.2.7
noall        TXT "v=spf1 mx" "" " ip4:192.0.2.0/24"
noall        MX  0 mx.good.audit.
ignored      TXT "v=spf1 -all redirect=good.audit"
slow         TXT "v=spf1 include:timeout.audit -all"
redir        TXT "v=spf1 redirect=_r.redir.audit"
_r.redir     TXT "v=spf1 ip4:192.0.2.0/24 ?all"
`

func startAuditWorld(t testing.TB) *dnsx.Resolver {
	t.Helper()
	srv := fixtures.NewDNSServer()
	if err := srv.AddZone("audit.", auditWorld); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		if err := srv.AddRecord(fmt.Sprintf("mxmany.audit. 300 IN MX %d mx%d.mxmany.audit.", i, i)); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetBehaviour("timeout.audit.", fixtures.Behaviour{Drop: true})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	res, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: 300 * time.Millisecond, Attempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAudit(t *testing.T) {
	c := &Checker{Resolver: startAuditWorld(t)}
	tests := []struct {
		domain         string
		lookups, voids int
		problems       []string // IDs, in order
		text           []string // lines the rendered audit must contain
	}{
		{"good.audit", 4, 0, nil, []string{
			"good.audit: 4 of 10 DNS-querying terms, 0 of 2 void lookups",
			"  include:_spf.good.audit → 3 lookups",
			"    include:_inner.good.audit → 2 lookups",
			"      a:mail.good.audit → 1 lookup",
			"  mx → 1 lookup",
		}},
		{"over.audit", 13, 0, []string{"spf.macro-needs-client", "spf.too-many-lookups"}, []string{
			"  include:_b.over.audit → 6 lookups",
			"    exists:%{i}.x.over.audit → 1 lookup (needs %{i})",
		}},
		{"void.audit", 3, 3, []string{"spf.too-many-void-lookups"}, []string{"  a:nx1.void.audit → 1 lookup (void)"}},
		{"risky.audit", 1, 0, []string{"spf.permissive-all", "spf.ptr"}, nil},
		{"neutral.audit", 1, 0, []string{"spf.permissive-all"}, nil},
		{"mxmany.audit", 1, 0, []string{"spf.mx-too-many"}, nil},
		{"spfonly.audit", 0, 0, []string{"spf.rr-type-only"}, nil},
		{"nothing.audit", 0, 0, []string{"spf.none"}, nil},
		{"multi.audit", 0, 0, []string{"spf.multiple-records"}, nil},
		{"bad.audit", 0, 0, []string{"spf.syntax"}, nil},
		{"loop.audit", 2, 0, []string{"spf.loop"}, []string{"    include:loop.audit → 1 lookup (loop: loop.audit → loop2.audit → loop.audit)"}},
		{"incnone.audit", 6, 0, []string{"spf.include-none"}, nil},
		{"macro.audit", 3, 0, []string{"spf.macro-needs-client", "spf.p-macro", "spf.macro-needs-client"}, []string{"  a:%{d} → 1 lookup"}},
		{"noall.audit", 1, 0, []string{"spf.no-all"}, nil},
		{"ignored.audit", 0, 0, []string{"spf.redirect-ignored"}, nil},
		{"slow.audit", 1, 0, []string{"spf.dns-error"}, nil},
		{"redir.audit", 1, 0, []string{"spf.permissive-all"}, []string{"  redirect=_r.redir.audit → 1 lookup"}},
		{"localhost", 0, 0, []string{"spf.invalid-domain"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			a := c.Audit(context.Background(), tt.domain)
			var ids []string
			for _, p := range a.Problems {
				ids = append(ids, p.ID)
				if p.Section == "" || p.Detail == "" || p.Domain == "" {
					t.Errorf("problem without section, detail or domain: %+v", p)
				}
			}
			text := a.Text()
			if a.Lookups != tt.lookups || a.VoidLookups != tt.voids || !slices.Equal(ids, tt.problems) {
				t.Errorf("%d lookups, %d void, problems %v; want %d, %d, %v\n%s", a.Lookups, a.VoidLookups, ids, tt.lookups, tt.voids, tt.problems, text)
			}
			for _, line := range tt.text {
				if !strings.Contains(text, line+"\n") {
					t.Errorf("audit text lacks %q:\n%s", line, text)
				}
			}
		})
	}
}

func TestAuditProblemResults(t *testing.T) {
	c := &Checker{Resolver: startAuditWorld(t)}
	want := map[string]Result{"over.audit": PermError, "slow.audit": TempError, "nothing.audit": None, "risky.audit": ""}
	for domain, res := range want {
		a := c.Audit(context.Background(), domain)
		last := a.Problems[len(a.Problems)-1]
		if last.Result != res {
			t.Errorf("%s: %s → %q, want %q", domain, last.ID, last.Result, res)
		}
	}
	a := c.Audit(context.Background(), "good.audit")
	if a.Parsed == nil || a.Record != "v=spf1 include:_spf.good.audit mx -all" || a.Tree.Children[0].Record != "v=spf1 ip4:192.0.2.0/24 include:_inner.good.audit ~all" {
		t.Errorf("audit record/tree: %+v", a)
	}
}
