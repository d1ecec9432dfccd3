package mailpath

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// txtChunk is the longest character-string a TXT record may hold (RFC 1035
// §3.3.14); longer text, such as a DKIM key, is split into several, which
// DKIM (RFC 6376 §3.6.2.2) and SPF (RFC 7208 §3.3) join again.
const txtChunk = 255

// authDNS is the milters' DNS server: it answers from a fixed set of TXT
// records as a recursive resolver would (NXDOMAIN for names it lacks,
// no-data for other types), over UDP and TCP on port 53 of a random
// 127.0.0.0/8 address, because glibc's resolver, which OpenDMARC and
// libspf2 use, can only reach port 53.
type authDNS struct {
	addr string // ip:53
	ip   string

	txt      map[string][][]string // owner (lower case, FQDN) → records → strings
	exists   map[string]bool       // owners and their ancestors (RFC 8020)
	mu       sync.Mutex
	asked    map[string]int // "name/TYPE" → count
	udp, tcp *dns.Server
}

// newAuthDNS returns a server for records, owner name → TXT records.
func newAuthDNS(records map[string][]string) (*authDNS, error) {
	s := &authDNS{txt: map[string][][]string{}, exists: map[string]bool{".": true}, asked: map[string]int{}}
	for owner, texts := range records {
		if _, ok := dns.IsDomainName(owner); !ok || owner == "" {
			return nil, fmt.Errorf("mailpath: AuthOptions.TXT: %q is not a domain name", owner)
		}
		name := dns.CanonicalName(owner)
		for _, text := range texts {
			s.txt[name] = append(s.txt[name], splitTXT(text))
		}
		for n := name; ; {
			s.exists[n] = true
			off, end := dns.NextLabel(n, 0)
			if end {
				break
			}
			n = n[off:]
		}
	}
	return s, nil
}

// splitTXT splits text into character-strings of at most txtChunk octets.
func splitTXT(text string) []string {
	var out []string
	for len(text) > txtChunk {
		out = append(out, text[:txtChunk])
		text = text[txtChunk:]
	}
	return append(out, text)
}

// start listens on UDP and TCP port 53 of a random loopback address, so
// that concurrent Paths each have their own server.
func (s *authDNS) start() error {
	var err error
	for range 20 {
		ip := fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(254), rand.IntN(256), 1+rand.IntN(254))
		addr := net.JoinHostPort(ip, "53")
		var pc net.PacketConn
		pc, err = net.ListenPacket("udp4", addr)
		if err != nil {
			continue
		}
		var ln net.Listener
		ln, err = net.Listen("tcp4", addr)
		if err != nil {
			pc.Close()
			continue
		}
		s.ip, s.addr = ip, addr
		h := dns.HandlerFunc(s.serve)
		s.udp = &dns.Server{PacketConn: pc, Handler: h}
		s.tcp = &dns.Server{Listener: ln, Handler: h}
		ready := make(chan struct{}, 2)
		s.udp.NotifyStartedFunc = func() { ready <- struct{}{} }
		s.tcp.NotifyStartedFunc = func() { ready <- struct{}{} }
		go s.udp.ActivateAndServe()
		go s.tcp.ActivateAndServe()
		<-ready
		<-ready
		return nil
	}
	return fmt.Errorf("%w: the milters' DNS server on port 53 of 127.0.0.0/8: %v", ErrNotReady, err)
}

// stop closes both listeners.
func (s *authDNS) stop() error {
	if s == nil || s.udp == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeout)
	defer cancel()
	return errors.Join(s.udp.ShutdownContext(ctx), s.tcp.ShutdownContext(ctx))
}

// queries returns how many times (name, qtype) was asked.
func (s *authDNS) queries(name string, qtype uint16) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked[dns.CanonicalName(name)+"/"+dns.TypeToString[qtype]]
}

// questions returns every question asked so far, "name/TYPE", for
// failure messages.
func (s *authDNS) questions() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	qs := make([]string, 0, len(s.asked))
	for q := range s.asked {
		qs = append(qs, q)
	}
	return strings.Join(qs, " ")
}

func (s *authDNS) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	if len(req.Question) != 1 {
		m.SetRcode(req, dns.RcodeFormatError)
		w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	s.mu.Lock()
	s.asked[name+"/"+dns.TypeToString[q.Qtype]]++
	s.mu.Unlock()
	m.SetReply(req)
	m.RecursionAvailable = true
	switch {
	case !s.exists[name]:
		m.Rcode = dns.RcodeNameError
		m.Ns = append(m.Ns, rootSOA())
	case q.Qtype == dns.TypeTXT || q.Qtype == dns.TypeANY:
		for _, strs := range s.txt[name] {
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300},
				Txt: strs,
			})
		}
	}
	if len(m.Answer) == 0 && m.Rcode == dns.RcodeSuccess {
		m.Ns = append(m.Ns, rootSOA()) // no-data (RFC 2308 §2.2)
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// rootSOA is the SOA a negative answer carries (RFC 2308 §3); every name
// is served as if from the root zone.
func rootSOA() dns.RR {
	return &dns.SOA{
		Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
		Ns:  "ns1.test.", Mbox: "hostmaster.test.", Serial: uint32(time.Now().Unix()),
		Refresh: 3600, Retry: 600, Expire: 86400, Minttl: 60,
	}
}
