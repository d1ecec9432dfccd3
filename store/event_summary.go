package store

import (
	"fmt"
	"strings"
	"time"
)

// EventSummary is an [Event] flattened to its facts: one line of
// `codeprobe events --json` and one item of the web API's events. Its
// field names are part of the external contract.
type EventSummary struct {
	Time    time.Time `json:"time"`
	Kind    EventKind `json:"kind"`
	Token   string    `json:"token,omitempty"`
	Address string    `json:"address,omitempty"`
	// send and result
	Status  string `json:"status,omitempty"`
	Reply   string `json:"reply,omitempty"`
	QueueID string `json:"queue_id,omitempty"`
	Host    string `json:"host,omitempty"`
	// return
	ReturnID   int64  `json:"return_id,omitempty"`
	ReturnKind string `json:"return_kind,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Diagnostic string `json:"diagnostic,omitempty"`
	From       string `json:"from,omitempty"`
	// attempt
	Verdict string `json:"verdict,omitempty"`
}

// Summary flattens the event. It never holds a typed code.
func (e Event) Summary() EventSummary {
	j := EventSummary{Time: e.Time, Kind: e.Kind, Token: e.Token, Address: e.Address}
	switch {
	case e.Send != nil:
		r := e.Send.Result
		j.Status, j.QueueID, j.Host = string(r.Status), r.QueueID, r.RemoteHost
		if r.ReplyCode != 0 {
			j.Reply = strings.TrimSpace(fmt.Sprintf("%d %s", r.ReplyCode, r.EnhancedStatus))
		}
		if e.Kind == EventSend {
			j.Status = ""
		}
	case e.Return != nil:
		c := e.Return.Classification
		j.ReturnID, j.ReturnKind, j.Reason, j.Diagnostic, j.From = e.Return.ID, c.Kind, c.Reason, c.Diagnostic, e.Return.MailFrom
		if j.ReturnKind == "" {
			j.ReturnKind = "unclassified"
		}
	case e.Attempt != nil:
		j.Verdict = string(e.Attempt.Verdict)
	}
	return j
}
