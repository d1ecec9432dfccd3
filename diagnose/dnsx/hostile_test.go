package dnsx_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/miekg/dns"
)

// startHandler serves h over UDP on 127.0.0.1: for servers that misbehave
// in ways the fixture server does not.
func startHandler(t *testing.T, h dns.HandlerFunc) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	srv := &dns.Server{PacketConn: pc, Handler: h}
	ready := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(ready) }
	go srv.ActivateAndServe()
	<-ready
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// answerA replies to req with an A record for the name asked.
func answerA(req *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Answer = append(m.Answer, &dns.A{
		Hdr: dns.RR_Header{Name: req.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300},
		A:   net.IPv4(192, 0, 2, 1),
	})
	return m
}

func TestServerWithoutEDNS(t *testing.T) {
	// RFC 6891 §7: an old server answers FORMERR, without OPT, to a query
	// with an OPT record.
	addr := startHandler(t, func(w dns.ResponseWriter, req *dns.Msg) {
		if req.IsEdns0() != nil {
			m := new(dns.Msg)
			m.SetRcode(req, dns.RcodeFormatError)
			w.WriteMsg(m)
			return
		}
		w.WriteMsg(answerA(req))
	})
	var mu sync.Mutex
	var edns []bool
	r, err := dnsx.New(dnsx.Config{Servers: []string{addr}, Trace: func(x dnsx.Exchange) {
		mu.Lock()
		defer mu.Unlock()
		edns = append(edns, x.EDNS)
	}})
	must(t, err)
	a, err := r.Query(context.Background(), "www.example.test", dns.TypeA)
	if err != nil || a.Status != dnsx.StatusOK {
		t.Fatalf("got %v, %v", a, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(edns) != 2 || !edns[0] || edns[1] {
		t.Errorf("EDNS per exchange %v, want [true false]", edns)
	}
}

func TestHostileReplies(t *testing.T) {
	tests := []struct {
		name    string
		handler dns.HandlerFunc
		want    error // the error, or nil for an answer
		records int   // records kept in the answer
	}{
		{"answer for another name", func(w dns.ResponseWriter, req *dns.Msg) {
			m := answerA(req)
			m.Question[0].Name = "evil.example."
			w.WriteMsg(m)
		}, dnsx.ErrFormat, 0},
		{"undecodable reply", func(w dns.ResponseWriter, req *dns.Msg) {
			// A header with the right ID promising a question that is not there.
			w.Write([]byte{byte(req.Id >> 8), byte(req.Id), 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0})
		}, dnsx.ErrFormat, 0},
		{"truncated reply and no TCP listener", func(w dns.ResponseWriter, req *dns.Msg) {
			m := answerA(req)
			m.Answer, m.Truncated = nil, true
			w.WriteMsg(m)
		}, dnsx.ErrNetwork, 0},
		{"extra records about other names", func(w dns.ResponseWriter, req *dns.Msg) {
			m := answerA(req)
			for _, s := range []string{"evil.example. 86400 A 192.0.2.66", "example.test. 86400 CNAME evil.example.",
				"www.example.test. 86400 AAAA 2001:db8::66"} {
				rr, _ := dns.NewRR(s)
				m.Answer = append(m.Answer, rr)
			}
			w.WriteMsg(m)
		}, nil, 1},
		{"a forged reply with the wrong ID first", func(w dns.ResponseWriter, req *dns.Msg) {
			forged := answerA(req)
			forged.Id++
			forged.Answer[0].(*dns.A).A = net.IPv4(192, 0, 2, 66)
			w.WriteMsg(forged)
			w.WriteMsg(answerA(req))
		}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startHandler(t, tt.handler)
			r, err := dnsx.New(dnsx.Config{Servers: []string{addr}, Timeout: 200 * time.Millisecond, Attempts: 1})
			must(t, err)
			a, err := r.Query(context.Background(), "www.example.test", dns.TypeA)
			if tt.want != nil {
				if a != nil || !errors.Is(err, tt.want) {
					t.Fatalf("got %v, %v; want %v", a, err, tt.want)
				}
				// Neither a malformed reply nor a network error is
				// cached: the next question asks again.
				sent := r.Stats().Sent
				r.Query(context.Background(), "www.example.test", dns.TypeA)
				if st := r.Stats(); st.Sent != 2*sent || st.Lookups != 2 {
					t.Errorf("stats %+v, want every message sent twice", st)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Records) != tt.records || a.Records[0].(*dns.A).A.String() != "192.0.2.1" {
				t.Errorf("records %v", a.Records)
			}
		})
	}
}

func TestServerNotListening(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	addr := pc.LocalAddr().String()
	pc.Close()
	r, err := dnsx.New(dnsx.Config{Servers: []string{addr}, Timeout: time.Second, Attempts: 2})
	must(t, err)
	start := time.Now()
	_, err = r.Query(context.Background(), "www.example.test", dns.TypeA)
	// The port is closed: ICMP says so at once, which is no timeout.
	if !errors.Is(err, dnsx.ErrNetwork) || errors.Is(err, dnsx.ErrTimeout) || time.Since(start) > 900*time.Millisecond {
		t.Errorf("got %v after %v; want ErrNetwork at once", err, time.Since(start))
	}
	if st := r.Stats(); st.Outcomes.Network != 1 || st.Sent != 2 {
		t.Errorf("stats %+v", st)
	}
}
