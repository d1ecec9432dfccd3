package dane_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dane"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

var (
	sha256Hex = strings.Repeat("ab", 32)
	sha512Hex = strings.Repeat("cd", 64)
)

// testKeyMaterial returns the DER SubjectPublicKeyInfo and a self-signed
// DER certificate of a fresh key, in hex.
func testKeyMaterial(t *testing.T) (spki, cert string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spkiDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.secure.test"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(spkiDER), hex.EncodeToString(certDER)
}

func startDNS(t *testing.T, setup func(*fixtures.DNSServer)) *dnsx.Resolver {
	t.Helper()
	s := fixtures.NewDNSServer()
	setup(s)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r, err := dnsx.New(dnsx.Config{Servers: []string{s.Addr}, Timeout: 300 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func addZone(t *testing.T, s *fixtures.DNSServer, origin, text string) {
	t.Helper()
	if err := s.AddZone(origin, text); err != nil {
		t.Fatal(err)
	}
}

// hostCase is one MX host and what checking its TLSA records must find.
type hostCase struct {
	host     string
	port     int
	status   dane.Status
	secure   bool
	records  int
	usable   int
	problems []string
}

// startTLSAWorld serves secure.test (signed, TLSA records of every kind)
// and insecure.test (unsigned).
func startTLSAWorld(t *testing.T) *dnsx.Resolver {
	spki, cert := testKeyMaterial(t)
	return startDNS(t, func(s *fixtures.DNSServer) {
		addZone(t, s, "secure.test.", `
@                   SOA   ns1 host 1 2 3 4 60
@                   MX    10 mx
mx                  A     192.0.2.1
_25._tcp.mx         TLSA  3 1 1 `+sha256Hex+`
_25._tcp.mx         TLSA  3 1 2 `+sha512Hex+`
_2525._tcp.mx       TLSA  2 0 1 `+sha256Hex+`
_25._tcp.spki       TLSA  3 1 0 `+spki+`
_25._tcp.cert       TLSA  2 0 0 `+cert+`
_25._tcp.pkix       TLSA  0 0 1 `+sha256Hex+`
_25._tcp.pkix       TLSA  1 1 1 `+sha256Hex+`
_25._tcp.mixed      TLSA  1 1 1 `+sha256Hex+`
_25._tcp.mixed      TLSA  3 1 1 `+sha256Hex+`
_25._tcp.short      TLSA  3 1 1 abcd
_25._tcp.short512   TLSA  3 1 2 `+sha256Hex+`
_25._tcp.unassigned TLSA  4 1 1 `+sha256Hex+`
_25._tcp.unassigned TLSA  3 2 1 `+sha256Hex+`
_25._tcp.unassigned TLSA  3 1 3 `+sha256Hex+`
_25._tcp.empty      TLSA  \# 3 030101
_25._tcp.garbage    TLSA  3 1 0 3000ff
_25._tcp.alias      CNAME _25._tcp.mx
`)
		s.MarkSecure("secure.test.")
		addZone(t, s, "insecure.test.", `
@            SOA   ns1 host 1 2 3 4 60
_25._tcp.mx  TLSA  3 1 1 `+sha256Hex+`
_25._tcp.pkix TLSA 0 0 1 `+sha256Hex+`
`)
		s.SetBehaviour("_25._tcp.broken.secure.test.", fixtures.Behaviour{ServFail: true})
		s.SetBehaviour("_25._tcp.silent.secure.test.", fixtures.Behaviour{Drop: true})
	})
}

func TestCheckHost(t *testing.T) {
	r := startTLSAWorld(t)
	tests := []hostCase{
		{host: "MX.secure.test.", status: dane.StatusPresent, secure: true, records: 2, usable: 2},
		{host: "mx.secure.test", port: 2525, status: dane.StatusPresent, secure: true, records: 1, usable: 1},
		{host: "spki.secure.test", status: dane.StatusPresent, secure: true, records: 1, usable: 1},
		{host: "cert.secure.test", status: dane.StatusPresent, secure: true, records: 1, usable: 1},
		{host: "alias.secure.test", status: dane.StatusPresent, secure: true, records: 2, usable: 2},
		{host: "mixed.secure.test", status: dane.StatusPresent, secure: true, records: 2, usable: 1,
			problems: []string{dane.ProblemPKIXUsage}},
		{host: "pkix.secure.test", status: dane.StatusUnusable, secure: true, records: 2,
			problems: []string{dane.ProblemPKIXUsage, dane.ProblemPKIXUsage, dane.ProblemUnusable}},
		{host: "short.secure.test", status: dane.StatusUnusable, secure: true, records: 1,
			problems: []string{dane.ProblemMalformed, dane.ProblemUnusable}},
		{host: "short512.secure.test", status: dane.StatusUnusable, secure: true, records: 1,
			problems: []string{dane.ProblemMalformed, dane.ProblemUnusable}},
		{host: "unassigned.secure.test", status: dane.StatusUnusable, secure: true, records: 3,
			problems: []string{dane.ProblemUnassigned, dane.ProblemUnassigned, dane.ProblemUnassigned, dane.ProblemUnusable}},
		{host: "empty.secure.test", status: dane.StatusUnusable, secure: true, records: 1,
			problems: []string{dane.ProblemMalformed, dane.ProblemUnusable}},
		{host: "garbage.secure.test", status: dane.StatusUnusable, secure: true, records: 1,
			problems: []string{dane.ProblemMalformed, dane.ProblemUnusable}},
		{host: "mx.insecure.test", status: dane.StatusInsecure, records: 1, usable: 1,
			problems: []string{dane.ProblemInsecure}},
		{host: "pkix.insecure.test", status: dane.StatusInsecure, records: 1,
			problems: []string{dane.ProblemPKIXUsage, dane.ProblemInsecure}},
		{host: "none.secure.test", status: dane.StatusNone, secure: true},
		{host: "mx.insecure.test", port: 587, status: dane.StatusNone},
		{host: "broken.secure.test", status: dane.StatusTempError, problems: []string{dane.ProblemTempError}},
		{host: "silent.secure.test", status: dane.StatusTempError, problems: []string{dane.ProblemTempError}},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) { checkHostCase(t, r, tc) })
	}
}

func checkHostCase(t *testing.T, r *dnsx.Resolver, tc hostCase) {
	t.Helper()
	start := time.Now()
	res := dane.CheckHost(context.Background(), r, tc.host, tc.port)
	if res.Status != tc.status {
		t.Fatalf("status %q, want %q (%+v)", res.Status, tc.status, res.Problems)
	}
	if res.Secure != tc.secure || len(res.Records) != tc.records || res.Usable != tc.usable {
		t.Errorf("secure %v, %d records, %d usable; want %v, %d, %d", res.Secure, len(res.Records), res.Usable, tc.secure, tc.records, tc.usable)
	}
	var ids []string
	for _, p := range res.Problems {
		if p.Detail == "" || !strings.HasPrefix(p.RFC, "RFC ") {
			t.Errorf("incomplete problem %+v", p)
		}
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, tc.problems) {
		t.Errorf("problems %v, want %v (%+v)", ids, tc.problems, res.Problems)
	}
	port := tc.port
	if port == 0 {
		port = 25
	}
	host := strings.ToLower(strings.TrimSuffix(tc.host, "."))
	if res.Host != host || res.Name != "_"+strconv.Itoa(port)+"._tcp."+host {
		t.Errorf("host %q name %q", res.Host, res.Name)
	}
	if tc.status == dane.StatusTempError {
		if !errors.Is(res.Err, dane.ErrDNS) || res.Answer != nil {
			t.Errorf("err %v, answer %v", res.Err, res.Answer)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("a failing lookup took %v", time.Since(start))
		}
	} else if res.Err != nil || res.Answer == nil {
		t.Errorf("err %v, answer %v", res.Err, res.Answer)
	}
}
