package classify

import (
	"regexp"
	"strings"
)

// asFeedback recognises feedback reports: RFC 5965 Abuse Reporting Format
// (a multipart/report of report-type feedback-report with a
// message/feedback-report part), and unsubscribe requests a mail client
// sends on the user's behalf to a List-Unsubscribe mailto (RFC 2369 §3.2).
func (c *classifier) asFeedback(m *message, res *Result) bool {
	mt, params := contentType(m.header)
	var report *part
	for _, p := range m.parts {
		if p.mediaType == "message/feedback-report" {
			report = p
			break
		}
	}
	isARF := report != nil || mt == "multipart/report" && strings.EqualFold(params["report-type"], "feedback-report")
	if isARF {
		res.Kind, res.Reason = KindFeedback, "feedback"
		res.addEvidence("feedback report (RFC 5965)")
		var fields map[string][]string
		if report != nil {
			fields = reportFields(toText(report.body, "", false))
		}
		res.FeedbackType = strings.ToLower(first(fields["feedback-type"]))
		if res.FeedbackType != "" {
			res.addEvidence("Feedback-Type: " + res.FeedbackType)
		}
		for _, v := range fields["original-rcpt-to"] {
			if a := firstAddress(v); a != "" && len(res.Recipients) < maxRecipients {
				res.Recipients = append(res.Recipients, Recipient{Address: a, Reason: "feedback"})
			}
		}
		if len(res.Recipients) == 0 {
			if a := originalRecipient(m); a != "" {
				res.Recipients = append(res.Recipients, Recipient{Address: a, Reason: "feedback"})
			}
		}
		return true
	}
	if isUnsubscribeRequest(m) {
		res.Kind, res.Reason, res.FeedbackType = KindFeedback, "feedback", "unsubscribe"
		res.addEvidence("unsubscribe request sent by a mail client (RFC 2369 List-Unsubscribe)")
		return true
	}
	return false
}

var unsubscribeSubjectRe = regexp.MustCompile(`(?i)^\s*(?:unsubscribe|remove me|désabonner|abmelden|darse de baja)\s*$`)

// isUnsubscribeRequest recognises the one-click unsubscribe messages mail
// clients send to a List-Unsubscribe mailto address.
func isUnsubscribeRequest(m *message) bool {
	if strings.EqualFold(strings.TrimSpace(m.header.Get("X-Apple-Unsubscribe")), "true") {
		return true
	}
	return unsubscribeSubjectRe.MatchString(m.subject) && m.header.Has("Auto-Submitted")
}

// reportFields reads "Name: value" lines (with continuations) into lists
// keyed by lower-case name.
func reportFields(body string) map[string][]string {
	out := map[string][]string{}
	var key string
	for _, l := range lines(body) {
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && key != "" {
			vs := out[key]
			vs[len(vs)-1] += " " + strings.TrimSpace(l)
			continue
		}
		f := dsnFieldRe.FindStringSubmatch(l)
		if f == nil {
			key = ""
			continue
		}
		key = strings.ToLower(f[1])
		if len(out[key]) < maxRecipients {
			out[key] = append(out[key], strings.TrimSpace(f[2]))
		} else {
			key = ""
		}
	}
	return out
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
