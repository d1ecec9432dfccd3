package seeds

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Late reports whether the result's code was filed later than after its
// send: a user waiting for it would have given up or asked for another.
func (r *Result) Late(after time.Duration) bool {
	return !r.Seen.IsZero() && r.Latency > after
}

// WriteTable writes a run as a table for a terminal: one line per seed,
// then the lines of the seeds that failed.
func WriteTable(w io.Writer, run *Run, lateAfter time.Duration) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEED\tPROVIDER\tPLACEMENT\tFOLDER\tLATENCY\tSPF\tDKIM\tDMARC\tSPAM")
	var failed []string
	for i := range run.Results {
		r := &run.Results[i]
		place := string(r.Placement)
		if r.Late(lateAfter) {
			place += " (late)"
		}
		latency := "-"
		if !r.Seen.IsZero() {
			latency = r.Latency.Round(time.Millisecond).String()
		}
		spf, dkim, dmarc, spam := "-", "-", "-", "-"
		if v := r.Receiver; v != nil {
			spf, dmarc = dash(v.Auth.SPF.Result), dash(v.Auth.DMARC.Result)
			if len(v.Auth.DKIM) > 0 {
				dkim = dash(v.Auth.DKIM[0].Result)
			}
			if f := v.Spam.Flagged; f != nil {
				spam = map[bool]string{true: "spam", false: "not spam"}[*f]
			}
		}
		folder := dash(r.Folder)
		if r.Category != "" {
			folder += " (" + r.Category + " tab)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seed, dash(r.Provider), place, folder,
			latency, spf, dkim, dmarc, spam)
		if r.Error != "" {
			failed = append(failed, r.Seed+": "+r.Error)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(failed) > 0 {
		_, err := fmt.Fprintf(w, "\n%s\n", strings.Join(failed, "\n"))
		return err
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
