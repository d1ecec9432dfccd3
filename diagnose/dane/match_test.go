package dane

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"testing"
	"time"
)

func selfSigned(t *testing.T) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.example.test"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMatch(t *testing.T) {
	leaf, ca := selfSigned(t), selfSigned(t)
	spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	full := sha512.Sum512(leaf.Raw)
	caSPKI := sha256.Sum256(ca.RawSubjectPublicKeyInfo)
	other := sha256.Sum256([]byte("another key"))
	chain := []*x509.Certificate{leaf, ca}
	h := hex.EncodeToString
	cases := []struct {
		name    string
		records []TLSA
		want    bool
	}{
		{"DANE-EE SPKI SHA-256", []TLSA{{3, 1, 1, h(spki[:])}}, true},
		{"DANE-EE cert SHA-512", []TLSA{{3, 0, 2, h(full[:])}}, true},
		{"DANE-EE full SPKI", []TLSA{{3, 1, 0, h(leaf.RawSubjectPublicKeyInfo)}}, true},
		{"DANE-TA matches the issuer", []TLSA{{2, 1, 1, h(caSPKI[:])}}, true},
		{"DANE-EE does not match the issuer", []TLSA{{3, 1, 1, h(caSPKI[:])}}, false},
		{"a stale key", []TLSA{{3, 1, 1, h(other[:])}}, false},
		{"stale then current (rollover)", []TLSA{{3, 1, 1, h(other[:])}, {3, 1, 1, h(spki[:])}}, true},
		{"PKIX-EE never matches for SMTP", []TLSA{{1, 1, 1, h(spki[:])}}, false},
		{"no records", nil, false},
	}
	for _, c := range cases {
		if _, ok := Match(c.records, chain); ok != c.want {
			t.Errorf("%s: matched %v, want %v", c.name, ok, c.want)
		}
	}
	if _, ok := Match([]TLSA{{3, 1, 1, h(spki[:])}}, nil); ok {
		t.Error("an empty chain matched")
	}
}
