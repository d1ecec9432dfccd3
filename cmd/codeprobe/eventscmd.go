package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/codeprobe/codeprobe/store"
)

// runEvents prints what happened to a send or an address, newest first:
// `codeprobe events --db FILE [--token T | --address A] [--json]`.
func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("events", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "the SQLite database `FILE` of the sink and sends (required)")
	token := fs.String("token", "", "only the send with `TOKEN` and what came back for it")
	addr := fs.String("address", "", "only sends to `ADDRESS` and what came back for them")
	limit := fs.Int("limit", store.DefaultLimit, "at most `N` events")
	asJSON := fs.Bool("json", false, "print one JSON object per event (JSON Lines)")
	fs.String("config", "", "read defaults from `FILE` (key = value lines; see README)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: codeprobe events --db FILE [--token T | --address A] [--json]\n\nWhat happened to test sends, newest first.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	if err := applyConfig(fs, "events", os.Getenv); err != nil {
		return err
	}
	switch {
	case *db == "":
		fs.Usage()
		return usageError("--db is required")
	case *token != "" && *addr != "":
		return usageError("give --token or --address, not both")
	case *limit < 1 || *limit > store.MaxLimit:
		return usageError("--limit must be between 1 and %d", store.MaxLimit)
	}
	if _, err := os.Stat(*db); err != nil {
		return usageError("--db: %v", err)
	}
	st, err := store.OpenSQLite(*db, nil)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer st.Close()
	evs, err := st.Events(ctx, store.Filter{Token: strings.ToLower(*token), Address: *addr, Limit: *limit})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, e := range evs {
		j := e.Summary()
		if *asJSON {
			if err := enc.Encode(j); err != nil {
				return &exitError{code: 2, err: err}
			}
			continue
		}
		fmt.Fprintln(stdout, eventLine(j))
	}
	if len(evs) == 0 && !*asJSON {
		fmt.Fprintln(stderr, "no events")
	}
	return nil
}

// eventLine is an event for a person: time, what, and the facts.
func eventLine(j store.EventSummary) string {
	at := j.Time.Local().Format("2006-01-02 15:04:05")
	switch j.Kind {
	case store.EventSend:
		return fmt.Sprintf("%s  sent      test code to %s (token %s)", at, j.Address, j.Token)
	case store.EventResult:
		s := fmt.Sprintf("%s  %-9s by %s", at, j.Status, j.Host)
		if j.Reply != "" {
			s += " (" + j.Reply + ")"
		}
		if j.QueueID != "" {
			s += ", queue ID " + j.QueueID
		}
		return s
	case store.EventReturn:
		s := fmt.Sprintf("%s  returned  %s", at, j.ReturnKind)
		if j.Reason != "" {
			s += " (" + j.Reason + ")"
		}
		if j.Diagnostic != "" {
			s += ": " + j.Diagnostic
		}
		return s + fmt.Sprintf(" [return %d]", j.ReturnID)
	case store.EventAttempt:
		return fmt.Sprintf("%s  typed     a code: %s", at, j.Verdict)
	}
	return fmt.Sprintf("%s  %s", at, j.Kind)
}
