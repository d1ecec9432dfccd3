package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/address"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/rules"
	"github.com/codeprobe/codeprobe/store"
	"github.com/codeprobe/codeprobe/testcode"
)

// sendFlags are the flags of `codeprobe send`.
type sendFlags struct {
	to, from, fromName, sinkDomain   string
	smarthost, user, passwordFile    string
	direct, allowPrivate, json, verb bool
	dkimKey, dkimSelector            string
	db, resolver, helo, config       string
	smtpPort                         int
	timeout                          time.Duration
}

// sentReport is what `codeprobe send --json` prints.
type sentReport struct {
	Token      string          `json:"token"`
	Session    string          `json:"session"` // the code session: what checking a typed code needs
	To         string          `json:"to"`
	Code       string          `json:"code"`
	ExpiresAt  time.Time       `json:"expires_at"`
	Status     testcode.Status `json:"status"`
	ReplyCode  int             `json:"reply_code,omitempty"`
	Enhanced   string          `json:"enhanced,omitempty"`
	Text       string          `json:"text,omitempty"`
	QueueID    string          `json:"queue_id,omitempty"`
	Host       string          `json:"host,omitempty"`
	IP         string          `json:"ip,omitempty"`
	Finding    findingJSON     `json:"finding"`
	Transcript []string        `json:"transcript"`
	DurationMS int64           `json:"duration_ms"`
}

type findingJSON struct {
	ID       string         `json:"id"`
	Severity rules.Severity `json:"severity"`
	Summary  string         `json:"summary"`
	Detail   string         `json:"detail,omitempty"`
}

func (f *sendFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.to, "to", "", "the `ADDRESS` to send a test code to (required)")
	f.registerDelivery(fs)
	fs.StringVar(&f.db, "db", "", "record the send in the SQLite database `FILE` (the sink's), so `codeprobe events` shows what came back")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "bound the whole delivery")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON")
	fs.BoolVar(&f.verb, "v", false, "show the SMTP transcript")
	fs.StringVar(&f.config, "config", "", "read defaults from `FILE` (key = value lines; see README)")
}

// registerDelivery registers the flags saying how test codes are sent:
// the sender, the return path, the route and the DKIM key.
func (f *sendFlags) registerDelivery(fs *flag.FlagSet) {
	fs.StringVar(&f.from, "from", "", "our sender `ADDRESS` in From (required)")
	fs.StringVar(&f.fromName, "from-name", "Sign-in codes", "the display `NAME` in From")
	fs.StringVar(&f.sinkDomain, "sink-domain", "", "the return path's `DOMAIN`: bounces go to bounce+TOKEN@DOMAIN, served by `codeprobe sink` (required)")
	fs.StringVar(&f.smarthost, "smarthost", "", "relay through `HOST:PORT` (submission; STARTTLS required unless on loopback)")
	fs.StringVar(&f.user, "user", "", "AUTH PLAIN `USER` at the smarthost")
	fs.StringVar(&f.passwordFile, "password-file", "", "read the smarthost password from `FILE` (never from the command line)")
	fs.BoolVar(&f.direct, "direct", false, "deliver straight to the recipient's MX hosts, honouring MTA-STS")
	fs.StringVar(&f.dkimKey, "dkim-key", "", "sign with the DKIM private key in `FILE` (codeprobe dkim keygen)")
	fs.StringVar(&f.dkimSelector, "dkim-selector", "", "the `SELECTOR` of --dkim-key")
	fs.StringVar(&f.resolver, "resolver", "", "--direct: use the DNS server at `HOST:PORT`")
	fs.BoolVar(&f.allowPrivate, "allow-private", false, "--direct: allow MX hosts at loopback and private addresses (labs, tests)")
	fs.IntVar(&f.smtpPort, "smtp-port", 25, "--direct: the `PORT` of the MX hosts")
	fs.StringVar(&f.helo, "helo", "", "the `NAME` to give in EHLO")
}

func runSend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f sendFlags
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: codeprobe send --to ADDR --from ADDR --sink-domain D (--smarthost HOST:PORT [--user U --password-file F] | --direct)\n"+
			"                      [--dkim-key FILE --dkim-selector S] [--db FILE] [--json]\n\nSends one real, DKIM-signed test code and reports the receiving server's answer.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	if err := applyConfig(fs, "send", os.Getenv); err != nil {
		return err
	}
	switch {
	case f.to == "":
		return usageError("--to is required")
	case f.timeout <= 0:
		return usageError("--timeout must be positive")
	}
	d, sender, err := f.build()
	if err != nil {
		return err
	}
	var (
		st    store.Store
		codes testcode.CodeStore = &testcode.MemoryCodeStore{}
	)
	if f.db != "" {
		sq, err := store.OpenSQLite(f.db, nil)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		defer sq.Close()
		// The code is kept with the send, so that what the user types
		// later can be checked against it.
		st, codes = sq, &testcode.StoreCodeStore{Store: sq}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	rep, err := sendOne(ctx, d, sender, st, codes, f)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if err := printSent(stdout, rep, f); err != nil {
		return &exitError{code: 2, err: err}
	}
	if rep.Finding.Severity == rules.Fail {
		return errFound
	}
	return nil
}

// build checks the flags and makes the delivery and the sender.
func (f *sendFlags) build() (*testcode.Delivery, *testcode.Sender, error) {
	switch {
	case f.from == "" || f.sinkDomain == "":
		return nil, nil, usageError("--from and --sink-domain are required")
	case (f.smarthost == "") == !f.direct:
		return nil, nil, usageError("give exactly one of --smarthost HOST:PORT and --direct")
	case (f.dkimKey == "") != (f.dkimSelector == ""):
		return nil, nil, usageError("--dkim-key and --dkim-selector go together")
	}
	if _, err := address.Parse("postmaster@" + f.sinkDomain); err != nil {
		return nil, nil, usageError("--sink-domain %q is not a domain name", f.sinkDomain)
	}
	from, err := address.Parse(f.from)
	if err != nil {
		return nil, nil, usageError("--from: %v", err)
	}
	sender := &testcode.Sender{Name: f.fromName, Address: from.String()}
	if f.dkimKey != "" {
		pemBytes, err := os.ReadFile(f.dkimKey)
		if err != nil {
			return nil, nil, usageError("--dkim-key: %v", err)
		}
		key, err := testcode.LoadKey(pemBytes)
		if err != nil {
			return nil, nil, usageError("--dkim-key: %v", err)
		}
		key.Selector, key.Domain = f.dkimSelector, from.ASCIIDomain
		sender.DKIM = key
	}
	d := &testcode.Delivery{HeloName: f.helo}
	if f.direct {
		var servers []string
		if f.resolver != "" {
			s, err := dnsx.ParseServer(f.resolver)
			if err != nil {
				return nil, nil, usageError("--resolver: %v", err)
			}
			servers = []string{s}
		}
		r, err := dnsx.New(dnsx.Config{Servers: servers})
		if err != nil {
			return nil, nil, &exitError{code: 2, err: err}
		}
		d.Mode, d.Resolver, d.Port = testcode.ModeDirect, r, f.smtpPort
		d.Guard = &netguard.Guard{AllowPrivate: f.allowPrivate}
		return d, sender, nil
	}
	d.Mode, d.Smarthost, d.Username = testcode.ModeSmarthost, f.smarthost, f.user
	if f.user != "" {
		if f.passwordFile == "" {
			return nil, nil, usageError("--user needs --password-file")
		}
		pw, err := os.ReadFile(f.passwordFile)
		if err != nil {
			return nil, nil, usageError("--password-file: %v", err)
		}
		d.Password = strings.TrimRight(string(pw), "\r\n")
	}
	d.Guard = &netguard.Guard{AllowPrivate: true} // the smarthost is ours, wherever it is
	return d, sender, nil
}

// sendOne issues a code (kept in codes), composes and delivers the
// message, and records the send when there is a store.
func sendOne(ctx context.Context, d *testcode.Delivery, sender *testcode.Sender, st store.Store, codes testcode.CodeStore, f sendFlags) (*sentReport, error) {
	session, err := testcode.NewToken()
	if err != nil {
		return nil, err
	}
	disp := &testcode.Dispatcher{Issuer: &testcode.Issuer{Store: codes}, Sender: sender, Delivery: d, SinkDomain: f.sinkDomain}
	if st != nil {
		disp.Store = st
	}
	sent, err := disp.Send(ctx, session, f.to)
	if err != nil {
		return nil, fmt.Errorf("--to: %w", err)
	}
	code, res := sent.Code, sent.Result
	rep := &sentReport{Token: code.Token, Session: session, To: f.to, Code: code.Value, ExpiresAt: code.ExpiresAt, Status: res.Status,
		ReplyCode: res.Code, Enhanced: res.Enhanced, Text: res.Text, QueueID: res.QueueID, Host: res.Host,
		DurationMS: res.Duration.Milliseconds(), Transcript: res.TranscriptLines()}
	if res.IP.IsValid() {
		rep.IP = res.IP.String()
	}
	rep.Finding = sendFinding(res)
	return rep, nil
}

// sendFinding turns a delivery result into its catalogue finding.
func sendFinding(res *testcode.Result) findingJSON {
	id := map[testcode.Status]string{
		testcode.StatusAccepted: rules.SendAccepted,
		testcode.StatusDeferred: rules.SendDeferred,
		testcode.StatusRejected: rules.SendRejected,
	}[res.Status]
	if id == "" {
		id = rules.SendError
	}
	r := rules.MustLookup(id)
	detail := res.Reason
	switch {
	case res.Status == testcode.StatusAccepted && res.QueueID != "":
		detail = fmt.Sprintf("%s accepted it with queue ID %s.", res.Host, res.QueueID)
	case res.Status == testcode.StatusAccepted:
		detail = fmt.Sprintf("%s accepted it: %d %s", res.Host, res.Code, res.Text)
	case detail == "" && res.Err != nil:
		detail = res.Err.Error()
	}
	return findingJSON{ID: id, Severity: r.Severity, Summary: r.Summary, Detail: detail}
}

func printSent(w io.Writer, rep *sentReport, f sendFlags) error {
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "test code %s to %s (token %s, valid until %s)\n", rep.Code, rep.To, rep.Token, rep.ExpiresAt.Local().Format("15:04:05"))
	fmt.Fprintf(w, "  %s %-12s %-16s %s\n", severityMarks[rep.Finding.Severity], rep.Finding.Severity, rep.Finding.ID, rep.Finding.Summary)
	if rep.Finding.Detail != "" {
		fmt.Fprintf(w, "  %s %-12s %-16s %s\n", " ", "", "", rep.Finding.Detail)
	}
	if f.verb {
		for _, l := range rep.Transcript {
			fmt.Fprintf(w, "    | %s\n", l)
		}
	}
	if f.db == "" {
		fmt.Fprintln(w, "  (without --db, what comes back to the sink is not tied to this send in `codeprobe events`)")
	}
	return nil
}
