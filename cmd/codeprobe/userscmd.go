package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/ui/auth"
)

const usersUsage = `Usage: codeprobe users add --db FILE [--password-file F] NAME
       codeprobe users passwd --db FILE [--password-file F] NAME
       codeprobe users list --db FILE
       codeprobe users remove --db FILE NAME
       codeprobe users token --db FILE [--ttl 720h] NAME
       codeprobe users revoke --db FILE NAME


Accounts of the agent console and the sender dashboard. Passwords are read
from --password-file, or asked for twice on the terminal (never given on
the command line), and kept as Argon2id hashes. "token" prints an API token
for scripts (Authorization: Bearer …); it is shown once. "revoke" ends
every session and token of an account; "passwd" does too.
`

// runUsers manages the web site's accounts.
func runUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return &exitError{code: 2}
	}
	verb := args[0]
	switch verb {
	case "add", "passwd", "list", "remove", "token", "revoke":
	default:
		fmt.Fprint(stderr, usersUsage)
		return usageError("unknown users command %q", verb)
	}
	fs := flag.NewFlagSet("users "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "", "the SQLite database `FILE` of `codeprobe serve` (required)")
	pwFile := fs.String("password-file", "", "read the password from `FILE` (- for standard input)")
	ttl := fs.Duration("ttl", 30*24*time.Hour, "token: how long the API token works")
	fs.String("config", "", "read defaults from `FILE` (key = value lines; see README)")
	fs.Usage = func() { fmt.Fprint(stderr, usersUsage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	if err := applyConfig(fs, "users", os.Getenv); err != nil {
		return err
	}
	if *db == "" {
		return usageError("--db is required")
	}
	wantName := verb != "list"
	if wantName && fs.NArg() != 1 || !wantName && fs.NArg() != 0 {
		fs.Usage()
		return usageError("users %s takes %s", verb, map[bool]string{true: "one NAME", false: "no NAME"}[wantName])
	}
	if verb != "add" {
		// Only "add" may make a new database: a mistyped --db must not
		// look like an empty one.
		if _, err := os.Stat(*db); err != nil {
			return usageError("--db %s: %v", *db, err)
		}
	}
	st, err := store.OpenSQLite(*db, nil)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer st.Close()
	m, err := auth.New(st, nil)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	switch verb {
	case "add", "passwd":
		name := fs.Arg(0)
		pw, err := readPassword(*pwFile, stdin, stderr)
		if err != nil {
			return usageError("%v", err)
		}
		if verb == "add" {
			err = m.AddUser(ctx, name, pw)
		} else {
			err = m.SetPassword(ctx, name, pw)
		}
		switch {
		case errors.Is(err, store.ErrExists):
			return usageError("there is already an account %q: use `codeprobe users passwd`", name)
		case errors.Is(err, store.ErrNotFound):
			return usageError("there is no account %q: use `codeprobe users add`", name)
		case err != nil:
			return usageError("%v", err)
		}
		fmt.Fprintf(stdout, "codeprobe users: %s %q\n", map[string]string{"add": "added", "passwd": "changed the password of"}[verb], name)
	case "list":
		us, err := st.Users(ctx)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tCREATED\tLAST LOGIN\tFAILED\tLOCKED UNTIL")
		for _, u := range us {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", u.Name, day(u.Created), day(u.LastLogin), u.FailedLogins, day(u.LockedUntil))
		}
		tw.Flush()
	case "token":
		token, until, err := m.IssueToken(ctx, fs.Arg(0), *ttl)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return usageError("there is no account %q", fs.Arg(0))
		case err != nil:
			return usageError("%v", err)
		}
		fmt.Fprintf(stderr, "codeprobe users: an API token for %q, valid until %s; it is not shown again:\n", fs.Arg(0), until.UTC().Format(time.RFC3339))
		fmt.Fprintln(stdout, token)
	case "revoke":
		n, err := m.SignOutEverywhere(ctx, fs.Arg(0))
		if err != nil {
			return usageError("%v", err)
		}
		fmt.Fprintf(stdout, "codeprobe users: ended %d sessions and tokens of %q\n", n, fs.Arg(0))
	case "remove":
		if err := st.DeleteUser(ctx, fs.Arg(0)); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return usageError("there is no account %q", fs.Arg(0))
			}
			return &exitError{code: 2, err: err}
		}
		fmt.Fprintf(stdout, "codeprobe users: removed %q and signed it out\n", fs.Arg(0))
	}
	return nil
}

// readPassword reads a password from a file, standard input ("-"), or
// the terminal (asked twice).
func readPassword(file string, stdin io.Reader, stderr io.Writer) (string, error) {
	switch file {
	case "":
		f, ok := stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", errors.New("give --password-file (no terminal to ask on)")
		}
		fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), nil
	case "-":
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
