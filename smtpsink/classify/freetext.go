package classify

import (
	"regexp"
	"strings"
)

// maxReportText bounds the notification text examined for recipients.
const maxReportText = 64 << 10

// reportText returns the human-readable notification of a report: its
// text parts up to the first attached message, cut where a pasted copy of
// the original message begins.
func reportText(m *message) string {
	var b strings.Builder
	haveText := false
	for _, p := range m.parts {
		if p.inner != nil || isReportPart(p.mediaType) {
			if b.Len() > 0 {
				break
			}
			continue
		}
		if !strings.HasPrefix(p.mediaType, "text/") || strings.TrimSpace(p.text) == "" {
			continue
		}
		if p.mediaType == "text/html" && haveText {
			continue
		}
		haveText = haveText || p.mediaType != "text/html"
		b.WriteString(p.text)
		b.WriteByte('\n')
		if b.Len() > maxReportText {
			break
		}
	}
	s := b.String()
	if len(s) > maxReportText {
		s = s[:maxReportText]
	}
	return cutAtOriginal(s)
}

func isReportPart(mt string) bool {
	switch mt {
	case "message/delivery-status", "message/global-delivery-status", "message/feedback-report",
		"message/disposition-notification", "message/global-disposition-notification":
		return true
	}
	return false
}

var (
	// originalSeparatorRe matches the lines MTAs put before the copy of
	// the returned message they paste into a text report.
	originalSeparatorRe = regexp.MustCompile(`(?im)^[ \t>]*(?:[-=_*~]{2,}[^\n]*\b(?:copy|original|headers?|below|enclosed|forwarded|returned|undelivered|attached)\b[^\n]*` +
		`|(?:original message headers|below is a copy of the original message|the header of the original message|original message follows|begin forwarded message|intestazioni originali del messaggio|en-t[êe]tes de message d'origine|urspr[üu]ngliche nachrichtenkopfzeilen|encabezados del mensaje original)\b[^\n]*)$`)
	// pastedHeaderRe matches header fields that start a pasted message.
	pastedHeaderRe = regexp.MustCompile(`(?i)^(?:received|return-path|dkim-signature|x-received|message-id|mime-version|date|from|to|subject|content-type|x-mailer|authentication-results|arc-seal|x-google-dkim-signature|delivered-to|x-yahoo-newman-property|x-ymail-osg)[ \t]*:`)
	pastedAnchorRe = regexp.MustCompile(`(?i)^(?:received|return-path|dkim-signature|x-received|message-id|delivered-to|x-ymail-osg)[ \t]*:`)
)

// cutAtOriginal cuts a report before the pasted original message: at a
// separator line, or at a run of three header fields one of which is a
// trace or identification field.
func cutAtOriginal(s string) string {
	end := len(s)
	if loc := originalSeparatorRe.FindStringIndex(s); loc != nil {
		end = loc[0]
	}
	ls := lines(s[:end])
	offset := 0
	for i := range ls {
		if i+2 < len(ls) && pastedAnchorRe.MatchString(ls[i]) && headerRun(ls[i:]) >= 3 {
			return s[:offset]
		}
		offset += len(ls[i]) + 1
	}
	return s[:end]
}

// headerRun counts the header fields (with their continuation lines) at the
// start of ls.
func headerRun(ls []string) int {
	n := 0
	for _, l := range ls {
		switch {
		case pastedHeaderRe.MatchString(l):
			n++
		case n > 0 && l != "" && (l[0] == ' ' || l[0] == '\t'):
		default:
			return n
		}
	}
	return n
}

// textBlock is the part of a report about one recipient.
type textBlock struct {
	addr string
	text string
}

var (
	// nonRecipientCtxRe matches what precedes an address that is not a
	// failed recipient on its line: the sender in MAIL FROM, contacts.
	nonRecipientCtxRe = regexp.MustCompile(`(?i)(?:mail from:?\s*<?|envelope-from\s*<?|sender(?: address)?:?\s*<?|from:\s*<?|rfc822;\s*|contact\s*<?|mail to\s*<?|send mail to\s*<?|postmaster\s*<?|sent by\s*<?|return-path:?\s*<?)$`)
	contactLineRe     = regexp.MustCompile(`(?i)\b(?:please contact|for further assistance|for assistance|contact your|contact us|send mail to|helpdesk|please send mail to|ask your postmaster|to contact)\b`)
)

// recipientBlocks finds the failed recipients of a free-text report and
// the text about each. Reports list each failed address at the start of a
// line ("<addr>:", "  addr", "addr: reason"); when some line starts so,
// only such lines count, else any mention does. Addresses in exclude or in
// a sender or contact context never count. Each anchor starts a block that
// runs until a line anchoring another recipient.
func recipientBlocks(text string, exclude map[string]bool) []textBlock {
	ls := lines(text)
	anyAt := make([]string, len(ls))
	leadAt := make([]string, len(ls))
	haveLead := false
	for i, l := range ls {
		anyAt[i], leadAt[i] = lineRecipient(l, exclude)
		haveLead = haveLead || leadAt[i] != ""
	}
	anchors := anyAt
	if haveLead {
		anchors = leadAt
	}
	var blocks []textBlock
	index := map[string]int{}
	cur := -1
	var b strings.Builder
	closeBlock := func() {
		if cur >= 0 {
			blocks[cur].text += b.String()
		}
		b.Reset()
	}
	for i, l := range ls {
		if a := anchors[i]; a != "" && (cur < 0 || blocks[cur].addr != a) {
			closeBlock()
			k, seen := index[a]
			if !seen {
				if len(blocks) >= maxRecipients {
					cur = -1
					continue
				}
				blocks = append(blocks, textBlock{addr: a})
				k = len(blocks) - 1
				index[a] = k
			}
			cur = k
		}
		if cur >= 0 && b.Len() < 8<<10 {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	closeBlock()
	return blocks
}

// lineRecipient returns the first address on a line that can be a failed
// recipient, and the same when it starts the line (within its first word).
func lineRecipient(l string, exclude map[string]bool) (anyAddr, leading string) {
	if strings.IndexByte(l, '@') < 0 || contactLineRe.MatchString(l) {
		return "", ""
	}
	trimmed := strings.TrimLeft(l, " \t>")
	firstEnd := len(l) - len(trimmed) + strings.IndexAny(trimmed+" ", " \t")
	for _, loc := range addrRe.FindAllStringIndex(l, 4) {
		a := cleanAddress(l[loc[0]:loc[1]])
		if exclude[a] || isDaemonAddress(a) {
			continue
		}
		if nonRecipientCtxRe.MatchString(l[max(0, loc[0]-24):loc[0]]) {
			continue
		}
		if lead := l[len(l)-len(trimmed) : loc[0]]; loc[0] < firstEnd && len(lead) <= 32 && isASCII(lead) {
			return a, a
		}
		return a, ""
	}
	return "", ""
}

// isDaemonAddress reports addresses of mail systems, never recipients of
// our test messages.
func isDaemonAddress(a string) bool {
	local, _, _ := strings.Cut(a, "@")
	switch local {
	case "mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "mdaemon":
		return true
	}
	return false
}

// blockDiagnostic extracts what a report block says about its recipient:
// the SMTP reply when there is one, else the block's text without the
// address itself.
func blockDiagnostic(bl textBlock) string {
	if r := replyText(bl.text); r != "" {
		return oneLine(r, 1000)
	}
	var parts []string
	for _, l := range lines(bl.text) {
		t := strings.TrimSpace(removeFold(strings.TrimSpace(l), bl.addr))
		t = strings.TrimSpace(strings.Trim(t, `<>"':;`))
		if t == "" || strings.HasPrefix(strings.ToLower(t), "(expanded from") {
			continue
		}
		parts = append(parts, t)
	}
	return oneLine(strings.Join(parts, " "), 1000)
}

// removeFold removes the first case-insensitive occurrence of an ASCII
// lower-case sub from s.
func removeFold(s, sub string) string {
	lower := strings.ToLower(s)
	if len(lower) != len(s) {
		return s
	}
	if i := strings.Index(lower, sub); i >= 0 {
		return s[:i] + s[i+len(sub):]
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
