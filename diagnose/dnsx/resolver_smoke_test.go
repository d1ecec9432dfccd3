package dnsx_test

import (
	"context"
	"errors"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/miekg/dns"
)

func TestSmoke(t *testing.T) {
	s := fixtures.NewDNSServer()
	if err := s.AddZone("example.test.", `
@ SOA ns1 host 1 2 3 4 60
@ MX 10 mx
mx A 192.0.2.1
alias CNAME mx
big TXT "`+string(make([]byte, 200))+`"
`); err != nil {
		t.Fatal(err)
	}
	s.SetBehaviour("bad.example.test.", fixtures.Behaviour{ServFail: true})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, _ := dnsx.New(dnsx.Config{Servers: []string{s.Addr}})
	ctx := context.Background()
	a, err := r.Query(ctx, "example.test", dns.TypeMX)
	t.Log(a, err)
	if a.Status != dnsx.StatusOK {
		t.Fatal(a.Status)
	}
	a, err = r.Query(ctx, "nope.example.test", dns.TypeMX)
	if a.Status != dnsx.StatusNXDomain {
		t.Fatal(a.Status)
	}
	a, err = r.Query(ctx, "mx.example.test", dns.TypeMX)
	if a.Status != dnsx.StatusNoData {
		t.Fatal(a.Status)
	}
	a, err = r.Query(ctx, "alias.example.test", dns.TypeA)
	if a.Status != dnsx.StatusOK || len(a.CNAMEs()) != 1 {
		t.Fatal(a)
	}
	_, err = r.Query(ctx, "bad.example.test", dns.TypeA)
	if !errors.Is(err, dnsx.ErrServFail) {
		t.Fatal(err)
	}
}
