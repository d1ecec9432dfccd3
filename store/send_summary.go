package store

import (
	"strings"
	"time"
)

// SendSummary is a test send and the messages that came back for it, as
// the web API and the agent console's JSON downloads give it. Its field
// names are part of the external contract.
type SendSummary struct {
	Token   string            `json:"token"`
	Session string            `json:"session,omitempty"`
	Address string            `json:"address"`
	Created time.Time         `json:"created"`
	Result  SendResultSummary `json:"result"`
	Returns []ReturnSummary   `json:"returns"`
}

// SendResultSummary is the receiving server's answer in a [SendSummary];
// Status is "sending" until there is one.
type SendResultSummary struct {
	Status     string   `json:"status"`
	ReplyCode  int      `json:"reply_code,omitempty"`
	Enhanced   string   `json:"enhanced_status,omitempty"`
	QueueID    string   `json:"queue_id,omitempty"`
	RemoteHost string   `json:"remote_host,omitempty"`
	Transcript []string `json:"transcript,omitempty"`
	DurationMS int64    `json:"duration_ms"`
}

// ReturnSummary is a returned message in a [SendSummary], without the
// message itself.
type ReturnSummary struct {
	ID         int64     `json:"id"`
	Received   time.Time `json:"received"`
	Kind       string    `json:"kind"`
	Reason     string    `json:"reason,omitempty"`
	Status     string    `json:"status,omitempty"`
	Diagnostic string    `json:"diagnostic,omitempty"`
}

// Summary flattens the send and its returns (newest first, without raw
// messages).
func (s *Send) Summary(rets []*Return) SendSummary {
	res := s.Result
	out := SendSummary{Token: s.Token, Session: s.SessionID, Address: s.Recipient, Created: s.Created,
		Result: SendResultSummary{Status: string(res.Status), ReplyCode: res.ReplyCode, Enhanced: res.EnhancedStatus,
			QueueID: res.QueueID, RemoteHost: res.RemoteHost, DurationMS: res.Duration.Milliseconds()},
		Returns: []ReturnSummary{}}
	if out.Result.Status == "" {
		out.Result.Status = "sending"
	}
	if res.Transcript != "" {
		out.Result.Transcript = strings.Split(res.Transcript, "\n")
	}
	for _, r := range rets {
		c := r.Classification
		out.Returns = append(out.Returns, ReturnSummary{ID: r.ID, Received: r.Received, Kind: c.Kind, Reason: c.Reason,
			Status: c.Status, Diagnostic: c.Diagnostic})
	}
	return out
}
