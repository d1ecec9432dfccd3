// Package demo starts the whole of codeprobe on one machine with no
// network: the fixture world's DNS and mail servers (whose demo addresses
// accept, greylist, bounce, challenge or auto-reply, see
// fixtures.DemoAddresses), the return-path sink, in-memory seed mailboxes
// that place by provider, and a SQLite database. `codeprobe serve --demo`
// runs the site on it; the site's tests and benchmarks do too.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/imapprobe"
	"github.com/codeprobe/codeprobe/seeds"
	"github.com/codeprobe/codeprobe/smtpsink"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
)

// The demo's names.
const (
	FromDomain = "codeprobe.demo"      // our sending domain
	SinkDomain = "sink.codeprobe.demo" // the return path's
	Selector   = "demo"                // our DKIM selector
	User       = "demo"                // the agent account the demo makes
)

// Options configure [Start]. The zero value is the demo of `codeprobe
// serve --demo`.
type Options struct {
	// DB is the SQLite file; "" means one in a temporary directory,
	// removed by Close.
	DB string
	// SeedEvery is how often the seed mailboxes are tested; 0 means every
	// 2 minutes, a negative value never (tests that want no background
	// runs).
	SeedEvery time.Duration
	// ReturnDelay is how long after a 250 the demo's bounces, challenges
	// and auto-replies come back; 0 means fixtures.DefaultReturnDelay.
	ReturnDelay time.Duration
	// CheckTimeout bounds an address check; 0 means 15 seconds.
	CheckTimeout time.Duration
	// Now is the clock of the database and of the codes; nil means
	// time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Demo is a running demo world.
type Demo struct {
	Store   *store.SQLite
	Checker *diagnose.Checker
	Sender  *testcode.Dispatcher
	// Password is the demo agent's, random for each start.
	Password string
	// SeedRun tests the seed mailboxes once, now (tests call it to have
	// placements without waiting for the schedule).
	SeedRun func(ctx context.Context) error

	closers []func()
}

// Close stops everything the demo started, newest first.
func (d *Demo) Close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
	d.closers = nil
}

func (d *Demo) defer_(f func()) { d.closers = append(d.closers, f) }

// Start starts a demo world.
func Start(o Options) (d *Demo, err error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d = &Demo{}
	defer func() {
		if err != nil {
			d.Close()
			err = fmt.Errorf("starting the demo: %w", err)
		}
	}()
	db := o.DB
	if db == "" {
		dir, err := os.MkdirTemp("", "codeprobe-demo-")
		if err != nil {
			return nil, err
		}
		d.defer_(func() { os.RemoveAll(dir) })
		db = filepath.Join(dir, "codeprobe.db")
	}
	st, err := store.OpenSQLite(db, &store.SQLiteOptions{Now: o.Now})
	if err != nil {
		return nil, err
	}
	d.Store = st
	d.defer_(func() { st.Close() })

	sinkAddr, err := d.startSink(st, o.Now, logger)
	if err != nil {
		return nil, err
	}
	returns, err := fixtures.NewReturnSender(fixtures.ReturnSenderOptions{SinkAddr: sinkAddr, Delay: o.ReturnDelay, Logger: logger})
	if err != nil {
		return nil, err
	}
	d.defer_(func() { returns.Close() })
	world, err := fixtures.StartWorldWith(fixtures.WorldOptions{Returns: returns})
	if err != nil {
		return nil, err
	}
	d.defer_(func() { world.Close() })

	key, err := testcode.GenerateKey(testcode.KeyEd25519)
	if err != nil {
		return nil, err
	}
	key.Selector, key.Domain = Selector, FromDomain
	if err := publishSender(world, key); err != nil {
		return nil, err
	}
	res, err := dnsx.New(dnsx.Config{Servers: []string{world.DNS.Addr}})
	if err != nil {
		return nil, err
	}
	timeout := o.CheckTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	d.Checker, err = diagnose.New(diagnose.Options{Resolver: res, Dialer: world.Net, RootCAs: world.RootCAs(),
		Timeout: timeout, RCPT: true, Placements: seeds.Placements{Store: st}})
	if err != nil {
		return nil, err
	}
	d.Sender = &testcode.Dispatcher{
		Issuer: &testcode.Issuer{Store: testcode.StoreCodeStore{Store: st}, Now: o.Now, Logger: logger},
		Sender: &testcode.Sender{Name: "Sign-in codes", Address: "codes@" + FromDomain, DKIM: key},
		Delivery: &testcode.Delivery{Mode: testcode.ModeDirect, Resolver: res, Guard: &netguard.Guard{Dialer: world.Net},
			TLSConfig: world.TLSConfig(), HeloName: "mail." + FromDomain},
		SinkDomain: SinkDomain, Store: st, Now: o.Now,
	}
	if err := d.startSeeds(st, o.SeedEvery, logger); err != nil {
		return nil, err
	}
	if d.Password, err = password(); err != nil {
		return nil, err
	}
	return d, nil
}

// startSink runs the return-path sink for SinkDomain on loopback.
func (d *Demo) startSink(st store.Store, now func() time.Time, logger *slog.Logger) (string, error) {
	srv, err := smtpsink.New(smtpsink.Options{Domains: []string{SinkDomain}, Store: st, Hostname: "sink." + FromDomain,
		Now: now, Logger: logger})
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return "", err
	}
	go srv.Serve(ln)
	d.defer_(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return ln.Addr().String(), nil
}

// publishSender puts our sending domain's SPF, DKIM and DMARC records in
// the demo world's DNS, so the dashboard's health check has something
// real to check.
func publishSender(w *fixtures.World, key *testcode.DKIMKey) error {
	records := []string{
		FromDomain + ". 300 IN TXT \"v=spf1 ip4:192.0.2.25 -all\"",
		"_dmarc." + FromDomain + ". 300 IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@" + FromDomain + "\"",
		key.ZoneRecord(),
	}
	for _, r := range records {
		if err := w.DNS.AddRecord(r); err != nil {
			return fmt.Errorf("publishing %q: %w", r, err)
		}
	}
	return nil
}

// startSeeds starts the seed world and tests its mailboxes now and then,
// so the wizard and the dashboard show placement by provider.
func (d *Demo) startSeeds(st store.Store, every time.Duration, logger *slog.Logger) error {
	world, err := fixtures.StartSeedWorld(fixtures.DemoSeedProviders)
	if err != nil {
		return err
	}
	d.defer_(func() { world.Close() })
	disp := SeedDispatcher(world)
	disp.Store = st
	r := &seeds.Runner{List: SeedList(world), Sender: disp, Store: st, Logger: logger, Metrics: seeds.NewMetrics(),
		Probe: &imapprobe.Options{Guard: &netguard.Guard{AllowPrivate: true}, Logger: logger}}
	d.SeedRun = func(ctx context.Context) error {
		_, err := r.Run(ctx)
		return err
	}
	if every < 0 {
		return nil
	}
	if every == 0 {
		every = 2 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		seeds.Watch(ctx, r, every, nil, nil, nil, func(err error) {
			if !errors.Is(err, context.Canceled) {
				logger.Warn("demo seed run", "err", err)
			}
		})
	}()
	d.defer_(func() { cancel(); <-done })
	return nil
}

// password is the demo agent's password: random for each start, so a
// demo left listening on a network is not open to anyone who read the
// README.
func password() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
