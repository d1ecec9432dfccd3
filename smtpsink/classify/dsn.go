package classify

import (
	"regexp"
	"strings"
)

// maxRecipients bounds the recipients kept from one report.
const maxRecipients = 100

// deliveryStatus is a parsed message/delivery-status body (RFC 3464 §2.1):
// per-message fields, then one group of fields per recipient.
type deliveryStatus struct {
	ReportingMTA string
	Recipients   []dsnRecipient
}

// dsnRecipient holds the per-recipient fields of RFC 3464 §2.3.
type dsnRecipient struct {
	FinalRecipient    string // §2.3.2, address type stripped
	OriginalRecipient string // §2.3.1
	ActualRecipient   string // sendmail's X-Actual-Recipient
	Action            string // §2.3.3, lower case
	Status            string // §2.3.4, the bare x.y.z code
	RemoteMTA         string // §2.3.5, name type stripped
	DiagnosticType    string // §2.3.6, lower case
	Diagnostic        string // §2.3.6, the text
	StatusComment     string // text an MTA put after the status code
}

// statusComment returns the comment of a Status field when it says more
// than the code's generic name.
func statusComment(v string) string {
	i := strings.Index(v, "(")
	if i < 0 {
		return ""
	}
	c := strings.Trim(v[i:], "() ")
	switch strings.ToLower(c) {
	case "", "permanent failure", "temporary failure", "persistent transient failure", "success":
		return ""
	}
	if strings.HasPrefix(strings.ToLower(c), "other or undefined") {
		return ""
	}
	return c
}

var (
	statusCodeRe = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)
	dsnFieldRe   = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]{0,63})[ \t]*:[ \t]*(.*)$`)
)

// parseDeliveryStatus reads the fields of a delivery-status body. It is
// lenient: lines that are not fields are skipped, groups need not be
// separated by empty lines (a second Final-Recipient starts a new group),
// and fields may come in any order.
func parseDeliveryStatus(body string) deliveryStatus {
	p := dsnParser{cur: -1}
	var key string
	var val strings.Builder
	pending := false
	flush := func() {
		if pending {
			p.set(key, val.String())
		}
		pending = false
	}
	for _, line := range lines(body) {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
			p.cur = -1
		case line[0] == ' ' || line[0] == '\t':
			if pending && val.Len() < 4096 {
				val.WriteByte(' ')
				val.WriteString(strings.TrimSpace(line))
			}
		default:
			flush()
			if f := dsnFieldRe.FindStringSubmatch(line); f != nil {
				key = strings.ToLower(f[1])
				val.Reset()
				val.WriteString(strings.TrimSpace(f[2]))
				pending = true
			}
		}
	}
	flush()
	out := p.ds.Recipients[:0]
	for _, r := range p.ds.Recipients {
		if r.address() != "" {
			out = append(out, r)
		}
	}
	p.ds.Recipients = out
	return p.ds
}

// dsnParser accumulates fields into recipient groups.
type dsnParser struct {
	ds      deliveryStatus
	cur     int // index of the open recipient group, -1 for none
	scratch dsnRecipient
}

// group returns the open recipient group, opening one when there is none
// or when a new recipient starts.
func (p *dsnParser) group(startsRecipient bool) *dsnRecipient {
	if p.cur < 0 || (startsRecipient && p.ds.Recipients[p.cur].FinalRecipient != "") {
		if len(p.ds.Recipients) >= maxRecipients {
			p.scratch = dsnRecipient{}
			return &p.scratch
		}
		p.ds.Recipients = append(p.ds.Recipients, dsnRecipient{})
		p.cur = len(p.ds.Recipients) - 1
	}
	return &p.ds.Recipients[p.cur]
}

// set stores one field.
func (p *dsnParser) set(key, val string) {
	val = strings.TrimSpace(val)
	switch key {
	case "reporting-mta":
		p.ds.ReportingMTA = typedValue(val)
	case "final-recipient":
		p.group(true).FinalRecipient = typedValue(val)
	case "original-recipient":
		p.group(false).OriginalRecipient = typedValue(val)
	case "x-actual-recipient":
		p.group(false).ActualRecipient = typedValue(val)
	case "action":
		if f := strings.Fields(strings.ToLower(val)); len(f) > 0 {
			p.group(false).Action = strings.Trim(f[0], ";,.")
		}
	case "status":
		g := p.group(false)
		g.Status = statusCodeRe.FindString(val)
		g.StatusComment = statusComment(val)
	case "remote-mta":
		p.group(false).RemoteMTA = typedValue(val)
	case "diagnostic-code":
		g := p.group(false)
		t, text, ok := strings.Cut(val, ";")
		if t = strings.TrimSpace(t); ok && t != "" && !strings.ContainsAny(t, " \t") {
			g.DiagnosticType = strings.ToLower(t)
			g.Diagnostic = strings.TrimSpace(text)
		} else {
			g.Diagnostic = val
		}
	}
}

// typedValue strips the type of "rfc822; addr" or "dns; host" (RFC 3464
// §2.1.2) and angle brackets.
func typedValue(v string) string {
	if t, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(strings.TrimSpace(t), " \t@") {
		v = rest
	}
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "<")
	v = strings.TrimSuffix(v, ">")
	return strings.TrimSpace(v)
}

// address is the recipient's mailbox: the final recipient when it is an
// address, else the first address in the other recipient fields.
func (r dsnRecipient) address() string {
	for _, v := range []string{r.FinalRecipient, r.OriginalRecipient, r.ActualRecipient} {
		if a := addrRe.FindString(v); a != "" && strings.EqualFold(a, v) {
			return cleanAddress(a)
		}
	}
	for _, v := range []string{r.FinalRecipient, r.OriginalRecipient, r.ActualRecipient} {
		if a := addrRe.FindString(v); a != "" {
			return cleanAddress(a)
		}
	}
	return ""
}

// inlineDSNRe finds delivery-status fields pasted into a text part, as
// broken or forwarded reports carry them (optionally quoted with ">").
var inlineDSNRe = regexp.MustCompile(`(?im)^(?:>[ \t]?)*(?:Reporting-MTA|Final-Recipient)[ \t]*:`)

// inlineDeliveryStatus extracts delivery-status fields from plain text.
func inlineDeliveryStatus(text string) deliveryStatus {
	loc := inlineDSNRe.FindStringIndex(text)
	if loc == nil {
		return deliveryStatus{}
	}
	var b strings.Builder
	for _, l := range lines(text[loc[0]:]) {
		for strings.HasPrefix(l, ">") {
			l = strings.TrimPrefix(strings.TrimPrefix(l, ">"), " ")
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	ds := parseDeliveryStatus(b.String())
	out := ds.Recipients[:0]
	for _, r := range ds.Recipients {
		if r.Action != "" || r.Status != "" {
			out = append(out, r)
		}
	}
	ds.Recipients = out
	return ds
}
