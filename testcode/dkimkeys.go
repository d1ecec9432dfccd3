package testcode

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// Key kinds accepted by [GenerateKey] and reported by [DKIMKey.Kind]: the
// k= values of RFC 6376 §3.6.1 and RFC 8463 §4.2.
const (
	KeyRSA     = "rsa"
	KeyEd25519 = "ed25519"
)

// RSABits is the size of the RSA keys [GenerateKey] makes: the size RFC 8301
// §3.2 says signers SHOULD use.
const RSABits = 2048

// MinRSABits is the smallest RSA key [LoadKey] accepts: verifiers MUST NOT
// count signatures made with smaller keys (RFC 8301 §3.2).
const MinRSABits = 1024

// maxTXTString is the longest character-string of a TXT record (RFC 1035
// §3.3: a length octet, so at most 255 bytes).
const maxTXTString = 255

var (
	// ErrKeyKind: a key kind other than "rsa" and "ed25519".
	ErrKeyKind = errors.New("unsupported DKIM key kind")
	// ErrKeyPEM: the PEM data holds no private key codeprobe can sign with.
	ErrKeyPEM = errors.New("no usable DKIM private key in PEM data")
	// ErrWeakKey: an RSA key smaller than MinRSABits.
	ErrWeakKey = errors.New("RSA key too small for DKIM")
)

// DKIMKey is a private key to sign test messages with (RFC 6376), and where
// its public half is published: the TXT record at
// Selector._domainkey.Domain (RFC 6376 §3.6.2.1). Domain is the d= of the
// signatures; it must be the sender's domain or a parent of it, so that the
// signature aligns for DMARC (RFC 7489 §3.1.1).
//
// Only [GenerateKey] and [LoadKey] make a usable DKIMKey; the zero value has
// no key, and [Sender.Compose] refuses it.
type DKIMKey struct {
	Selector string
	Domain   string
	// signer is the private key: *rsa.PrivateKey or ed25519.PrivateKey.
	signer crypto.Signer
}

// GenerateKey makes a new key from crypto/rand: kind "rsa" gives RSA-2048,
// "ed25519" an Ed25519 key (RFC 8463). Selector and Domain are left for the
// caller to set.
func GenerateKey(kind string) (*DKIMKey, error) {
	switch kind {
	case KeyRSA:
		k, err := rsa.GenerateKey(rand.Reader, RSABits)
		if err != nil {
			return nil, fmt.Errorf("testcode: generating RSA key: %w", err)
		}
		return &DKIMKey{signer: k}, nil
	case KeyEd25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("testcode: generating Ed25519 key: %w", err)
		}
		return &DKIMKey{signer: k}, nil
	}
	return nil, fmt.Errorf("%w: %q (want %q or %q)", ErrKeyKind, kind, KeyRSA, KeyEd25519)
}

// LoadKey reads a private key in PEM: PKCS#8 ("PRIVATE KEY", RFC 5958), as
// [DKIMKey.MarshalPEM] writes and `openssl genpkey` makes, or PKCS#1
// ("RSA PRIVATE KEY"), as older DKIM tools write. Only the first key block is
// used; other blocks (certificates, parameters) are skipped.
func LoadKey(pemBytes []byte) (*DKIMKey, error) {
	rest := pemBytes
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, ErrKeyPEM
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s block: %v", ErrKeyPEM, block.Type, err)
		}
		return keyFrom(key)
	}
}

// keyFrom checks that key is one DKIM can sign with.
func keyFrom(key any) (*DKIMKey, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < MinRSABits {
			return nil, fmt.Errorf("%w: %d bits, at least %d needed (RFC 8301 §3.2)", ErrWeakKey, bits, MinRSABits)
		}
		return &DKIMKey{signer: k}, nil
	case ed25519.PrivateKey:
		return &DKIMKey{signer: k}, nil
	}
	return nil, fmt.Errorf("%w: %T keys are not used for DKIM", ErrKeyKind, key)
}

// Kind returns "rsa" or "ed25519", the k= of the key record, or "" for a
// DKIMKey without a key.
func (k *DKIMKey) Kind() string {
	switch k.signer.(type) {
	case *rsa.PrivateKey:
		return KeyRSA
	case ed25519.PrivateKey:
		return KeyEd25519
	}
	return ""
}

// Bits returns the RSA modulus size, 256 for Ed25519, 0 without a key.
func (k *DKIMKey) Bits() int {
	switch sk := k.signer.(type) {
	case *rsa.PrivateKey:
		return sk.N.BitLen()
	case ed25519.PrivateKey:
		return 256
	}
	return 0
}

// Public returns the public key, *rsa.PublicKey or ed25519.PublicKey, or
// nil without a key.
func (k *DKIMKey) Public() crypto.PublicKey {
	if k.signer == nil {
		return nil
	}
	return k.signer.Public()
}

// MarshalPEM returns the private key as a PKCS#8 "PRIVATE KEY" PEM block
// (RFC 5958, RFC 7468 §10), to keep in a file readable by the sender only.
// It returns nil for a DKIMKey without a key.
func (k *DKIMKey) MarshalPEM() []byte {
	if k.Kind() == "" {
		return nil
	}
	// RSA and Ed25519 keys always marshal.
	der, err := x509.MarshalPKCS8PrivateKey(k.signer)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// Name returns the DNS name the key record is published at,
// Selector._domainkey.Domain (RFC 6376 §3.6.2.1), without a trailing dot.
func (k *DKIMKey) Name() string {
	return k.Selector + "._domainkey." + strings.TrimSuffix(k.Domain, ".")
}

// TXTRecord returns the key record in its one-line form,
// "v=DKIM1; k=rsa; p=…" (RFC 6376 §3.6.1): for Ed25519 p= is the raw
// 32-byte public key (RFC 8463 §4.2), for RSA the SubjectPublicKeyInfo
// (RFC 6376 §3.6.1). This is what a DNS provider's web form wants. It
// returns "" for a DKIMKey without a key.
func (k *DKIMKey) TXTRecord() string {
	var p []byte
	switch sk := k.signer.(type) {
	case ed25519.PrivateKey:
		p = sk.Public().(ed25519.PublicKey)
	case *rsa.PrivateKey:
		der, err := x509.MarshalPKIXPublicKey(&sk.PublicKey)
		if err != nil {
			return ""
		}
		p = der
	default:
		return ""
	}
	return "v=DKIM1; k=" + k.Kind() + "; p=" + base64.StdEncoding.EncodeToString(p)
}

// TXTStrings returns TXTRecord cut into character-strings of at most 255
// bytes (RFC 1035 §3.3); receivers join them without separator (RFC 6376
// §3.6.2.2).
func (k *DKIMKey) TXTStrings() []string {
	rec := k.TXTRecord()
	var out []string
	for len(rec) > maxTXTString {
		out = append(out, rec[:maxTXTString])
		rec = rec[maxTXTString:]
	}
	return append(out, rec)
}

// ZoneRecord returns the key record as a line of an RFC 1035 §5.1 zone file,
// with the absolute owner name, a TTL of one hour and the record cut into
// quoted strings of at most 255 bytes, e.g.
//
//	s1._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=rsa; p=MIIB…" "…"
func (k *DKIMKey) ZoneRecord() string {
	return k.Name() + ". 3600 IN TXT \"" + strings.Join(k.TXTStrings(), "\" \"") + "\""
}
