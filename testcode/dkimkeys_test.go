//go:debug rsa1024min=0

// The directive above lets the tests make a 512-bit RSA key, which
// crypto/rsa otherwise refuses, to check that LoadKey refuses it.

package testcode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose/dkimkey"
)

// testKeys are made once: RSA-2048 generation takes a while.
var testKeys = map[string]*DKIMKey{}

func testKey(t testing.TB, kind string) *DKIMKey {
	t.Helper()
	if k, ok := testKeys[kind]; ok {
		return &DKIMKey{Selector: "sel-" + kind, Domain: "example.com", signer: k.signer}
	}
	k, err := GenerateKey(kind)
	if err != nil {
		t.Fatal(err)
	}
	testKeys[kind] = k
	return &DKIMKey{Selector: "sel-" + kind, Domain: "example.com", signer: k.signer}
}

func TestGenerateKeyRecord(t *testing.T) {
	tests := []struct {
		kind    string
		bits    int
		strings int    // character-strings in the zone record
		problem string // the one finding dkimkey reports, if any
	}{
		{KeyRSA, 2048, 2, ""},
		// Ed25519 is flagged for information: sign with RSA as well.
		{KeyEd25519, 256, 1, "dkim.ed25519"},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			k := testKey(t, tc.kind)
			if k.Kind() != tc.kind || k.Bits() != tc.bits {
				t.Fatalf("Kind %q Bits %d", k.Kind(), k.Bits())
			}
			rec := k.TXTRecord()
			if !strings.HasPrefix(rec, "v=DKIM1; k="+tc.kind+"; p=") {
				t.Errorf("TXTRecord() = %q", rec)
			}
			// The DKIM checker of the diagnose engine judges the record.
			parsed, err := dkimkey.ParseRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range parsed.Problems {
				ids = append(ids, p.ID)
			}
			if parsed.Status != dkimkey.StatusOK || parsed.KeyType != tc.kind || parsed.Bits != tc.bits || strings.Join(ids, ",") != tc.problem {
				t.Errorf("dkimkey.ParseRecord: status %s, k=%s, %d bits, problems %v", parsed.Status, parsed.KeyType, parsed.Bits, parsed.Problems)
			}
			if !publicEqual(parsed.PublicKey, k) {
				t.Error("the record's public key is not the key's")
			}
			strs := k.TXTStrings()
			if len(strs) != tc.strings || strings.Join(strs, "") != rec {
				t.Errorf("TXTStrings() = %d strings, joined equal %v", len(strs), strings.Join(strs, "") == rec)
			}
			for _, s := range strs {
				if len(s) > 255 {
					t.Errorf("character-string of %d bytes", len(s))
				}
			}
			zone := k.ZoneRecord()
			if !strings.HasPrefix(zone, "sel-"+tc.kind+"._domainkey.example.com. 3600 IN TXT \"v=DKIM1;") {
				t.Errorf("ZoneRecord() = %q", zone)
			}
		})
	}
}

// publicEqual reports whether pub is k's public key.
func publicEqual(pub any, k *DKIMKey) bool {
	eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(k.Public())
}

func TestLoadKey(t *testing.T) {
	for _, kind := range []string{KeyRSA, KeyEd25519} {
		k := testKey(t, kind)
		pemBytes := k.MarshalPEM()
		if !strings.HasPrefix(string(pemBytes), "-----BEGIN PRIVATE KEY-----\n") {
			t.Errorf("%s: MarshalPEM() starts %q", kind, pemBytes[:30])
		}
		back, err := LoadKey(pemBytes)
		if err != nil {
			t.Fatalf("%s: LoadKey: %v", kind, err)
		}
		if back.Kind() != kind || back.TXTRecord() != k.TXTRecord() {
			t.Errorf("%s: LoadKey(MarshalPEM()) is another key", kind)
		}
	}
	rsaKey := testKey(t, KeyRSA).signer.(*rsa.PrivateKey)
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	cert := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	if k, err := LoadKey(append([]byte(cert), pkcs1...)); err != nil || k.Bits() != 2048 {
		t.Errorf("PKCS#1 after a certificate: %v", err)
	}

	small, err := rsa.GenerateKey(rand.Reader, 512)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	tests := []struct {
		name string
		pem  string
		want error
	}{
		{"512-bit RSA", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: smallDER})), ErrWeakKey},
		{"ECDSA", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})), ErrKeyKind},
		{"garbage DER", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", ErrKeyPEM},
		{"no PEM", "hello", ErrKeyPEM},
		{"only a certificate", cert, ErrKeyPEM},
		{"empty", "", ErrKeyPEM},
	}
	for _, tc := range tests {
		if _, err := LoadKey([]byte(tc.pem)); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := GenerateKey("dsa"); !errors.Is(err, ErrKeyKind) {
		t.Errorf("GenerateKey(dsa): %v", err)
	}
	var zero DKIMKey
	if zero.Kind() != "" || zero.Bits() != 0 || zero.TXTRecord() != "" || zero.MarshalPEM() != nil || zero.Public() != nil {
		t.Error("a DKIMKey without a key claims one")
	}
}
