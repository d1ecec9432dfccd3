//go:debug rsa1024min=0

// The directive above lets the tests generate a 512-bit RSA key, which
// crypto/rsa otherwise refuses, to check that such keys are judged
// insecure.

package dkimkey

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

// sharedFile finds rel under the shared/ directory of an enclosing
// directory (the project lives next to it), or skips the test.
func sharedFile(t *testing.T, rel string) string {
	t.Helper()
	return testenv.Shared(t, rel)
}

func readShared(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(sharedFile(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func ids(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// TestDkimpyRecords parses the key records of dkimpy's test suite.
func TestDkimpyRecords(t *testing.T) {
	tests := []struct {
		file     string
		status   Status
		err      error
		keyType  string
		bits     int
		version  string
		problems []string
	}{
		{"test.txt", StatusWeak, nil, "rsa", 1024, "DKIM1", []string{"dkim.rsa-weak"}},
		{"test2.txt", StatusWeak, nil, "rsa", 1024, "DKIM1", []string{"dkim.rsa-weak"}}, // no k=: rsa is the default
		{"badk.txt", StatusInvalid, ErrKeyType, "rsa", 0, "DKIM1", []string{"dkim.invalid"}},
		{"badversion.txt", StatusInvalid, ErrVersion, "rsa", 0, "", []string{"dkim.invalid"}},
		{"test_bad.txt", StatusInvalid, ErrKeyData, "rsa", 0, "DKIM1", []string{"dkim.invalid"}}, // a truncated key
		{"test_tlsrpt.txt", StatusInvalid, nil, "rsa", 1024, "DKIM1", []string{"dkim.not-email", "dkim.rsa-weak"}},
		{"ed25519test.dns", StatusOK, nil, "ed25519", 256, "", []string{"dkim.ed25519"}},
		{"eximtest.dns", StatusOK, nil, "ed25519", 256, "DKIM1", []string{"dkim.ed25519"}},
	}
	passed := 0
	for _, tt := range tests {
		txt := readShared(t, "conformance/dkim/dkimpy/"+tt.file)
		k, err := ParseRecord(txt)
		if k == nil {
			t.Fatalf("%s: nil key", tt.file)
		}
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) || k.Status != tt.status ||
			k.KeyType != tt.keyType || k.Bits != tt.bits || k.Version != tt.version || !slices.Equal(ids(k.Problems), tt.problems) {
			t.Errorf("%s: status %s err %v type %s bits %d version %q problems %v; want %s %v %s %d %q %v",
				tt.file, k.Status, err, k.KeyType, k.Bits, k.Version, ids(k.Problems),
				tt.status, tt.err, tt.keyType, tt.bits, tt.version, tt.problems)
			continue
		}
		passed++
	}
	t.Logf("dkimpy key records: %d/%d passed", passed, len(tests))
}

// TestDkimpyKeyPairs checks that the decoded public keys are the ones that
// belong to dkimpy's private keys, so the key bytes are decoded right.
func TestDkimpyKeyPairs(t *testing.T) {
	block, _ := pem.Decode([]byte(readShared(t, "conformance/dkim/dkimpy/test.private")))
	if block == nil {
		t.Fatal("test.private: no PEM block")
	}
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseRecord(readShared(t, "conformance/dkim/dkimpy/test.txt"))
	if err != nil || !priv.PublicKey.Equal(k.PublicKey) {
		t.Errorf("test.txt does not hold test.private's public key (err %v)", err)
	}

	seed, err := base64.StdEncoding.DecodeString(readShared(t, "conformance/dkim/dkimpy/ed25519test.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public()
	k, err = ParseRecord(readShared(t, "conformance/dkim/dkimpy/ed25519test.dns"))
	if err != nil || !pub.(ed25519.PublicKey).Equal(k.PublicKey) {
		t.Errorf("ed25519test.dns does not hold ed25519test.key's public key (err %v)", err)
	}
}

// rsaKeys are fresh RSA keys by size, generated once.
var rsaKeys = map[int]*rsa.PrivateKey{}

// rsaRecord returns a key record for a fresh RSA key of the given size,
// as SubjectPublicKeyInfo or as a bare PKCS#1 RSAPublicKey.
func rsaRecord(t *testing.T, bits int, pkcs1 bool) string {
	t.Helper()
	priv := rsaKeys[bits]
	if priv == nil {
		var err error
		if priv, err = rsa.GenerateKey(rand.Reader, bits); err != nil {
			t.Fatal(err)
		}
		rsaKeys[bits] = priv
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if pkcs1 {
		der = x509.MarshalPKCS1PublicKey(&priv.PublicKey)
	}
	if err != nil {
		t.Fatal(err)
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
}

// bigRSARecord returns a record with an RSA public key of the given size
// whose modulus is random rather than a product of two primes: enough to
// judge the size without generating a huge key.
func bigRSARecord(t *testing.T, bits int) string {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
	if err != nil {
		t.Fatal(err)
	}
	n.SetBit(n, bits-1, 1)
	n.SetBit(n, 0, 1)
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	return "p=" + base64.StdEncoding.EncodeToString(der)
}

func TestGeneratedKeys(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	edRaw := base64.StdEncoding.EncodeToString(pub)
	edSPKI := base64.StdEncoding.EncodeToString(spki)
	tests := []struct {
		name   string
		txt    string
		status Status
		bits   int
		format string
		err    error
	}{
		{"rsa512", rsaRecord(t, 512, false), StatusInsecure, 512, "spki", nil},
		{"rsa1024", rsaRecord(t, 1024, false), StatusWeak, 1024, "spki", nil},
		{"rsa2048", rsaRecord(t, 2048, false), StatusOK, 2048, "spki", nil},
		{"rsa2048-pkcs1", rsaRecord(t, 2048, true), StatusOK, 2048, "pkcs1", nil},
		{"rsa8192", bigRSARecord(t, 8192), StatusOK, 8192, "spki", nil},
		{"ed25519", "v=DKIM1; k=ed25519; p=" + edRaw, StatusOK, 256, "raw", nil},
		{"ed25519-spki", "v=DKIM1; k=ed25519; p=" + edSPKI, StatusInvalid, 0, "", ErrKeyData},
		{"ed25519-without-k", "v=DKIM1; p=" + edRaw, StatusInvalid, 0, "", ErrKeyData},
		{"ed25519-spki-as-rsa", "v=DKIM1; k=rsa; p=" + edSPKI, StatusInvalid, 0, "", ErrKeyData},
		{"rsa-as-ed25519", strings.Replace(rsaRecord(t, 1024, false), "k=rsa", "k=ed25519", 1), StatusInvalid, 0, "", ErrKeyData},
	}
	for _, tt := range tests {
		k, err := ParseRecord(tt.txt)
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) || k.Status != tt.status || k.Bits != tt.bits || k.Format != tt.format {
			t.Errorf("%s: status %s bits %d format %q err %v problems %v; want %s %d %q %v",
				tt.name, k.Status, k.Bits, k.Format, err, ids(k.Problems), tt.status, tt.bits, tt.format, tt.err)
		}
		if err == nil && k.PublicKey == nil {
			t.Errorf("%s: no PublicKey", tt.name)
		}
	}
}

func TestParseRecordTags(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		txt      string
		status   Status
		err      error
		check    func(*Key) bool
		problems []string
	}{
		{"v=DKIM1; p=", StatusRevoked, nil, func(k *Key) bool { return k.Revoked }, []string{"dkim.revoked"}},
		{"v=DKIM1; k=ed25519; p= ; t=y", StatusRevoked, nil, func(k *Key) bool { return k.Revoked && k.Testing }, []string{"dkim.revoked"}},
		{"k=ed25519; t = y : s : x; h=sha256; s=email:*; n=a=3Db=; p=" + key[:10] + " \r\n\t" + key[10:], StatusOK, nil,
			func(k *Key) bool {
				return k.Testing && k.Strict && slices.Equal(k.HashAlgs, []string{"sha256"}) &&
					slices.Equal(k.ServiceTypes, []string{"email", "*"}) && k.Notes == "a=b="
			}, []string{"dkim.ed25519", "dkim.testing"}},
		{"k=ed25519; h=sha1; p=" + key, StatusInsecure, nil, nil, []string{"dkim.sha1-only", "dkim.ed25519"}},
		{"k=ed25519; h=sha1:sha256; p=" + key, StatusOK, nil, nil, []string{"dkim.ed25519"}},
		{"k=ed25519; h=md5; p=" + key, StatusInvalid, nil, nil, []string{"dkim.hash-unknown", "dkim.ed25519"}},
		{"k=ed25519; s=tlsrpt; p=" + key, StatusInvalid, nil, nil, []string{"dkim.not-email", "dkim.ed25519"}},
		{"k=ed25519; g=*; future_tag=1; p=" + key + ";", StatusOK, nil, nil, []string{"dkim.ed25519"}},
		{"k=ed25519;; p=" + key + ";;", StatusOK, nil, nil, []string{"dkim.ed25519"}},
		{"k=ed25519; v=DKIM1; p=" + key, StatusInvalid, ErrVersion, nil, []string{"dkim.invalid"}},
		{"v=DKIM2; p=" + key, StatusInvalid, ErrVersion, nil, []string{"dkim.invalid"}},
		{"v=DKIM1; k=ed25519; p=" + key + "; p=" + key, StatusInvalid, ErrSyntax, nil, []string{"dkim.invalid"}},
		{"v=DKIM1; K=ed25519; p=" + key, StatusInvalid, ErrKeyData, nil, []string{"dkim.invalid"}}, // tag names are case-sensitive: K= is unknown
		{"v=DKIM1; k=dsa; p=" + key, StatusInvalid, ErrKeyType, nil, []string{"dkim.invalid"}},
		{"v=DKIM1; k=ed25519", StatusInvalid, ErrNoKey, nil, []string{"dkim.invalid"}},
		{"v=DKIM1; k=ed25519; p=\"" + key + "\"", StatusInvalid, ErrKeyData, nil, []string{"dkim.invalid"}},
		{"v=DKIM1; k=ed25519; p=" + strings.TrimRight(key, "="), StatusInvalid, ErrKeyData, nil, []string{"dkim.invalid"}},
		{"v=DKIM1 k=ed25519", StatusInvalid, ErrVersion, nil, []string{"dkim.invalid"}},
		{"hello world", StatusInvalid, ErrSyntax, nil, []string{"dkim.invalid"}},
		{"", StatusInvalid, ErrSyntax, nil, []string{"dkim.invalid"}},
		{"1v=DKIM1; p=", StatusInvalid, ErrSyntax, nil, []string{"dkim.invalid"}},
	}
	for _, tt := range tests {
		k, err := ParseRecord(tt.txt)
		if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) || k.Status != tt.status ||
			!slices.Equal(ids(k.Problems), tt.problems) || (tt.check != nil && !tt.check(k)) {
			t.Errorf("ParseRecord(%q) = status %s err %v problems %v, %+v; want %s %v %v",
				tt.txt, k.Status, err, ids(k.Problems), k, tt.status, tt.err, tt.problems)
		}
	}
}

func TestParseRecordRSAExponent(t *testing.T) {
	n := new(big.Int).Lsh(big.NewInt(1), 2047)
	n.SetBit(n, 0, 1)
	for _, e := range []int{65536, 1} {
		der := x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: n, E: e})
		_, err := ParseRecord("p=" + base64.StdEncoding.EncodeToString(der))
		if !errors.Is(err, ErrKeyData) {
			t.Errorf("exponent %d: err %v, want ErrKeyData", e, err)
		}
	}
}
