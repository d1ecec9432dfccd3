package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/codeprobe/codeprobe/smtpsink/classify"
)

// maxMessageBytes bounds what `codeprobe classify` reads of one file: far
// above any real bounce, and the classifier itself inspects less.
const maxMessageBytes = 64 << 20

// classified is the JSON object `codeprobe classify --json` prints per
// file; its field names are part of the external contract (DESIGN.md).
type classified struct {
	File         string                `json:"file"`
	Kind         classify.Kind         `json:"kind"`
	Reason       string                `json:"reason,omitempty"`
	Recipients   []classifiedRecipient `json:"recipients,omitempty"`
	Token        string                `json:"token,omitempty"`
	System       string                `json:"system,omitempty"`
	ChallengeURL string                `json:"challenge_url,omitempty"`
	FeedbackType string                `json:"feedback_type,omitempty"`
	Subject      string                `json:"subject,omitempty"`
	From         string                `json:"from,omitempty"`
	Evidence     []string              `json:"evidence,omitempty"`
	Error        string                `json:"error,omitempty"`
}

type classifiedRecipient struct {
	Address        string `json:"address"`
	Action         string `json:"action,omitempty"`
	Status         string `json:"status,omitempty"`
	Reason         string `json:"reason,omitempty"`
	Diagnostic     string `json:"diagnostic,omitempty"`
	DiagnosticType string `json:"diagnostic_type,omitempty"`
	RemoteMTA      string `json:"remote_mta,omitempty"`
	Code           int    `json:"code,omitempty"`
}

// runClassify says what each returned message is: `codeprobe classify
// [--json] FILE...` (- for standard input). Exit status 0 when every file
// was classified, 2 when one could not be read or is not a message.
func runClassify(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per file (JSON Lines)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: codeprobe classify [--json] FILE...\n\n"+
			"Says what a returned message is: bounce (with each recipient's status and reason),\n"+
			"autoreply, challenge, feedback, reply or unknown, and the test send it answers.\n"+
			"FILE - reads standard input.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	if len(files) == 0 {
		fs.Usage()
		return usageError("no file to classify")
	}
	bw := bufio.NewWriter(stdout)
	defer bw.Flush()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, name := range files {
		c := classifyFile(name, stdin)
		if c.Error != "" {
			failed++
			fmt.Fprintf(stderr, "codeprobe: %s: %s\n", name, c.Error)
		}
		if *asJSON {
			if err := enc.Encode(c); err != nil {
				return &exitError{code: 2, err: err}
			}
		} else if c.Error == "" {
			printClassified(bw, c)
		}
	}
	if err := bw.Flush(); err != nil {
		return &exitError{code: 2, err: err}
	}
	if failed > 0 {
		return &exitError{code: 2, err: fmt.Errorf("%d of %d files could not be classified", failed, len(files))}
	}
	return nil
}

// classifyFile reads and classifies one file; errors go in the result.
func classifyFile(name string, stdin io.Reader) classified {
	c := classified{File: name}
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			c.Error = err.Error()
			return c
		}
		defer f.Close()
		in = f
	}
	raw, err := io.ReadAll(io.LimitReader(in, maxMessageBytes+1))
	switch {
	case err != nil:
		c.Error = err.Error()
		return c
	case len(raw) > maxMessageBytes:
		c.Error = fmt.Sprintf("larger than %d MiB: not a returned message", maxMessageBytes>>20)
		return c
	}
	r, err := classify.Classify(raw)
	if err != nil {
		c.Error = err.Error()
		return c
	}
	c.Kind, c.Reason, c.Token, c.System = r.Kind, r.Reason, r.Token, r.System
	c.ChallengeURL, c.FeedbackType, c.Subject, c.From, c.Evidence = r.ChallengeURL, r.FeedbackType, r.Subject, r.From, r.Evidence
	for _, rc := range r.Recipients {
		c.Recipients = append(c.Recipients, classifiedRecipient(rc))
	}
	return c
}

func printClassified(w io.Writer, c classified) {
	head := string(c.Kind)
	if c.Reason != "" {
		head += " (" + c.Reason + ")"
	}
	if c.System != "" {
		head += " by " + c.System
	}
	fmt.Fprintf(w, "%s: %s\n", c.File, head)
	if c.Token != "" {
		fmt.Fprintf(w, "  answers test send %s\n", c.Token)
	}
	if c.Subject != "" {
		fmt.Fprintf(w, "  subject: %s\n", c.Subject)
	}
	for _, r := range c.Recipients {
		line := fmt.Sprintf("%s: %s %s %s", r.Address, r.Action, r.Status, r.Reason)
		if r.Diagnostic != "" {
			line += " — " + r.Diagnostic
		}
		fmt.Fprintln(w, "  "+strings.Join(strings.Fields(line), " "))
	}
	if c.ChallengeURL != "" {
		fmt.Fprintf(w, "  the filter asks the sender to visit %s (never visit it for a user)\n", c.ChallengeURL)
	}
	if c.FeedbackType != "" {
		fmt.Fprintf(w, "  feedback type: %s\n", c.FeedbackType)
	}
}
