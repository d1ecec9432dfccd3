package spf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// Lookup is one DNS question asked during an evaluation or an audit, and
// what came back.
type Lookup struct {
	Name    string   `json:"name"`              // the name asked, as sent
	Type    string   `json:"type"`              // "TXT", "A", "AAAA", "MX", "PTR", "SPF"
	Status  string   `json:"status"`            // ok, nodata, nxdomain, timeout, servfail, refused, network, malformed, invalid-name, error
	Records []string `json:"records,omitempty"` // the answer's data: TXT text, addresses, "10 mx.example.com.", PTR targets
	Error   string   `json:"error,omitempty"`   // why the question went unanswered
	Term    string   `json:"term,omitempty"`    // the term that asked, empty for the record itself
	Void    bool     `json:"void,omitempty"`    // counted as a void lookup (§4.6.4)
}

// errInvalidName marks a target name that cannot be asked: an empty label
// or a label over 63 octets (RFC 1035 §2.3.4). The openspf suite prefers
// treating it as a name that does not exist (§4.3, §4.8).
var errInvalidName = errors.New("not a valid DNS name")

// resolve asks q for (raw, qtype) and records the question in *log. A
// question that gets no usable answer returns an error wrapping
// [ErrTempDNS], or errInvalidName.
//
// raw is the name as octets, labels separated by dots, as macro expansion
// produces it (see queryName).
func resolve(ctx context.Context, q dnsx.Querier, log *[]Lookup, term, raw string, qtype uint16) (*dnsx.Answer, *Lookup, error) {
	name, nerr := queryName(raw)
	if nerr != nil {
		name = raw
	}
	*log = append(*log, Lookup{Name: name, Type: dns.TypeToString[qtype], Term: term})
	l := &(*log)[len(*log)-1]
	if nerr != nil {
		l.Status, l.Error = "invalid-name", "empty label, label over 63 octets or name over 253 octets"
		return nil, l, errInvalidName
	}
	if err := ctx.Err(); err != nil {
		l.Status, l.Error = "timeout", err.Error()
		return nil, l, fmt.Errorf("%w: %s %s: %w", ErrTempDNS, name, l.Type, err)
	}
	a, err := q.Query(ctx, name, qtype)
	if err != nil {
		l.Status, l.Error = dnsStatus(err), err.Error()
		if errors.Is(err, dnsx.ErrBadName) {
			return nil, l, errInvalidName
		}
		return nil, l, fmt.Errorf("%w: %w", ErrTempDNS, err)
	}
	l.Status = string(a.Status)
	for _, rr := range a.Records {
		if rr.Header().Rrtype == qtype {
			l.Records = append(l.Records, rdata(rr))
		}
	}
	return a, l, nil
}

func dnsStatus(err error) string {
	switch {
	case errors.Is(err, dnsx.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "timeout"
	case errors.Is(err, dnsx.ErrServFail):
		return "servfail"
	case errors.Is(err, dnsx.ErrRefused):
		return "refused"
	case errors.Is(err, dnsx.ErrNetwork):
		return "network"
	case errors.Is(err, dnsx.ErrFormat):
		return "malformed"
	case errors.Is(err, dnsx.ErrBadName):
		return "invalid-name"
	}
	return "error"
}

// rdata renders a record's data for a report.
func rdata(rr dns.RR) string {
	switch v := rr.(type) {
	case *dns.TXT:
		return txtText(v.Txt)
	case *dns.SPF:
		return txtText(v.Txt)
	case *dns.A:
		return v.A.String()
	case *dns.AAAA:
		return v.AAAA.String()
	case *dns.MX:
		return strconv.Itoa(int(v.Preference)) + " " + v.Mx
	case *dns.PTR:
		return v.Ptr
	case *dns.CNAME:
		return v.Target
	}
	h := rr.Header().String()
	return strings.TrimPrefix(rr.String(), h)
}

// txtText joins the character-strings of a TXT record with nothing between
// them (§3.3), decoding miekg/dns's presentation escapes back to octets.
func txtText(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(unescape(p))
	}
	return b.String()
}

// unescape turns RFC 1035 §5.1 presentation escapes (\DDD and \X) into the
// octets they stand for.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n, _ := strconv.Atoi(s[i+1 : i+4])
			if n <= 255 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// queryName turns a name made of raw octets (labels separated by dots) into
// the presentation form the Querier takes, escaping as miekg/dns does so
// that the question it sends is the question the server echoes. It
// returns errInvalidName for an empty label (other than a trailing dot), a
// label over 63 octets or a name over 253 octets (RFC 1035 §2.3.4).
func queryName(raw string) (string, error) {
	raw = strings.TrimSuffix(raw, ".")
	if raw == "" || len(raw) > 253 {
		return "", errInvalidName
	}
	var b strings.Builder
	for i, label := range strings.Split(raw, ".") {
		if label == "" || len(label) > 63 {
			return "", errInvalidName
		}
		if i > 0 {
			b.WriteByte('.')
		}
		for j := 0; j < len(label); j++ {
			c := label[j]
			switch {
			case c == ' ', c == '\'', c == '@', c == ';', c == '(', c == ')', c == '"', c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < ' ' || c > '~':
				fmt.Fprintf(&b, "\\%03d", c)
			default:
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('.')
	return b.String(), nil
}

// truncateName shortens a macro-expanded name over 253 octets by removing
// whole labels from the left (§7.3).
func truncateName(name string) string {
	name = strings.TrimSuffix(name, ".")
	for len(name) > 253 {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return name
		}
		name = name[i+1:]
	}
	return name
}

// validDomain reports whether d can be the <domain> of check_host(): a
// multi-label name with no empty label, no label over 63 octets, not a
// domain literal (§4.3).
func validDomain(d string) bool {
	if strings.HasPrefix(d, "[") {
		return false
	}
	d = strings.TrimSuffix(d, ".")
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			if l[i] <= ' ' || l[i] > '~' {
				return false
			}
		}
	}
	return true
}

// reverseName returns the PTR name of ip (RFC 1035 §3.5, RFC 3596 §2.5).
func reverseName(ip netip.Addr) string {
	n, _ := dns.ReverseAddr(ip.String())
	return n
}

// ipDotted returns the "i" macro value (§7.3): dotted quad for IPv4, and
// for IPv6 the 32 nibbles separated by dots, upper case as the openspf
// suite expects.
func ipDotted(ip netip.Addr) string {
	if ip.Is4() {
		return ip.String()
	}
	const hex = "0123456789ABCDEF"
	b16 := ip.As16()
	out := make([]byte, 0, 63)
	for i, c := range b16 {
		if i > 0 {
			out = append(out, '.')
		}
		out = append(out, hex[c>>4], '.', hex[c&15])
	}
	return string(out)
}

// sameName compares two presentation-form names, ignoring case and a
// trailing dot.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// underName reports whether name is zone or a name below it.
func underName(name, zone string) bool {
	name, zone = strings.ToLower(strings.TrimSuffix(name, ".")), strings.ToLower(strings.TrimSuffix(zone, "."))
	return name == zone || strings.HasSuffix(name, "."+zone)
}
