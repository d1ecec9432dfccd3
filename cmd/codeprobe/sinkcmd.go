package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/codeprobe/codeprobe/smtpsink"
	"github.com/codeprobe/codeprobe/store"
)

// runSink serves the return path: `codeprobe sink --listen ADDR --domain D
// --db FILE`. It runs until interrupted, then stops accepting, finishes the
// sessions under way and the classification of what they stored.
func runSink(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:2525", "listen on `ADDR` (host:port); port 25 needs privileges")
	var domains stringList
	fs.Var(&domains, "domain", "accept mail for `DOMAIN`, the --sink-domain of `codeprobe send` (repeatable; required)")
	db := fs.String("db", "", "store returned messages in the SQLite database `FILE` (required)")
	certFile := fs.String("tls-cert", "", "offer STARTTLS with the certificate chain in `FILE` (PEM)")
	keyFile := fs.String("tls-key", "", "the private key of --tls-cert, in `FILE` (PEM)")
	hostname := fs.String("hostname", "", "the `NAME` in the greeting (default: the machine's host name)")
	maxBytes := fs.Int64("max-message-bytes", smtpsink.DefaultMaxMessageBytes, "refuse messages larger than `N` bytes")
	retention := fs.Duration("retention", 30*24*time.Hour, "purge raw messages older than `DUR` (metadata and classification stay); 0 keeps them")
	codeRetention := fs.Duration("code-retention", 7*24*time.Hour,
		"delete code sessions idle for `DUR`, with their codes and attempts; 0 keeps them")
	fs.String("config", "", "read defaults from `FILE` (key = value lines; see README)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: codeprobe sink --domain D --db FILE [--listen ADDR] [--tls-cert F --tls-key F]\n\n"+
			"The SMTP server for test sends' return path: stores and classifies bounces, auto-replies,\n"+
			"challenges and complaints, and ties each to its send. It never relays.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	if err := applyConfig(fs, "sink", os.Getenv); err != nil {
		return err
	}
	if len(domains) == 0 || *db == "" {
		fs.Usage()
		return usageError("--domain and --db are required")
	}
	var tlsConfig *tls.Config
	if (*certFile == "") != (*keyFile == "") {
		return usageError("--tls-cert and --tls-key go together")
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return usageError("--tls-cert/--tls-key: %v", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	st, err := store.OpenSQLite(*db, nil)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer st.Close()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := smtpsink.New(smtpsink.Options{Domains: domains, Store: st, TLSConfig: tlsConfig,
		Hostname: *hostname, MaxMessageBytes: *maxBytes, Logger: logger})
	if err != nil {
		return usageError("%v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		srv.Close()
		return &exitError{code: 2, err: err}
	}
	fmt.Fprintf(stdout, "codeprobe sink: accepting mail for %v on %s\n", []string(domains), ln.Addr())
	if *retention > 0 || *codeRetention > 0 {
		go purgeLoop(ctx, st, retentions{raw: *retention, codes: *codeRetention}, time.Now, logger)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		srv.Close()
		return &exitError{code: 2, err: err}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("shutting down: %w", err)}
	}
	return nil
}

// retentions say how long the sink keeps what it purges; zero or less
// keeps it for ever.
type retentions struct {
	raw   time.Duration // raw returned messages (their metadata stays)
	codes time.Duration // code sessions, from their last activity
}

// purgeLoop drops raw messages and code sessions older than their
// retention, at once and then hourly, until ctx ends.
func purgeLoop(ctx context.Context, st store.Store, keep retentions, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		purgeOnce(ctx, st, keep, now(), log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// purgeOnce runs one round of purgeLoop as of now.
func purgeOnce(ctx context.Context, st store.Store, keep retentions, now time.Time, log *slog.Logger) {
	if keep.raw > 0 {
		n, err := st.PurgeRaw(ctx, now.Add(-keep.raw))
		if err != nil && ctx.Err() == nil {
			log.Error("purging raw messages", "error", err)
		} else if n > 0 {
			log.Info("purged raw messages", "count", n, "older_than", keep.raw)
		}
	}
	if keep.codes > 0 {
		n, err := st.PruneCodeSessions(ctx, now.Add(-keep.codes))
		if err != nil && ctx.Err() == nil {
			log.Error("pruning code sessions", "error", err)
		} else if n > 0 {
			log.Info("pruned code sessions", "count", n, "idle_for", keep.codes)
		}
	}
}
