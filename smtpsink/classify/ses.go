package classify

import (
	"encoding/json"
	"strings"
)

// sesNotification is the documented JSON of Amazon SES bounce, complaint
// and delivery notifications, sent bare or inside an SNS envelope whose
// Message field holds it as a string.
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
		ReportingMTA string `json:"reportingMTA"`
	} `json:"bounce"`
	Complaint struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
	Delivery struct {
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
		ReportingMTA string   `json:"reportingMTA"`
	} `json:"delivery"`
	Message string `json:"Message"` // the SNS envelope's payload
}

// parseSES finds an SES notification in a text part.
func parseSES(m *message) *sesNotification {
	for _, p := range m.parts {
		if p.inner != nil || !strings.Contains(p.text, "notificationType") {
			continue
		}
		i, j := strings.Index(p.text, "{"), strings.LastIndex(p.text, "}")
		if i < 0 || j <= i {
			continue
		}
		var n sesNotification
		if !unmarshalFolded(p.text[i:j+1], &n) {
			continue
		}
		if n.NotificationType == "" && n.Message != "" {
			var inner sesNotification
			if !unmarshalFolded(n.Message, &inner) {
				continue
			}
			n = inner
		}
		switch n.NotificationType {
		case "Bounce", "Complaint", "Delivery":
			return &n
		}
	}
	return nil
}

// asSESNotification classifies an Amazon SES notification.
func (c *classifier) asSESNotification(m *message, res *Result) bool {
	n := parseSES(m)
	if n == nil {
		return false
	}
	res.addEvidence("Amazon SES " + strings.ToLower(n.NotificationType) + " notification (JSON)")
	switch n.NotificationType {
	case "Complaint":
		res.Kind, res.Reason = KindFeedback, "feedback"
		res.FeedbackType = strings.ToLower(n.Complaint.ComplaintFeedbackType)
		for _, r := range n.Complaint.ComplainedRecipients {
			res.Recipients = append(res.Recipients, Recipient{Address: cleanAddress(r.EmailAddress), Reason: "feedback"})
		}
	case "Delivery":
		res.Kind = KindBounce
		for _, a := range n.Delivery.Recipients {
			f := recipientFacts{rcpt: Recipient{
				Address: cleanAddress(a), Action: "delivered", Diagnostic: n.Delivery.SMTPResponse,
				DiagnosticType: "smtp", RemoteMTA: n.Delivery.ReportingMTA,
			}}
			c.finish(&f, "", true, res)
			res.Recipients = append(res.Recipients, f.rcpt)
		}
	case "Bounce":
		res.Kind = KindBounce
		for _, r := range n.Bounce.BouncedRecipients {
			typ, text, ok := strings.Cut(r.DiagnosticCode, ";")
			if !ok || strings.ContainsAny(strings.TrimSpace(typ), " \t") {
				typ, text = "", r.DiagnosticCode
			}
			f := recipientFacts{rcpt: Recipient{
				Address: cleanAddress(r.EmailAddress), Action: strings.ToLower(r.Action),
				Status: statusCodeRe.FindString(r.Status), Diagnostic: oneLine(text, 1000),
				DiagnosticType: strings.ToLower(strings.TrimSpace(typ)), RemoteMTA: typedValue(n.Bounce.ReportingMTA),
			}}
			c.finish(&f, "", true, res)
			res.Recipients = append(res.Recipients, f.rcpt)
		}
	}
	return true
}

// unmarshalFolded decodes JSON that a mail system may have folded into
// lines of at most 998 octets (RFC 5322 §2.1.1), some marking the break
// with "!".
func unmarshalFolded(s string, v any) bool {
	if json.Unmarshal([]byte(s), v) == nil {
		return true
	}
	s = strings.NewReplacer("!\r\n ", "", "!\n ", "", "\r\n ", "", "\n ", "").Replace(s)
	return json.Unmarshal([]byte(s), v) == nil
}
