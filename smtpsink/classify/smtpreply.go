package classify

import (
	"regexp"
	"strconv"
	"strings"
)

// SMTP commands a failure can follow (RFC 5321 §4.1.1), plus CONN for the
// greeting.
const (
	cmdConn = "CONN"
	cmdHelo = "HELO"
	cmdMail = "MAIL"
	cmdRcpt = "RCPT"
	cmdData = "DATA"
)

// replyCodeRe finds an SMTP reply code (RFC 5321 §4.2) not glued to other
// digits or dots, so addresses, dates and versions do not count.
var replyCodeRe = regexp.MustCompile(`(?:^|[\s:'"(#<\[])([245][0-5]\d)(?:[ ,-]|$|:?\s)`)

// replyCode returns the first SMTP reply code in s, or 0.
func replyCode(s string) int {
	m := replyCodeRe.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var enhancedRe = regexp.MustCompile(`[245]\.\d{1,3}\.\d{1,3}`)

// enhancedCodes returns the RFC 3463 enhanced status codes in s, in order,
// skipping digit runs that belong to addresses or version numbers.
func enhancedCodes(s string) []string {
	var out []string
	for _, loc := range enhancedRe.FindAllStringIndex(s, 8) {
		if loc[0] > 0 {
			if c := s[loc[0]-1]; c == '.' || c >= '0' && c <= '9' {
				continue
			}
		}
		if loc[1] < len(s) {
			c := s[loc[1]]
			if c >= '0' && c <= '9' || c == '.' && loc[1]+1 < len(s) && s[loc[1]+1] >= '0' && s[loc[1]+1] <= '9' {
				continue
			}
		}
		out = append(out, s[loc[0]:loc[1]])
	}
	return out
}

// remoteStatus picks the enhanced status a diagnostic reports. When an MTA
// wraps the remote server's reply in its own summary ("5.1.0 - Unknown
// address error 550-'5.2.2 … Mailbox Full'"), the quoted remote code comes
// last and is the more specific one.
func remoteStatus(s string) string {
	codes := enhancedCodes(s)
	if len(codes) == 0 {
		return ""
	}
	return codes[len(codes)-1]
}

// commandPhrases name the SMTP command a failure followed, as MTAs phrase
// it in their reports (Postfix "in reply to … command", Exim "after …",
// qmail's sentences, Yahoo's and SendGrid's tags), in lower case.
var commandPhrases = []struct {
	cmd     string
	phrases []string
}{
	{cmdData, []string{"in reply to end of data command", "in reply to data command", "in reply to the end of data",
		"after end of data", "after data", "failed after i sent the message", "didn't like the message", "[data]"}},
	{cmdRcpt, []string{"in reply to rcpt to command", "after rcpt", "does not like recipient", "most progress was rcpt",
		"[rcpt_to]", " in rcpt to", "rcpt to not accepted"}},
	{cmdMail, []string{"in reply to mail from command", "after mail from", "sender was rejected", "[mail_from]"}},
	{cmdHelo, []string{"in reply to helo command", "in reply to ehlo command", "in reply to lhlo command", "after helo",
		"after ehlo", "my name was rejected", "performing the helo handshake", "performing the ehlo handshake"}},
	{cmdConn, []string{"after initial connection", "refused to talk to me", "in reply to the initial greeting",
		"while receiving the initial server greeting", " in connect", "no smtp connection got far enough"}},
}

// smtpCommand returns the command a failure followed, or "". Transcripts
// (">>> CMD" then "<<< reply") name the last command sent before the
// failing reply.
func smtpCommand(s string) string {
	if cmd := transcriptCommand(s); cmd != "" {
		return cmd
	}
	low := strings.ToLower(spaceRunRe.ReplaceAllString(s, " "))
	for _, p := range commandPhrases {
		if containsAny(low, p.phrases) {
			return p.cmd
		}
	}
	return ""
}

var sentLineRe = regexp.MustCompile(`(?im)^[> \t]*(?:>>>|in:)\s+(\w+)`)

// transcriptCommand reads ">>> CMD" / "<<< reply" and "In: CMD" / "Out:
// reply" transcripts: the last command sent before a 4xx or 5xx reply.
func transcriptCommand(s string) string {
	last := ""
	for _, l := range lines(s) {
		t := strings.TrimLeft(l, "> \t")
		if m := sentLineRe.FindStringSubmatch(l); m != nil {
			last = commandName(m[1])
			continue
		}
		t = strings.TrimPrefix(strings.TrimPrefix(t, "<<<"), "Out:")
		t = strings.TrimSpace(t)
		if last != "" && len(t) >= 3 && (t[0] == '4' || t[0] == '5') && replyCode(t) != 0 {
			if last == cmdData && needRcptRe.MatchString(s) {
				// PIPELINING (RFC 2920): the RCPT replies arrive after
				// DATA was sent, and DATA is refused for want of a
				// recipient.
				return cmdRcpt
			}
			return last
		}
	}
	return ""
}

var needRcptRe = regexp.MustCompile(`(?i)\b(?:503|554)\b.{0,30}(?:need (?:rcpt|recipient)|no valid recipients|all rcpt commands were rejected)`)

func commandName(w string) string {
	switch strings.ToUpper(w) {
	case "HELO", "EHLO", "LHLO":
		return cmdHelo
	case "MAIL":
		return cmdMail
	case "RCPT":
		return cmdRcpt
	case "DATA", "BDAT", ".":
		return cmdData
	}
	return ""
}

// smtpReplyLineRe matches a line holding an SMTP reply, possibly after a
// transcript marker or a "said:"-like prefix.
var smtpReplyLineRe = regexp.MustCompile(`(?i)(?:^|said|returned|<<<|out:|error_code\s*:|responsecode|:)\s*['"]?([245][0-5]\d)(?:[ -]|$)`)

// replyText extracts the SMTP reply from a block of report text: the first
// failure reply (4xx, 5xx; else any reply) with its continuation lines
// joined, up to an empty line, the next command or another reply. In a
// transcript ("<<< reply"), lines without the marker are the reporting
// MTA's own comments and end the reply.
func replyText(block string) string {
	ls := lines(block)
	start, code, marker := -1, "", ""
	for _, failures := range []bool{true, false} {
		for i, l := range ls {
			t := strings.TrimSpace(strings.TrimLeft(l, "> \t"))
			m := smtpReplyLineRe.FindStringSubmatchIndex(t)
			if m == nil || failures && t[m[2]] == '2' {
				continue
			}
			start, code, marker = i, t[m[2]:m[3]], transcriptMarker(l)
			ls[i] = t[m[2]:]
			break
		}
		if start >= 0 {
			break
		}
	}
	if start < 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(ls[start]))
	for _, more := range ls[start+1:] {
		if marker != "" && transcriptMarker(more) != marker {
			break
		}
		m := strings.TrimSpace(strings.TrimLeft(more, "> \t"))
		m = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(m, "<<<"), "Out:"))
		if m == "" || strings.HasPrefix(m, ">>>") || strings.HasPrefix(strings.ToLower(m), "in:") ||
			strings.HasPrefix(m, "...") || len(m) >= 3 && replyCode(m[:min(len(m), 4)]) != 0 && !strings.HasPrefix(m, code) {
			break
		}
		b.WriteByte(' ')
		b.WriteString(m)
		if b.Len() > 2000 {
			break
		}
	}
	return trimUnbalanced(b.String())
}

// trimUnbalanced drops a closing parenthesis left over from text such as
// "(reason: 550 …)" that the reply was cut out of.
func trimUnbalanced(s string) string {
	for strings.HasSuffix(s, ")") && strings.Count(s, ")") > strings.Count(s, "(") {
		s = strings.TrimSpace(s[:len(s)-1])
	}
	return s
}

// transcriptMarker returns the marker of a transcript reply line ("<<<",
// "Out:") or "".
func transcriptMarker(l string) string {
	t := strings.TrimSpace(l)
	for _, mk := range []string{"<<<", "Out:"} {
		if strings.HasPrefix(t, mk) {
			return mk
		}
	}
	return ""
}

// positiveReplyLineRe matches a transcript line holding a positive reply
// (RFC 5321 §4.2.1 2yz, 3yz), such as "Out: 250-STARTTLS" or "<<< 354 …".
var positiveReplyLineRe = regexp.MustCompile(`^[ \t]*(?:<<<|out:)?[ \t]*[23][0-5]\d(?:[ -]|$)`)

// withoutPositiveReplies drops the positive replies of a session
// transcript from report text: they say nothing about the failure, and
// the extensions an EHLO reply lists (STARTTLS, AUTH, SIZE) would read as
// failure wording.
func withoutPositiveReplies(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	ls := lines(s)
	kept := ls[:0]
	for _, l := range ls {
		if !positiveReplyLineRe.MatchString(strings.ToLower(l)) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}
