package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose"
	"github.com/codeprobe/codeprobe/diagnose/address"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/seeds"
	"github.com/codeprobe/codeprobe/store"
)

// checkFlags are the flags of `codeprobe check`.
type checkFlags struct {
	json          bool
	format        string
	file          string
	resolver      string
	timeout       time.Duration
	allowPrivate  bool
	smtpPort      int
	noSMTP        bool
	offline       bool
	rcpt          bool
	mailFrom      string
	helo          string
	fromDomain    string
	dkimSelectors stringList
	demo          bool
	concurrency   int
	verbose       bool
	db            string
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}

// demoAddresses are checked by `codeprobe check --demo` when no address is
// given: one of each thing worth seeing in the fixture world.
var demoAddresses = []string{
	"ann@gmail.com",          // all good
	"ann@gmial.com",          // a typo of a domain that does not exist
	"ann@gmail.co",           // a typo-squat domain that exists
	"bob@parked-domain.com",  // a null MX: the domain accepts no mail
	"jo@expired-startup.com", // a dead domain
	"it@contoso.com",         // Microsoft 365 behind the Mimecast gateway
	"sam@greylist.test",      // greylisting: codes arrive minutes late
	"kim@private-mx.test",    // an MX at a private address
}

func (f *checkFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON report per address (JSON Lines)")
	fs.StringVar(&f.format, "format", "", "output format: text, json or csv (default text; csv only with --file)")
	fs.StringVar(&f.file, "file", "", "read addresses from `FILE` (- for stdin): one a line, or CSV with an email column")
	fs.StringVar(&f.resolver, "resolver", "", "use the DNS server at `HOST:PORT` instead of the system's")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "bound the whole check of one address")
	fs.BoolVar(&f.allowPrivate, "allow-private", false, "let probes connect to loopback, private and reserved addresses (tests, the demo)")
	fs.IntVar(&f.smtpPort, "smtp-port", 25, "`PORT` the mail servers are probed on")
	fs.BoolVar(&f.noSMTP, "no-smtp", false, "skip the SMTP reachability probes")
	fs.BoolVar(&f.offline, "offline", false, "only the checks that need no network: syntax, typo, disposable, role, free mail")
	fs.BoolVar(&f.rcpt, "rcpt", false, "ask the mail server whether it accepts the address (RCPT TO, never DATA); providers penalise this, so it is off by default")
	fs.StringVar(&f.mailFrom, "mail-from", "", "reverse-path `ADDRESS` for the --rcpt probe (default <>)")
	fs.StringVar(&f.helo, "helo", "", "`NAME` to give in EHLO")
	fs.StringVar(&f.fromDomain, "from-domain", "", "also check our own sending `DOMAIN`: SPF, DKIM, DMARC")
	fs.Var(&f.dkimSelectors, "dkim-selector", "DKIM `SELECTOR` of the sending domain to check (repeatable)")
	fs.BoolVar(&f.demo, "demo", false, "resolve and connect in the built-in fixture world instead of the network")
	fs.IntVar(&f.concurrency, "concurrency", 32, "addresses checked at once in bulk mode")
	fs.BoolVar(&f.verbose, "v", false, "show the evidence (DNS answers, SMTP transcripts) in text output")
	fs.StringVar(&f.db, "db", "", "read the latest seed runs from the SQLite database `FILE` (codeprobe seeds --db) to say where codes land at the address's provider")
}

// bulkCacheSize is the DNS cache of bulk mode: a check asks about eight
// questions per domain, so this keeps every answer of a list over 12,000
// domains for its TTL, in at most about 60 MB.
const bulkCacheSize = 100_000

// parseInterspersed parses flags wherever they stand among the arguments,
// so that `codeprobe check ann@example.com --json` works; everything after
// a "--" is an address, even if it starts with a dash.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(rest, tail...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

func runCheck(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var f checkFlags
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: codeprobe check [flags] ADDRESS...\n       codeprobe check --file FILE [flags]\n\nFlags:\n")
		fs.PrintDefaults()
	}
	addrs, err := parseInterspersed(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	format, err := f.outputFormat()
	if err != nil {
		return err
	}
	if f.demo && len(addrs) == 0 && f.file == "" {
		// The demo's mail servers are ours: asking them about each
		// address shows greylisting and unknown users.
		addrs, f.rcpt = demoAddresses, true
	}
	if err := f.validate(); err != nil {
		return err
	}
	if len(addrs) == 0 && f.file == "" {
		fs.Usage()
		return usageError("no address to check")
	}
	if len(addrs) > 0 && f.file != "" {
		return usageError("give addresses or --file, not both")
	}

	opts, cleanup, err := f.options()
	if err != nil {
		return err
	}
	defer cleanup()
	checker, err := diagnose.New(opts)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	var sender *diagnose.SenderReport
	if f.fromDomain != "" && !f.offline {
		sender = checker.CheckSender(ctx, f.fromDomain)
	}
	out := newWriter(format, stdout, f.verbose)
	if f.file != "" {
		return runBulk(ctx, checker, sender, f, stdin, out, stderr)
	}
	found := false
	for _, a := range addrs {
		r := checker.Check(ctx, a)
		if ctx.Err() != nil {
			return &exitError{code: 2, err: errors.New("interrupted")}
		}
		r.Sender = sender
		if err := out.write(r); err != nil {
			return &exitError{code: 2, err: err}
		}
		found = found || r.Worst() == rules.Fail
	}
	if err := out.close(); err != nil {
		return &exitError{code: 2, err: err}
	}
	if found {
		return errFound
	}
	return nil
}

// validate refuses flag values that cannot mean what the user wants.
func (f *checkFlags) validate() error {
	switch {
	case f.timeout <= 0:
		return usageError("--timeout must be positive, not %v", f.timeout)
	case f.smtpPort < 1 || f.smtpPort > 65535:
		return usageError("--smtp-port %d is not a port", f.smtpPort)
	case f.concurrency < 1:
		return usageError("--concurrency must be at least 1")
	case f.offline && f.fromDomain != "":
		return usageError("--from-domain needs the network; it cannot run with --offline")
	case f.offline && f.rcpt:
		return usageError("--rcpt needs the network; it cannot run with --offline")
	}
	if f.fromDomain != "" {
		a, err := address.Parse("postmaster@" + f.fromDomain)
		if err != nil || a.DomainLiteral.IsValid() {
			return usageError("--from-domain %q is not a domain name", f.fromDomain)
		}
		f.fromDomain = a.ASCIIDomain
	}
	return nil
}

func (f *checkFlags) outputFormat() (string, error) {
	format := f.format
	if f.json {
		if format != "" && format != "json" {
			return "", usageError("--json and --format %s disagree", format)
		}
		format = "json"
	}
	switch format {
	case "":
		return "text", nil
	case "text", "json":
		return format, nil
	case "csv":
		if f.file == "" {
			return "", usageError("--format csv is for bulk mode (--file)")
		}
		return format, nil
	}
	return "", usageError("unknown --format %q (text, json or csv)", format)
}

// options builds the checker's options from the flags; with --demo it
// starts the fixture world, which cleanup stops.
func (f *checkFlags) options() (diagnose.Options, func(), error) {
	opts := diagnose.Options{
		Timeout:       f.timeout,
		AllowPrivate:  f.allowPrivate,
		SMTPPort:      f.smtpPort,
		NoSMTP:        f.noSMTP,
		Offline:       f.offline,
		RCPT:          f.rcpt,
		MailFrom:      f.mailFrom,
		HeloName:      f.helo,
		DKIMSelectors: f.dkimSelectors,
	}
	cleanup := func() {}
	var servers []string
	switch {
	case f.demo && f.resolver != "":
		return opts, cleanup, usageError("--demo and --resolver disagree: the demo has its own DNS")
	case f.demo:
		w, err := fixtures.StartWorld()
		if err != nil {
			return opts, cleanup, &exitError{code: 2, err: fmt.Errorf("starting the demo world: %w", err)}
		}
		cleanup = func() { w.Close() }
		servers = []string{w.DNS.Addr}
		opts.Dialer = w.Net
		opts.RootCAs = w.RootCAs()
	case f.resolver != "":
		s, err := dnsx.ParseServer(f.resolver)
		if err != nil {
			return opts, cleanup, usageError("--resolver: %v", err)
		}
		servers = []string{s}
	}
	if f.db != "" {
		st, err := store.OpenSQLite(f.db, nil)
		if err != nil {
			cleanup()
			return opts, func() {}, &exitError{code: 2, err: fmt.Errorf("--db: %w", err)}
		}
		prev := cleanup
		cleanup = func() { st.Close(); prev() }
		opts.Placements = seeds.Placements{Store: st}
	}
	if !f.offline {
		cfg := dnsx.Config{Servers: servers}
		if f.file != "" {
			cfg.CacheSize = bulkCacheSize
		}
		r, err := dnsx.New(cfg)
		if err != nil {
			cleanup()
			return opts, func() {}, &exitError{code: 2, err: err}
		}
		opts.Resolver = r
	}
	return opts, cleanup, nil
}
