package receiver

import (
	"fmt"
	"strconv"
	"strings"
)

// The values of Microsoft 365's X-Forefront-Antispam-Report fields, as
// Microsoft's "Anti-spam message headers in Microsoft 365" page describes
// them.
var (
	// sfvMeaning explains SFV, the spam filtering verdict; spam tells
	// whether the verdict sends the message to Junk.
	sfvMeaning = map[string]struct {
		spam    bool
		meaning string
	}{
		"SPM":  {true, "spam filtering marked it as spam"},
		"SKS":  {true, "it was marked as spam before spam filtering, for example by a mail flow rule"},
		"SKB":  {true, "it was marked as spam because the sender is on a blocked senders or domains list of an anti-spam policy"},
		"BLK":  {true, "filtering was skipped and it was blocked because the sender is on the recipient's Blocked Senders list"},
		"NSPM": {false, "spam filtering marked it as not spam"},
		"SKN":  {false, "it was marked as not spam before spam filtering, for example by a mail flow rule"},
		"SFE":  {false, "filtering was skipped because the sender is on the recipient's Safe Senders list"},
		"SKA":  {false, "filtering was skipped because the sender is on an allowed senders or domains list of an anti-spam policy"},
		"SKI":  {false, "filtering was skipped for another reason, such as mail within the organisation"},
		"SKQ":  {false, "it was released from quarantine"},
	}
	// catMeaning explains CAT, the protection policy applied.
	catMeaning = map[string]string{
		"BULK":   "bulk mail",
		"SPM":    "spam",
		"HSPM":   "high confidence spam",
		"PHSH":   "phishing",
		"HPHSH":  "high confidence phishing",
		"HPHISH": "high confidence phishing",
		"MALW":   "malware",
		"SPOOF":  "spoofing",
		"DIMP":   "domain impersonation",
		"UIMP":   "user impersonation",
		"GIMP":   "mailbox intelligence impersonation",
		"AMP":    "anti-malware",
		"SAP":    "safe attachments",
		"OSPM":   "outbound spam",
		"NONE":   "no protection policy acted on it",
	}
)

// microsoft reads Microsoft 365's anti-spam fields.
func (r *spamReader) microsoft(f field) {
	switch f.key {
	case "x-forefront-antispam-report":
		r.forefront(f)
	case "x-forefront-antispam-report-untrusted", "x-microsoft-antispam-untrusted":
		r.evidence(f, "Microsoft 365's verdict from the sending organisation's tenant, carried with the message: not the receiver's verdict, ignored")
	case "x-ms-exchange-organization-scl":
		n, ok := r.scl(f, strings.TrimSpace(f.value))
		if ok {
			r.evidence(f, "Exchange spam confidence level: "+sclMeaning(n))
		}
	case "x-microsoft-antispam":
		r.bcl(f)
	}
}

// msPairs reads Microsoft's "KEY:value;KEY:value;" lists; keys in upper
// case, the first of a repeated key wins.
func msPairs(v string) map[string]string {
	pairs := map[string]string{}
	for _, part := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		if _, seen := pairs[k]; !seen {
			pairs[k] = strings.TrimSpace(val)
		}
	}
	return pairs
}

// forefront reads X-Forefront-Antispam-Report: SCL, SFV and CAT.
func (r *spamReader) forefront(f field) {
	p := msPairs(f.value)
	var says []string
	if v, ok := p["SFV"]; ok && v != "" {
		v = strings.ToUpper(v)
		if r.s.SFV == "" {
			r.s.SFV = clean(v, 16)
		}
		if m, known := sfvMeaning[v]; known {
			r.judge(f, m.spam)
			says = append(says, m.meaning+" (SFV:"+v+")")
		} else {
			says = append(says, "its filtering verdict SFV:"+clean(v, 16)+" is not one Microsoft documents")
		}
	}
	if v, ok := p["SCL"]; ok {
		if n, ok := r.scl(f, v); ok {
			says = append(says, "spam confidence level "+sclMeaning(n))
		}
	}
	if v, ok := p["CAT"]; ok && v != "" {
		v = strings.ToUpper(v)
		if r.s.Category == "" {
			r.s.Category = clean(v, 16)
		}
		if m, known := catMeaning[v]; known {
			says = append(says, "category "+v+": "+m)
		} else {
			says = append(says, "category "+clean(v, 16)+", not one Microsoft documents")
		}
	}
	if len(says) == 0 {
		r.d.problem("X-Forefront-Antispam-Report holds none of SCL, SFV and CAT")
		return
	}
	r.evidence(f, "Microsoft 365: "+strings.Join(says, "; "))
}

// scl reads a spam confidence level, -1..9 ([MS-OXCSPAM] §2.2.1.3). A
// level of 5 or more is spam and 0 or 1 is not; Microsoft 365 assigns
// no level from 2 to 4, so those give no verdict.
func (r *spamReader) scl(f field, v string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < -1 || n > 9 {
		r.d.problem("%s holds a spam confidence level outside -1..9: %q", clean(f.name, 64), clean(v, 16))
		return 0, false
	}
	if r.s.SCL == nil {
		r.s.SCL = &n
	}
	switch {
	case n >= 5:
		r.judge(f, true)
	case n <= 1:
		r.judge(f, false)
	}
	return n, true
}

// sclMeaning explains a spam confidence level.
func sclMeaning(n int) string {
	switch {
	case n == -1:
		return "-1: spam filtering was skipped (a trusted sender or a rule)"
	case n <= 1:
		return fmt.Sprintf("%d: not spam", n)
	case n <= 4:
		return fmt.Sprintf("%d: below the spam range, which starts at 5", n)
	case n <= 6:
		return fmt.Sprintf("%d: spam, delivered to Junk by default", n)
	}
	return fmt.Sprintf("%d: high confidence spam", n)
}

// bcl reads the bulk complaint level from X-Microsoft-Antispam.
func (r *spamReader) bcl(f field) {
	v, ok := msPairs(f.value)["BCL"]
	if !ok {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 9 {
		r.d.problem("X-Microsoft-Antispam holds a bulk complaint level outside 0..9: %q", clean(v, 16))
		return
	}
	if r.s.BCL == nil {
		r.s.BCL = &n
	}
	r.evidence(f, "Microsoft 365 bulk complaint level "+bclMeaning(n))
}

// bclMeaning explains a bulk complaint level.
func bclMeaning(n int) string {
	switch {
	case n == 0:
		return "0: not from a bulk sender"
	case n <= 3:
		return fmt.Sprintf("%d: from a bulk sender that draws few complaints", n)
	case n <= 7:
		return fmt.Sprintf("%d: from a bulk sender that draws a mixed number of complaints", n)
	}
	return fmt.Sprintf("%d: from a bulk sender that draws many complaints", n)
}
