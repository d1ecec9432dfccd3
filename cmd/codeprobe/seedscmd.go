package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
	"github.com/codeprobe/codeprobe/imapprobe"
	"github.com/codeprobe/codeprobe/internal/demo"
	"github.com/codeprobe/codeprobe/seeds"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
)

// seedsFlags are the flags of `codeprobe seeds run` and `seeds watch`.
type seedsFlags struct {
	send          sendFlags
	list          string
	demo, asJSON  bool
	every         time.Duration
	metricsListen string
	verbose       bool
}

func (f *seedsFlags) register(fs *flag.FlagSet, watch bool) {
	f.send.registerDelivery(fs)
	fs.StringVar(&f.list, "seeds", "", "the seed list, a YAML `FILE` (see README)")
	fs.StringVar(&f.send.db, "db", "", "keep the placements in the SQLite database `FILE`; `codeprobe check` reads them")
	fs.BoolVar(&f.demo, "demo", false, "run against the built-in seed world (in-memory mailboxes, no accounts, no network)")
	fs.BoolVar(&f.asJSON, "json", false, "print each run as JSON")
	fs.BoolVar(&f.verbose, "v", false, "log each step of every probe to stderr")
	fs.StringVar(&f.send.config, "config", "", "read defaults from `FILE` (key = value lines; see README)")
	if watch {
		fs.DurationVar(&f.every, "every", 15*time.Minute, "run every `DUR`")
		fs.StringVar(&f.metricsListen, "metrics-listen", "127.0.0.1:9464", "serve Prometheus metrics on http://`ADDR`/metrics (\"\" for none)")
	}
}

const seedsUsage = `Usage: codeprobe seeds run   --seeds FILE --from ADDR --sink-domain D (--smarthost HOST:PORT | --direct) [--db FILE] [--json]
       codeprobe seeds watch --seeds FILE ... [--every 15m] [--metrics-listen ADDR]
       codeprobe seeds run --demo

Sends a test code to every seed mailbox at once and reports where each landed
(inbox, junk, another folder, or missing at the deadline), how late, and what
the receiving provider thought of it. Exit status 1 when a code was not in the
inbox in time.

Flags:
`

func runSeeds(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "run" && args[0] != "watch") {
		fmt.Fprint(stderr, seedsUsage)
		return usageError("seeds needs run or watch")
	}
	watch := args[0] == "watch"
	var f seedsFlags
	fs := flag.NewFlagSet("seeds "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs, watch)
	fs.Usage = func() { fmt.Fprint(stderr, seedsUsage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	if err := applyConfig(fs, "seeds", os.Getenv); err != nil {
		return err
	}
	logLevel := slog.LevelWarn
	if f.verbose {
		logLevel = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	runner, cleanup, err := f.runner(logger)
	if err != nil {
		return err
	}
	defer cleanup()
	if !watch {
		return f.runOnce(ctx, runner, stdout)
	}
	return f.watch(ctx, runner, stdout, stderr)
}

// runner builds the runner of the flags: the seed list, the sender, the
// store.
func (f *seedsFlags) runner(logger *slog.Logger) (*seeds.Runner, func(), error) {
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	r := &seeds.Runner{Metrics: seeds.NewMetrics(), Logger: logger,
		Probe: &imapprobe.Options{Guard: &netguard.Guard{AllowPrivate: f.send.allowPrivate}, Logger: logger}}
	var disp *testcode.Dispatcher
	if f.demo {
		world, err := fixtures.StartSeedWorld(fixtures.DemoSeedProviders)
		if err != nil {
			return nil, cleanup, &exitError{code: 2, err: err}
		}
		closers = append(closers, func() { world.Close() })
		r.List, disp = demo.SeedList(world), demo.SeedDispatcher(world)
		r.Probe.Guard.AllowPrivate = true
	} else {
		if f.list == "" {
			return nil, cleanup, usageError("--seeds FILE is required (or --demo)")
		}
		list, err := seeds.Load(f.list, os.Getenv)
		if err != nil {
			return nil, cleanup, usageError("%v", err)
		}
		d, sender, err := f.send.build()
		if err != nil {
			return nil, cleanup, err
		}
		r.List = list
		disp = &testcode.Dispatcher{Issuer: &testcode.Issuer{Store: &testcode.MemoryCodeStore{}}, Sender: sender,
			Delivery: d, SinkDomain: f.send.sinkDomain}
	}
	db := f.send.db
	if db == "" {
		db = ":memory:" // watch's alerts need the history of the process's own runs
	}
	st, err := store.OpenSQLite(db, nil)
	if err != nil {
		return nil, cleanup, &exitError{code: 2, err: err}
	}
	closers = append(closers, func() { st.Close() })
	r.Store, disp.Store, r.Sender = st, st, disp
	return r, cleanup, nil
}

// runOnce runs one seed run and prints it.
func (f *seedsFlags) runOnce(ctx context.Context, r *seeds.Runner, stdout io.Writer) error {
	run, err := r.Run(ctx)
	if run != nil {
		if perr := f.print(stdout, run, r.List.LateAfter); perr != nil {
			return &exitError{code: 2, err: perr}
		}
	}
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	for i := range run.Results {
		if res := &run.Results[i]; res.Placement != imapprobe.Inbox || res.Late(r.List.LateAfter) {
			return errFound
		}
	}
	return nil
}

func (f *seedsFlags) print(w io.Writer, run *seeds.Run, lateAfter time.Duration) error {
	if f.asJSON {
		return json.NewEncoder(w).Encode(run)
	}
	fmt.Fprintf(w, "Seed run %s, %s\n\n", run.ID, run.Started.Format(time.RFC3339))
	if err := seeds.WriteTable(w, run, lateAfter); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

// watch runs on a schedule with metrics and alerts until interrupted.
func (f *seedsFlags) watch(ctx context.Context, r *seeds.Runner, stdout, stderr io.Writer) error {
	if f.every <= 0 {
		return usageError("--every must be positive")
	}
	if f.metricsListen != "" {
		ln, err := net.Listen("tcp", f.metricsListen)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--metrics-listen: %w", err)}
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", r.Metrics.Handler())
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		fmt.Fprintf(stderr, "codeprobe seeds: metrics on http://%s/metrics\n", ln.Addr())
	}
	alerter := &seeds.Alerter{Webhook: r.List.AlertWebhook, Below: r.List.AlertBelow, Runs: r.List.AlertRuns}
	if alerter.Below == 0 {
		alerter = nil
	}
	h, _ := r.Store.(seeds.History)
	err := seeds.Watch(ctx, r, f.every, alerter, h,
		func(run *seeds.Run, alerts []seeds.Alert) {
			_ = f.print(stdout, run, r.List.LateAfter)
			for _, a := range alerts {
				fmt.Fprintf(stderr, "codeprobe seeds: alert %s: %s\n", a.Status, a.Summary)
			}
		},
		func(err error) { fmt.Fprintln(stderr, "codeprobe seeds:", err) })
	if err != nil && !errors.Is(err, context.Canceled) {
		return &exitError{code: 2, err: err}
	}
	return nil
}
