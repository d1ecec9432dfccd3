package mtasts_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// testCA is the fixture world's certificate authority, made up for one
// test run.
type testCA struct {
	*fixtures.CA
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	ca, err := fixtures.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{CA: ca, pool: ca.Pool()}
}

// issue returns a server certificate for names signed by the CA.
func (ca *testCA) issue(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	cert, err := ca.Issue(names...)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// startPolicyServer starts an HTTPS server on 127.0.0.1 presenting cert and
// returns its port.
func startPolicyServer(t *testing.T, cert tls.Certificate, h http.Handler) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// startDNS serves the zones (origin → master-file text) on 127.0.0.1 and
// returns the server and a resolver pointed at it.
func startDNS(t *testing.T, zones map[string]string) (*fixtures.DNSServer, *dnsx.Resolver) {
	t.Helper()
	s := fixtures.NewDNSServer()
	for origin, text := range zones {
		if err := s.AddZone(origin, text); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r, err := dnsx.New(dnsx.Config{Servers: []string{s.Addr}, Timeout: 500 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

// recordingDialer dials for real and remembers every address it was asked
// for; with fail set, every call fails the test instead.
type recordingDialer struct {
	t    *testing.T
	fail bool
	mu   sync.Mutex
	addr []string
}

func (d *recordingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	d.mu.Lock()
	d.addr = append(d.addr, address)
	d.mu.Unlock()
	if d.fail {
		d.t.Errorf("dialled %s %s: the address policy should have refused it", network, address)
		return nil, errors.New("test dialer: no connection allowed")
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, address)
}

func (d *recordingDialer) dialled() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addr...)
}
