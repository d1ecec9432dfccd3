package imapprobe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/netguard"
	"github.com/codeprobe/codeprobe/fixtures"
)

// TestWaitSeesDelivery: the message is delivered only once the probe is
// idling (or, without IDLE, polling), and Wait reports its folder.
func TestWaitSeesDelivery(t *testing.T) {
	tests := []struct {
		name, folder, provider string
		noIdle                 bool
		want                   Kind
		method                 string
	}{
		{"idle inbox", "INBOX", "", false, Inbox, "idle"},
		{"idle junk", "[Gmail]/Spam", "google", false, Junk, "idle"},
		{"idle sweeps other folders", "Receipts", "", false, Other, "idle"},
		{"poll inbox", "INBOX", "", true, Inbox, "poll"},
		{"poll junk", "Spamverdacht", "gmx", true, Junk, "poll"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSeeds(t, 1)
			opts, rec := testOptions()
			opts.Poll = tt.noIdle
			ready := []<-chan struct{}{rec.when("idling on INBOX")}
			if tt.want == Junk {
				ready = append(ready, rec.when("idling on "+tt.folder))
			}
			if tt.noIdle {
				ready = []<-chan struct{}{rec.when("polling")}
			}
			type out struct {
				res *Result
				err error
			}
			done := make(chan out, 1)
			go func() {
				res, err := Wait(context.Background(), account(t, srv, "u1", tt.provider), opts, testToken, time.Now().Add(time.Minute))
				done <- out{res, err}
			}()
			for _, r := range ready {
				select {
				case <-r:
				case o := <-done:
					t.Fatalf("Wait returned before the delivery: %+v, %v\n%s", o.res, o.err, rec.text())
				}
			}
			deliver(t, srv, "u1", tt.folder, message(testToken, "Your code"))
			o := <-done
			if o.err != nil || o.res.Found == nil {
				t.Fatalf("Wait = %+v, %v\n%s", o.res, o.err, rec.text())
			}
			if o.res.Placement != tt.want || o.res.Found.Folder != tt.folder || o.res.Method != tt.method {
				t.Errorf("Wait = %s in %q by %s, want %s in %q by %s", o.res.Placement, o.res.Found.Folder,
					o.res.Method, tt.want, tt.folder, tt.method)
			}
		})
	}
}

// TestWaitMissing: nothing arrives; at the deadline the placement is
// missing, and that is no error.
func TestWaitMissing(t *testing.T) {
	for _, noIdle := range []bool{false, true} {
		t.Run(fmt.Sprintf("noIdle=%v", noIdle), func(t *testing.T) {
			srv := startSeeds(t, 1)
			deliver(t, srv, "u1", "INBOX", filler(1))
			opts, rec := testOptions()
			opts.Poll = noIdle
			res, err := Wait(context.Background(), account(t, srv, "u1", ""), opts, testToken, time.Now().Add(300*time.Millisecond))
			if err != nil || res.Placement != Missing || res.Found != nil {
				t.Fatalf("Wait = %+v, %v; want missing\n%s", res, err, rec.text())
			}
		})
	}
	t.Run("caller cancels", func(t *testing.T) {
		srv := startSeeds(t, 1)
		opts, _ := testOptions()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Wait(ctx, account(t, srv, "u1", ""), opts, testToken, time.Now().Add(time.Minute)); err == nil {
			t.Error("Wait with a cancelled context reported no error: a cancelled probe is not a missing message")
		}
	})
}

func TestDialRefusals(t *testing.T) {
	srv := startSeeds(t, 1)
	ctx := context.Background()
	t.Run("wrong password", func(t *testing.T) {
		acct := account(t, srv, "u1", "")
		acct.Password = NewSecret("wrong")
		opts, _ := testOptions()
		if _, err := Dial(ctx, acct, opts); !errors.Is(err, ErrAuth) {
			t.Errorf("Dial = %v, want ErrAuth", err)
		}
	})
	t.Run("AUTHENTICATE PLAIN", func(t *testing.T) {
		acct := account(t, srv, "u1", "")
		acct.Auth = AuthPlain
		opts, _ := testOptions()
		s, err := Dial(ctx, acct, opts)
		if err != nil {
			t.Fatalf("Dial with PLAIN = %v", err)
		}
		s.Close()
	})
	t.Run("private address from DNS", func(t *testing.T) {
		acct := account(t, srv, "u1", "")
		acct.Host = "imap.seed.test"
		rec := &fixtures.RecordingDialer{}
		_, err := Dial(ctx, acct, &Options{Resolver: staticResolver{"127.0.0.1", "10.1.2.3"}, Guard: &netguard.Guard{Dialer: rec}})
		if !errors.Is(err, netguard.ErrForbidden) || len(rec.Dialled()) != 0 {
			t.Errorf("Dial = %v after dialling %v; want ErrForbidden and nothing dialled", err, rec.Dialled())
		}
	})
	t.Run("plaintext to a public address", func(t *testing.T) {
		acct := account(t, srv, "u1", "")
		acct.Host = "192.0.2.7"
		// The guard lets the address through to a dialer that connects
		// to the loopback seed server instead: no packet leaves.
		opts := &Options{Guard: &netguard.Guard{Dialer: redirect{srv.Addr}, AllowPrivate: true}}
		if _, err := Dial(ctx, acct, opts); !errors.Is(err, ErrPlaintext) {
			t.Errorf("Dial = %v, want ErrPlaintext", err)
		}
		opts.AllowPlaintext = true
		s, err := Dial(ctx, acct, opts)
		if err != nil {
			t.Fatalf("Dial with AllowPlaintext = %v", err)
		}
		s.Close()
	})
	t.Run("invalid account", func(t *testing.T) {
		if _, err := Dial(ctx, &Account{Name: "x", Host: "h", TLS: "ssl3"}, nil); !errors.Is(err, ErrConfig) {
			t.Errorf("Dial = %v, want ErrConfig", err)
		}
	})
}

// TestSilentServer: a server that accepts and never greets yields
// ErrTimeout at the step timeout, not a hang.
func TestSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	acct := &Account{Name: "silent", Host: host, Port: p, TLS: TLSNone, Username: "u", Password: NewSecret("p")}
	opts := &Options{Guard: &netguard.Guard{AllowPrivate: true}, StepTimeout: 200 * time.Millisecond}
	for _, mode := range []TLSMode{TLSNone, TLSImplicit, TLSStartTLS} {
		acct.TLS = mode
		if _, err := Dial(context.Background(), acct, opts); !errors.Is(err, ErrTimeout) {
			t.Errorf("%s: Dial = %v, want ErrTimeout", mode, err)
		}
	}
}

func TestImplicitTLS(t *testing.T) {
	ca, err := fixtures.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue("imap.seed.test")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fixtures.StartSeedServer(fixtures.SeedServerOptions{
		Users: []fixtures.SeedUser{{Username: "u1", Password: testPassword}},
		TLS:   &tls.Config{Certificates: []tls.Certificate{cert}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	deliver(t, srv, "u1", "INBOX", message(testToken, "Your code"))
	acct := account(t, srv, "u1", "")
	acct.Host, acct.TLS = "imap.seed.test", TLSImplicit
	opts, rec := testOptions()
	opts.Resolver = staticResolver{"127.0.0.1"}
	opts.TLSConfig = &tls.Config{RootCAs: ca.Pool()}
	res, err := Wait(context.Background(), acct, opts, testToken, time.Now().Add(time.Minute))
	if err != nil || res.Placement != Inbox {
		t.Fatalf("Wait over TLS = %+v, %v\n%s", res, err, rec.text())
	}
	opts.TLSConfig = nil // the system roots do not know the test CA
	if _, err := Dial(context.Background(), acct, opts); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Dial with an untrusted certificate = %v, want a certificate error", err)
	}
}

// TestNoSecretsAnywhere: the password appears in no step, log line, JSON
// result or error.
func TestNoSecretsAnywhere(t *testing.T) {
	srv := startSeeds(t, 1)
	deliver(t, srv, "u1", "Junk", message(testToken, "Your code"))
	acct := account(t, srv, "u1", "")
	opts, rec := testOptions()
	res, err := Wait(context.Background(), acct, opts, testToken, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	acct.Password = NewSecret("wrong-" + testPassword)
	_, dialErr := Dial(context.Background(), acct, opts)
	resJSON, _ := json.Marshal(res)
	acctJSON, _ := json.Marshal(acct)
	for what, text := range map[string]string{
		"log": rec.text(), "result JSON": string(resJSON), "account JSON": string(acctJSON),
		"account %v": fmt.Sprintf("%v %+v %#v", acct, *acct, acct.Password), "error": fmt.Sprint(dialErr),
	} {
		if strings.Contains(text, testPassword) {
			t.Errorf("%s shows the password: %s", what, text)
		}
	}
	if !strings.Contains(rec.text(), "logged in as u1") {
		t.Errorf("the log does not show the login step, so the test proves nothing:\n%s", rec.text())
	}
}

type staticResolver []string

func (r staticResolver) LookupNetIP(_ context.Context, _, _ string) ([]netipAddr, error) {
	var out []netipAddr
	for _, s := range r {
		out = append(out, mustAddr(s))
	}
	return out, nil
}

// redirect dials the given loopback address whatever it is asked for.
type redirect struct{ to string }

func (r redirect) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, r.to)
}
