package demo

import (
	"net"
	"strconv"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/imapprobe"
	"github.com/codeprobe/codeprobe/seeds"
	"github.com/codeprobe/codeprobe/testcode"
)

// SeedList is the seed list of the demo seed world: one seed per
// provider.
func SeedList(w *fixtures.SeedWorld) *seeds.List {
	host, port, _ := net.SplitHostPort(w.IMAP.Addr)
	p, _ := strconv.Atoi(port)
	l := &seeds.List{Deadline: 20 * time.Second, LateAfter: 5 * time.Second, AlertBelow: 0.75, AlertRuns: 4}
	for _, pr := range w.Providers {
		l.Seeds = append(l.Seeds, imapprobe.Account{Name: pr.ID + "-demo", Provider: pr.ID, Address: "seed@" + pr.Domain,
			Host: host, Port: p, TLS: imapprobe.TLSNone, Username: "seed@" + pr.Domain,
			Password: imapprobe.NewSecret(fixtures.SeedPassword)})
	}
	return l
}

// SeedDispatcher sends test codes through the demo seed world's MX, as a
// smarthost.
func SeedDispatcher(w *fixtures.SeedWorld) *testcode.Dispatcher {
	return &testcode.Dispatcher{
		Issuer:     &testcode.Issuer{Store: &testcode.MemoryCodeStore{}},
		Sender:     &testcode.Sender{Name: "Sign-in codes", Address: "codes@codeprobe.demo"},
		Delivery:   &testcode.Delivery{Mode: testcode.ModeSmarthost, Smarthost: w.SMTPAddr, Guard: &netguard.Guard{AllowPrivate: true}},
		SinkDomain: "sink.codeprobe.demo",
	}
}
