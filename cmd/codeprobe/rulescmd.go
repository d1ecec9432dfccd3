package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/codeprobe/codeprobe/rules"
)

// runRules prints the catalogue of findings: `codeprobe rules [--json] [ID...]`.
func runRules(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the catalogue as a JSON array")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: codeprobe rules [--json] [ID...]\n\nWith IDs, prints those rules in full; without, lists them all.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return &exitError{code: 2}
	}
	list := rules.All()
	if fs.NArg() > 0 {
		list = nil
		for _, id := range fs.Args() {
			r, ok := rules.Lookup(id)
			if !ok {
				return usageError("no rule %q (codeprobe rules lists them)", id)
			}
			list = append(list, r)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if fs.NArg() == 0 {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tSUMMARY")
		for _, r := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Severity, r.Summary)
		}
		return tw.Flush()
	}
	for i, r := range list {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s (%s)\n  %s\n\n  For the user:  %s\n  For the agent: %s\n", r.ID, r.Severity, r.Summary, r.UserAdvice, r.AgentAdvice)
		if r.RFC != "" {
			fmt.Fprintf(stdout, "  See: %s\n", r.RFC)
		}
	}
	return nil
}
