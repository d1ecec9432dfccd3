package seeds

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/imapprobe"
	"github.com/codeprobe/codeprobe/internal/mailpath"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
)

// BenchmarkDovecotSeedRun is one seed run over 20 seed accounts on one
// Dovecot, through the whole real path: 20 test codes sent at once to
// Postfix, each through SpamAssassin and LMTP into its mailbox, each
// mailbox probed over IMAP until its code shows up. ns/op is the run's
// wall time.
func BenchmarkDovecotSeedRun(b *testing.B) {
	var users []string
	for i := 1; i <= 20; i++ {
		users = append(users, fmt.Sprintf("seed%02d", i))
	}
	p := mailpath.Start(b, mailpath.Options{Users: users})
	st, err := store.OpenSQLite(":memory:", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	host, port, _ := net.SplitHostPort(p.IMAPAddr)
	n, _ := strconv.Atoi(port)
	list := &List{Deadline: time.Minute, LateAfter: DefaultLateAfter}
	for _, u := range p.Users {
		list.Seeds = append(list.Seeds, imapprobe.Account{Name: u.Username, Address: u.Address, Host: host, Port: n,
			TLS: imapprobe.TLSNone, Username: u.Username, Password: imapprobe.NewSecret(u.Password), AfterRead: imapprobe.Delete})
	}
	r := &Runner{List: list, Store: st,
		Probe: &imapprobe.Options{Guard: &netguard.Guard{AllowPrivate: true}},
		Sender: &testcode.Dispatcher{
			Issuer:     &testcode.Issuer{Store: &testcode.MemoryCodeStore{}},
			Sender:     &testcode.Sender{Name: "Sign-in codes", Address: "codes@sender.test"},
			Delivery:   &testcode.Delivery{Mode: testcode.ModeSmarthost, Smarthost: p.SMTPAddr, Guard: &netguard.Guard{AllowPrivate: true}},
			SinkDomain: "sink.test", Store: st,
		}}
	b.ResetTimer()
	var slowest time.Duration
	for i := 0; i < b.N; i++ {
		run, err := r.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, res := range run.Results {
			if res.Placement != imapprobe.Inbox {
				b.Fatalf("%s: %s (%s)\n%s", res.Seed, res.Placement, res.Error, p.Log())
			}
			slowest = max(slowest, res.Latency)
		}
	}
	b.ReportMetric(float64(slowest.Milliseconds()), "slowest-latency-ms")
}
