package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/imapprobe"
	"github.com/codeprobe/codeprobe/seeds"
	"github.com/codeprobe/codeprobe/smtpsink"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
)

// startExtras runs, inside `codeprobe serve`, the return-path sink
// (--sink-listen) and the seed watcher (--seeds), which otherwise run as
// `codeprobe sink` and `codeprobe seeds watch` on the same database.
func (f *serveFlags) startExtras(st store.Store, disp *testcode.Dispatcher, logger *slog.Logger) (func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if f.sinkListen != "" {
		srv, err := smtpsink.New(smtpsink.Options{Domains: []string{f.send.sinkDomain}, Store: st, Logger: logger})
		if err != nil {
			return stop, usageError("--sink-listen: %v", err)
		}
		ln, err := net.Listen("tcp", f.sinkListen)
		if err != nil {
			srv.Close()
			return stop, &exitError{code: 2, err: fmt.Errorf("--sink-listen: %w", err)}
		}
		go srv.Serve(ln)
		logger.Info("return-path sink listening", "addr", ln.Addr().String(), "domain", f.send.sinkDomain)
		stops = append(stops, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
		})
	}
	if f.seedsFile != "" {
		list, err := seeds.Load(f.seedsFile, os.Getenv)
		if err != nil {
			stop()
			return func() {}, usageError("--seeds: %v", err)
		}
		// Seed sends get their own code sessions in memory: nobody types
		// those codes.
		seedDisp := *disp
		seedDisp.Issuer = &testcode.Issuer{Store: &testcode.MemoryCodeStore{}}
		r := &seeds.Runner{List: list, Sender: &seedDisp, Store: st, Logger: logger, Metrics: seeds.NewMetrics(),
			Probe: &imapprobe.Options{Guard: &netguard.Guard{AllowPrivate: f.send.allowPrivate}, Logger: logger}}
		alerter := &seeds.Alerter{Webhook: list.AlertWebhook, Below: list.AlertBelow, Runs: list.AlertRuns}
		if alerter.Below == 0 {
			alerter = nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			seeds.Watch(ctx, r, f.seedsEvery, alerter, st, nil, func(err error) {
				if !errors.Is(err, context.Canceled) {
					logger.Warn("seed run", "err", err)
				}
			})
		}()
		stops = append(stops, func() { cancel(); <-done })
	}
	return stop, nil
}
