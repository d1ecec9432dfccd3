package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/seeds"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
	"github.com/codeprobe/codeprobe/ui"
)

// serveFlags are the flags of `codeprobe serve`.
type serveFlags struct {
	send                        sendFlags
	listen, db, config          string
	tlsCert, tlsKey             string
	issuer                      string
	demo, secureCookies, proxy  bool
	publicMetrics               bool
	rcpt                        bool
	checkTimeout                time.Duration
	alertBelow                  float64
	wizardRetention             time.Duration
	reportRetention             time.Duration
	rawRetention, codeRetention time.Duration
	sinkListen, seedsFile       string
	seedsEvery                  time.Duration
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "serve the site on `ADDR` (host:port)")
	fs.StringVar(&f.db, "db", "", "keep everything in the SQLite database `FILE` (required without --demo; the sink's, for returns)")
	fs.BoolVar(&f.demo, "demo", false, "run the whole system on the built-in demo world: no network, no configuration")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with the certificate chain in `FILE` (PEM)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "the private key of --tls-cert, in `FILE` (PEM)")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark cookies Secure (implied by --tls-cert and --behind-proxy)")
	fs.BoolVar(&f.proxy, "behind-proxy", false, "trust X-Forwarded-For from a proxy on loopback, and serve Secure cookies (the proxy terminates HTTPS)")
	fs.BoolVar(&f.publicMetrics, "metrics-public", false, "serve /metrics to every client (default: only to this machine)")
	fs.StringVar(&f.issuer, "issuer", "", "the service `NAME` the authenticator-app test enrolment shows (default \"codeprobe test\")")
	fs.BoolVar(&f.rcpt, "rcpt", false, "let the address check ask the recipient's mail servers about the address (RCPT TO)")
	fs.DurationVar(&f.checkTimeout, "check-timeout", 15*time.Second, "bound one address check")
	fs.Float64Var(&f.alertBelow, "alert-below", 0.8, "the dashboard flags a provider whose inbox rate is below `RATE` (0 to 1)")
	fs.DurationVar(&f.wizardRetention, "wizard-retention", 30*24*time.Hour, "delete wizard sessions idle for `DUR`")
	fs.DurationVar(&f.reportRetention, "report-retention", 365*24*time.Hour, "delete the agents' reports older than `DUR`")
	fs.DurationVar(&f.rawRetention, "retention", 30*24*time.Hour, "purge raw returned messages older than `DUR` (their classification stays)")
	fs.DurationVar(&f.codeRetention, "code-retention", 7*24*time.Hour, "delete code sessions idle for `DUR`, with their codes and attempts")
	fs.StringVar(&f.sinkListen, "sink-listen", "", "also run the return-path sink for --sink-domain on `ADDR` (else run `codeprobe sink` on the same --db)")
	fs.StringVar(&f.seedsFile, "seeds", "", "also test the seed mailboxes of the YAML `FILE` (else run `codeprobe seeds watch` on the same --db)")
	fs.DurationVar(&f.seedsEvery, "seeds-every", 15*time.Minute, "with --seeds: how often")
	fs.StringVar(&f.config, "config", "", "read defaults from `FILE` (key = value lines; see README)")
	f.send.registerDelivery(fs)
}

const serveUsage = `Usage: codeprobe serve --demo [--listen ADDR]
       codeprobe serve --db FILE --from ADDR --sink-domain D (--smarthost HOST:PORT [--user U --password-file F] | --direct)
                       [--dkim-key FILE --dkim-selector S] [--listen ADDR] [--tls-cert F --tls-key F | --behind-proxy]

The web site: the self-help wizard at /, the agent console at /agent and the
sender dashboard at /dashboard (accounts: codeprobe users add), the JSON API
under /api/v1, /healthz and /metrics.

Flags:
`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.Usage = func() { fmt.Fprint(stderr, serveUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	if err := applyConfig(fs, "serve", os.Getenv); err != nil {
		return err
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usageError("--tls-cert and --tls-key go together")
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var (
		parts   *siteParts
		cleanup func()
		err     error
	)
	if f.demo {
		parts, cleanup, err = f.demoParts(logger)
	} else {
		parts, cleanup, err = f.realParts(logger)
	}
	if err != nil {
		return err
	}
	defer cleanup()
	site, err := f.site(parts, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	scheme := "http"
	srv := &http.Server{Handler: site, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			ln.Close()
			return usageError("--tls-cert/--tls-key: %v", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln, scheme = tls.NewListener(ln, srv.TLSConfig), "https"
	}
	fmt.Fprintf(stdout, "codeprobe serve: the site is at %s://%s/\n", scheme, ln.Addr())
	if parts.banner != "" {
		fmt.Fprint(stdout, parts.banner)
	}
	mctx, stopMaintain := context.WithCancel(ctx)
	maintained := make(chan struct{})
	go func() {
		defer close(maintained)
		site.Maintain(mctx, time.Hour, ui.Retention{Wizard: f.wizardRetention, Reports: f.reportRetention,
			Raw: f.rawRetention, Codes: f.codeRetention}, nil)
	}()
	defer func() { stopMaintain(); <-maintained }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return &exitError{code: 2, err: err}
		}
	case <-ctx.Done():
	}
	// Long enough for a test send under way (2 minutes) to finish and be
	// recorded; a second Ctrl-C stops at once.
	sctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	site.Wait()
	return nil
}

// siteParts are what the site is made of; the demo and a real deployment
// make them differently.
type siteParts struct {
	store   store.Store
	checker *diagnose.Checker
	sender  *testcode.Dispatcher
	demo    bool
	// fromDomain is our sending domain, whose health the dashboard shows.
	fromDomain string
	banner     string // printed after the address, for the demo's accounts
}

// site assembles the web site over its parts.
func (f *serveFlags) site(p *siteParts, logger *slog.Logger) (*ui.Server, error) {
	srv, err := ui.New(ui.Config{Store: p.store, Checker: p.checker, Sender: p.sender, FromDomain: p.fromDomain,
		SecureCookies: f.secureCookies || f.tlsCert != "" || f.proxy, HSTS: f.tlsCert != "" || f.proxy,
		ClientIP: f.clientIP(), PublicMetrics: f.publicMetrics, Issuer: f.issuer, CheckTimeout: f.checkTimeout, AlertBelow: f.alertBelow,
		Demo: p.demo, Logger: logger})
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return srv, nil
}

// clientIP reads the client's address from the connection or, behind a
// proxy on loopback, from the last X-Forwarded-For hop it added.
func (f *serveFlags) clientIP() func(*http.Request) netip.Addr {
	return func(r *http.Request) netip.Addr {
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil {
			return netip.Addr{}
		}
		ip := ap.Addr().Unmap()
		if f.proxy && ip.IsLoopback() {
			if fwd := lastForwarded(r.Header.Values("X-Forwarded-For")); fwd.IsValid() {
				return fwd
			}
		}
		return ip
	}
}

// realParts opens the database and builds the checker and the sender from
// the flags.
func (f *serveFlags) realParts(logger *slog.Logger) (*siteParts, func(), error) {
	if f.db == "" {
		return nil, nil, usageError("--db is required (or --demo)")
	}
	d, sender, err := f.send.build()
	if err != nil {
		return nil, nil, err
	}
	st, err := store.OpenSQLite(f.db, nil)
	if err != nil {
		return nil, nil, &exitError{code: 2, err: err}
	}
	var servers []string
	if f.send.resolver != "" {
		s, err := dnsx.ParseServer(f.send.resolver)
		if err != nil {
			st.Close()
			return nil, nil, usageError("--resolver: %v", err)
		}
		servers = []string{s}
	}
	res, err := dnsx.New(dnsx.Config{Servers: servers, CacheSize: 10000})
	if err != nil {
		st.Close()
		return nil, nil, &exitError{code: 2, err: err}
	}
	checker, err := diagnose.New(diagnose.Options{Resolver: res, Timeout: f.checkTimeout, RCPT: f.rcpt,
		AllowPrivate: f.send.allowPrivate, Placements: seeds.Placements{Store: st}})
	if err != nil {
		st.Close()
		return nil, nil, &exitError{code: 2, err: err}
	}
	disp := &testcode.Dispatcher{Issuer: &testcode.Issuer{Store: testcode.StoreCodeStore{Store: st}, Logger: logger}, Sender: sender, Delivery: d,
		SinkDomain: f.send.sinkDomain, Store: st}
	stopExtras, err := f.startExtras(st, disp, logger)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return &siteParts{store: st, checker: checker, sender: disp, fromDomain: domainOf(sender.Address)},
		func() { stopExtras(); st.Close() }, nil
}

// domainOf is the part of an address after its last '@'.
func domainOf(addr string) string {
	return addr[strings.LastIndexByte(addr, '@')+1:]
}
