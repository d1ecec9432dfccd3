package classify

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	// bounceSubjectRe matches the subjects of non-delivery reports in the
	// languages MTAs localise them to.
	bounceSubjectRe = regexp.MustCompile(`(?i)undeliver|undelivered|delivery (?:status|failure|failed|has failed|problem|report|incomplete|delayed|notification)|failure notice|returned mail|mail delivery (?:failed|failure)|mail failure|message not delivered|could not be delivered|delayed mail|warning: message .{1,40} delayed|postmaster notify|nondeliverable|non-delivery|returned to sender|non remis|non recapitabile|unzustellbar|nicht zustellbar|no se puede entregar|no entregado|não entregue|onbestelbaar|niedostarczalna|не доставлено|недоставлен|配信不能|送信エラー|メール配送エラー`)
	// daemonFromRe matches the senders of non-delivery reports.
	daemonFromRe = regexp.MustCompile(`(?i)mailer[-_ ]?daemon|mail[ -]?delivery|postmaster|mail[ -]?administrator|mail system|mdaemon|delivery subsystem`)
	// bounceBodyRe matches sentences of non-delivery reports.
	bounceBodyRe = mustGuard(`(?i)could not be delivered|couldn't be delivered|wasn't delivered|was not delivered|undeliverable|delivery to the following recipients? (?:failed|has been delayed)|delivery has failed|permanent (?:fatal )?errors?\b|unable to deliver|not able to deliver|failed permanently|message delivery failed|following address(?:es)? (?:had|failed)|has not yet been delivered|been delayed|returned to sender|qmail-send program|created automatically by mail delivery software|transcript of session|diagnostic information for administrators|remote host said|could not deliver|delivery status notification|error has occurred while attempting to deliver|not delivered to|message not delivered|no se pudo entregar|n'a pas pu être remis|konnte nicht zugestellt|не может быть доставлено`)
	// delayRe marks reports that say delivery is still being attempted.
	delayRe = regexp.MustCompile(`(?i)\bdelay|warning message only|has not yet been delivered|will be retried|still being retried|temporary failure report|will continue trying|retry for \d+ more`)
)

// asDSN recognises RFC 3464 reports: a message/delivery-status part, or
// delivery-status fields pasted into a text part.
func (c *classifier) asDSN(m *message, res *Result) bool {
	var ds deliveryStatus
	isReport := false
	for _, p := range m.parts {
		if p.mediaType == "message/delivery-status" || p.mediaType == "message/global-delivery-status" {
			isReport = true
			d := parseDeliveryStatus(toText(p.body, "", false))
			ds.Recipients = append(ds.Recipients, d.Recipients...)
		}
	}
	if len(ds.Recipients) == 0 {
		for _, p := range m.parts {
			if p.inner == nil && strings.HasPrefix(p.mediaType, "text/") {
				if d := inlineDeliveryStatus(p.text); len(d.Recipients) > 0 {
					ds, isReport = d, true
					res.addEvidence("delivery-status fields in the text (RFC 3464 §2.3)")
					break
				}
			}
		}
	} else {
		res.addEvidence("message/delivery-status part (RFC 3464)")
	}
	if !isReport {
		return false
	}
	res.Kind = KindBounce
	text := reportText(m)
	blocks := recipientBlocks(text, senderAddresses(m))
	for _, r := range ds.Recipients {
		f := recipientFacts{
			rcpt: Recipient{
				Address: r.address(), Action: r.Action, Status: r.Status,
				Diagnostic: oneLine(firstNonEmpty(r.Diagnostic, r.StatusComment), 1000), DiagnosticType: r.DiagnosticType,
				RemoteMTA: r.RemoteMTA,
			},
		}
		bl := blockFor(blocks, f.rcpt.Address)
		if bl == "" && len(ds.Recipients) == 1 {
			bl = text
		}
		f.context = bl
		f.rcpt.Diagnostic = completeDiagnostic(f.rcpt.Diagnostic, bl, text)
		c.finish(&f, text, len(ds.Recipients) == 1, res)
		res.Recipients = append(res.Recipients, f.rcpt)
	}
	if len(res.Recipients) == 0 {
		c.textRecipients(m, text, res)
	}
	return true
}

// asFreeTextBounce recognises non-delivery reports that are plain text:
// sent by a mail system, worded as one, and naming failed recipients.
func (c *classifier) asFreeTextBounce(m *message, res *Result) bool {
	if c.asSESNotification(m, res) {
		return true
	}
	daemon := daemonFromRe.MatchString(m.from) || m.header.Has("X-Failed-Recipients")
	subject := bounceSubjectRe.MatchString(m.subject)
	if !daemon && !subject {
		// Wording alone does not make a report.
		return false
	}
	text := reportText(m)
	if daemon != subject && !bounceBodyRe.matchString(text, foldKey(text)) {
		return false
	}
	res.Kind = KindBounce
	switch {
	case m.header.Has("X-Failed-Recipients"):
		res.addEvidence("X-Failed-Recipients header")
	case daemon:
		res.addEvidence("sent by a mail system: " + oneLine(m.from, 80))
	}
	if subject {
		res.addEvidence("non-delivery subject: " + oneLine(m.subject, 80))
	}
	c.textRecipients(m, text, res)
	return true
}

// textRecipients fills the recipients of a report from its text: the
// failed addresses it names (X-Failed-Recipients first), else the
// returned original's recipient.
func (c *classifier) textRecipients(m *message, text string, res *Result) {
	blocks := recipientBlocks(text, senderAddresses(m))
	if len(blocks) == 0 {
		// The recipient may be the sender itself.
		blocks = recipientBlocks(text, nil)
	}
	if failed := failedRecipients(m); len(failed) > 0 && (len(blocks) == 0 || blockFor(blocks, failed[0]) != "") {
		blocks = restrictBlocks(blocks, failed)
	}
	if len(blocks) == 0 {
		if to := originalRecipient(m); to != "" {
			blocks = []textBlock{{addr: to, text: ""}}
		}
	}
	action := "failed"
	if delayRe.MatchString(m.subject) || delayRe.MatchString(text) {
		action = "delayed"
	}
	for _, bl := range blocks {
		ctx := bl.text
		if len(blocks) == 1 {
			ctx = text
		}
		f := recipientFacts{
			rcpt:    Recipient{Address: bl.addr, Action: action, Diagnostic: blockDiagnostic(bl)},
			context: ctx,
		}
		c.finish(&f, text, len(blocks) == 1, res)
		res.Recipients = append(res.Recipients, f.rcpt)
	}
}

// finish derives a recipient's status, reply code, command and reason.
func (c *classifier) finish(f *recipientFacts, text string, single bool, res *Result) {
	r := &f.rcpt
	if rs := remoteStatus(r.Diagnostic); rs != "" && (r.Status == "" || !strings.HasSuffix(rs, ".0.0")) {
		r.Status = rs
	}
	r.Code = replyCode(r.Diagnostic)
	if r.Code == 0 {
		r.Code = replyCode(replyText(f.context))
	}
	f.command = smtpCommand(f.context[:min(len(f.context), maxContext)] + "\n" + r.Diagnostic)
	if f.command == "" && single {
		f.command = smtpCommand(text[:min(len(text), maxContext)])
	}
	if r.Status == "" {
		r.Status = statusFromCode(r.Code, r.Action)
	}
	f.context = withoutPositiveReplies(f.context)
	var why, rule string
	r.Reason, why, rule = c.reason(f)
	if c.trace != nil {
		c.trace(f, rule)
	}
	if why != "" {
		res.addEvidence(r.Address + ": " + why)
	}
}

// statusFromCode gives the class-only status (RFC 3463 §3.1 "X.0.0") of a
// reply code or, failing that, of the DSN action.
func statusFromCode(code int, action string) string {
	switch {
	case code >= 400 && code < 600, code >= 200 && code < 300 && action != "failed" && action != "delayed":
		return strconv.Itoa(code/100) + ".0.0"
	case action == "delivered" || action == "relayed" || action == "expanded":
		return "2.0.0"
	case action == "delayed":
		return "4.0.0"
	case action == "failed":
		return "5.0.0"
	}
	return ""
}

// completeDiagnostic returns the fullest form of a diagnostic: the DSN's
// when whole, else the reply the report text holds. DSNs often keep only
// the first line of a multi-line reply.
func completeDiagnostic(diag, block, text string) string {
	reply := oneLine(replyText(block), 1000)
	switch {
	case diag == "" && reply != "":
		diag = reply
	case diag == "":
		return blockDiagnostic(textBlock{text: block})
	case len(diag) > 8 && len(reply) > len(diag):
		if n := normalize(diag); strings.Contains(normalize(reply), n[:len(n)/2]) {
			diag = reply
		}
	}
	if full := expandReply(text, diag); len(full) > len(diag) {
		return full
	}
	return diag
}

// expandReply finds a truncated multi-line reply ("552-5.7.0 first line")
// in the report text and joins its continuation lines, keeping the longest
// of its occurrences.
func expandReply(text, diag string) string {
	code := replyCode(diag)
	if code == 0 || len(diag) < 12 {
		return ""
	}
	needle := diag[:min(len(diag), 40)]
	prefix := strconv.Itoa(code)
	best := ""
	for from, n := 0, 0; n < 8; n++ {
		i := strings.Index(text[from:], needle)
		if i < 0 {
			break
		}
		i += from
		from = i + len(needle)
		var b strings.Builder
		lineStart := strings.LastIndexByte(text[:i], '\n') + 1
		marker := transcriptMarker(text[lineStart:i])
		for k, l := range lines(text[i:]) {
			if k > 0 && marker != "" && transcriptMarker(l) != marker {
				break
			}
			t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimLeft(l, "> \t")), "<<<"))
			if k > 0 && !strings.HasPrefix(t, prefix) {
				break
			}
			if k > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strings.TrimSpace(t))
			if b.Len() > 1000 {
				break
			}
		}
		if b.Len() > len(best) {
			best = b.String()
		}
	}
	return oneLine(best, 1000)
}

// blockFor returns the text block of an address.
func blockFor(blocks []textBlock, addr string) string {
	for _, b := range blocks {
		if b.addr == addr {
			return b.text
		}
	}
	return ""
}

// restrictBlocks keeps the blocks of the listed addresses, in the list's
// order, adding empty blocks for addresses the text does not name.
func restrictBlocks(blocks []textBlock, addrs []string) []textBlock {
	out := make([]textBlock, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, textBlock{addr: a, text: blockFor(blocks, a)})
	}
	return out
}

// failedRecipients lists Exim's X-Failed-Recipients addresses.
func failedRecipients(m *message) []string {
	var out []string
	for _, v := range m.header.Values("X-Failed-Recipients") {
		for _, a := range addrRe.FindAllString(v, maxRecipients) {
			out = append(out, cleanAddress(a))
		}
	}
	return out
}

// senderAddresses are the addresses a report names that are not failed
// recipients: the report's own header addresses and the returned
// original's sender.
func senderAddresses(m *message) map[string]bool {
	ex := map[string]bool{}
	add := func(v string) {
		for _, a := range addrRe.FindAllString(v, 16) {
			ex[cleanAddress(a)] = true
		}
	}
	for _, k := range []string{"From", "Sender", "Reply-To", "To", "Cc", "Return-Path", "Delivered-To", "X-Original-To", "Envelope-To"} {
		for _, v := range m.header.Values(k) {
			add(v)
		}
	}
	for _, p := range m.parts {
		if p.inner != nil {
			for _, k := range []string{"From", "Sender", "Return-Path", "Reply-To"} {
				add(p.inner.Get(k))
			}
		}
	}
	for _, a := range failedRecipients(m) {
		delete(ex, a)
	}
	return ex
}

// originalRecipient is the first To address of the returned original.
func originalRecipient(m *message) string {
	for _, p := range m.parts {
		if p.inner != nil {
			if a := firstAddress(p.inner.Get("To")); a != "" {
				return a
			}
		}
	}
	return ""
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
