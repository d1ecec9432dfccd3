// Command codeprobe diagnoses why a sign-in verification code did not
// arrive. See README.md for every subcommand and flag.
//
// This file holds the command dispatch only; each subcommand lives in a
// file of its own and is wired from [run].
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// exitError carries an exit status out of run: 1 when a check found a
// failure, 2 for usage and internal errors (DESIGN.md, "Exit status").
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// errFound is returned when a check completed and found a failure.
var errFound = &exitError{code: 1}

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

const usage = `codeprobe — why didn't my verification code arrive?

Usage:
  codeprobe check [flags] ADDRESS...     diagnose addresses (codeprobe check -h)
  codeprobe check --file FILE [flags]    bulk mode: one address a line, or CSV with an email column
  codeprobe send --to ADDR ...           send a real, DKIM-signed test code (codeprobe send -h)
  codeprobe sink --domain D --db FILE    the return-path SMTP server for test sends
  codeprobe events --db FILE [--token T | --address A]
                                         what happened to test sends, newest first
  codeprobe seeds run --seeds FILE ...   send a test code to every seed mailbox; where did each land?
  codeprobe seeds watch --every 15m ...  seed runs on a schedule, with /metrics and alerts
  codeprobe seeds run --demo             the same against built-in seed mailboxes
  codeprobe serve --demo                 the web site on the built-in demo world (codeprobe serve -h)
  codeprobe serve --db FILE ...          the web site: wizard, agent console, dashboard, JSON API
  codeprobe users add|passwd|list|remove --db FILE [NAME]
                                         accounts of the agent console and dashboard
  codeprobe classify [--json] FILE...    what a returned message is: bounce, autoreply, challenge…
  codeprobe dkim keygen --selector S --domain D
                                         write a DKIM key and print its DNS record
  codeprobe rules [--json] [ID...]       the catalogue of findings and their advice
  codeprobe version                      print the version

Exit status: 0 all addresses look deliverable, 1 some finding of severity
fail, 2 usage or internal error.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		// After the first Ctrl-C, let a second one kill the process.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err (unless it is the silent errFound) and maps it to
// the process exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "codeprobe:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "codeprobe:", err)
	return 2
}

// run executes one codeprobe command line.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: 2}
	}
	switch args[0] {
	case "check":
		return runCheck(ctx, args[1:], stdin, stdout, stderr)
	case "rules":
		return runRules(args[1:], stdout, stderr)
	case "classify":
		return runClassify(args[1:], stdin, stdout, stderr)
	case "dkim":
		return runDKIM(args[1:], stdout, stderr)
	case "send":
		return runSend(ctx, args[1:], stdout, stderr)
	case "sink":
		return runSink(ctx, args[1:], stdout, stderr)
	case "events":
		return runEvents(ctx, args[1:], stdout, stderr)
	case "seeds":
		return runSeeds(ctx, args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "users":
		return runUsers(ctx, args[1:], stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "codeprobe", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError("unknown command %q", args[0])
}
