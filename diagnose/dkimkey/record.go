package dkimkey

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// tag is one tag=value pair of a tag-list (RFC 6376 §3.2).
type tag struct{ name, value string }

// fws is the folding white space RFC 6376 §3.2 allows around tags and
// inside base64 values.
const fws = " \t\r\n"

// ParseRecord parses a DKIM key record (RFC 6376 §3.6.1), the strings of
// its TXT record joined, and judges its key (RFC 8301, RFC 8463).
//
// The returned Key is never nil: on error it holds what could be read,
// with Status invalid and a dkim.invalid problem. Errors wrap ErrSyntax,
// ErrVersion, ErrKeyType, ErrNoKey or ErrKeyData.
func ParseRecord(txt string) (*Key, error) {
	k := &Key{Raw: txt, KeyType: "rsa", Status: StatusOK}
	if err := k.parse(txt); err != nil {
		k.Status, k.Err = StatusInvalid, err
		k.add("dkim.invalid", "RFC 6376 §3.6.1", err.Error())
		return k, err
	}
	k.judge()
	return k, nil
}

// parse reads the tags of txt into k and decodes the key.
func (k *Key) parse(txt string) error {
	tags, err := parseTagList(txt)
	if err != nil {
		return err
	}
	var key string
	hasKey := false
	for i, t := range tags {
		switch t.name {
		case "v":
			// RFC 6376 §3.6.1: v= MUST be first and MUST be DKIM1.
			if i != 0 || t.value != "DKIM1" {
				return fmt.Errorf("%w: v=%s (must be the first tag and DKIM1)", ErrVersion, t.value)
			}
			k.Version = t.value
		case "k":
			if t.value != "rsa" && t.value != "ed25519" {
				return fmt.Errorf("%w: k=%s (rsa or ed25519, RFC 6376 §3.6.1, RFC 8463 §4.2)", ErrKeyType, t.value)
			}
			k.KeyType = t.value
		case "h":
			k.HashAlgs = splitList(t.value)
		case "s":
			k.ServiceTypes = splitList(t.value)
		case "t":
			for _, f := range splitList(t.value) {
				k.Testing = k.Testing || f == "y"
				k.Strict = k.Strict || f == "s"
			}
		case "n":
			k.Notes = decodeQP(t.value)
		case "p":
			key, hasKey = t.value, true
		}
		// Other tags, such as RFC 4871's g=, are ignored (RFC 6376 §3.2).
	}
	if !hasKey {
		return fmt.Errorf("%w (RFC 6376 §3.6.1)", ErrNoKey)
	}
	key = strings.Map(func(r rune) rune {
		if strings.ContainsRune(fws, r) {
			return -1
		}
		return r
	}, key)
	if key == "" {
		k.Revoked = true
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return fmt.Errorf("%w: p= is not base64: %v", ErrKeyData, err)
	}
	return k.decodeKey(der)
}

// parseTagList splits a tag-list (RFC 6376 §3.2). Empty tag-specs, which
// stray semicolons make, are skipped as verifiers do.
func parseTagList(s string) ([]tag, error) {
	var tags []tag
	seen := map[string]bool{}
	for _, spec := range strings.Split(s, ";") {
		if strings.Trim(spec, fws) == "" {
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a tag=value pair", ErrSyntax, strings.Trim(spec, fws))
		}
		name = strings.Trim(name, fws)
		if !validTagName(name) {
			return nil, fmt.Errorf("%w: %q is not a tag name", ErrSyntax, name)
		}
		if seen[name] {
			// RFC 6376 §3.2: a duplicate makes the entire tag-list invalid.
			return nil, fmt.Errorf("%w: tag %s appears twice", ErrSyntax, name)
		}
		seen[name] = true
		tags = append(tags, tag{name, strings.Trim(value, fws)})
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("%w: empty record", ErrSyntax)
	}
	return tags, nil
}

// decodeKey decodes p= for k.KeyType: an RSA key as SubjectPublicKeyInfo
// or, as some publish it, a bare PKCS#1 RSAPublicKey (RFC 6376 §3.6.1);
// an Ed25519 key as its raw 32 bytes (RFC 8463 §4.2).
func (k *Key) decodeKey(der []byte) error {
	spki, spkiErr := x509.ParsePKIXPublicKey(der)
	if k.KeyType == "ed25519" {
		if len(der) == ed25519.PublicKeySize {
			k.Bits, k.Format, k.PublicKey = 256, "raw", ed25519.PublicKey(der)
			return nil
		}
		switch spki.(type) {
		case ed25519.PublicKey:
			return fmt.Errorf("%w: p= holds a SubjectPublicKeyInfo; RFC 8463 §4.2 wants the bare 32-byte Ed25519 key", ErrKeyData)
		case *rsa.PublicKey:
			return fmt.Errorf("%w: k=ed25519 but p= holds an RSA key", ErrKeyData)
		}
		return fmt.Errorf("%w: an Ed25519 key is 32 bytes, p= has %d (RFC 8463 §4.2)", ErrKeyData, len(der))
	}
	var pub *rsa.PublicKey
	switch pk := spki.(type) {
	case *rsa.PublicKey:
		pub, k.Format = pk, "spki"
	case ed25519.PublicKey:
		return fmt.Errorf("%w: p= holds an Ed25519 key but k= says rsa; set k=ed25519 and publish the bare key (RFC 8463 §4.2)", ErrKeyData)
	case nil:
		pk1, err := x509.ParsePKCS1PublicKey(der)
		if err != nil {
			if len(der) == ed25519.PublicKeySize {
				return fmt.Errorf("%w: p= looks like an Ed25519 key but k= is rsa (the default); add k=ed25519", ErrKeyData)
			}
			return fmt.Errorf("%w: p= is not an RSA public key: %v", ErrKeyData, spkiErr)
		}
		pub, k.Format = pk1, "pkcs1"
	default:
		return fmt.Errorf("%w: p= holds a %T, not an RSA key", ErrKeyData, spki)
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return fmt.Errorf("%w: RSA public exponent %d is not an odd number of at least 3", ErrKeyData, pub.E)
	}
	k.Bits, k.PublicKey = pub.N.BitLen(), pub
	return nil
}

// judge sets Status and the problems of a key that parsed.
func (k *Key) judge() {
	if k.Revoked {
		k.Status = StatusRevoked
		k.add("dkim.revoked", "RFC 6376 §3.6.1", "p= is empty: the key has been revoked and signatures with it fail")
		return
	}
	if len(k.ServiceTypes) > 0 && !slices.Contains(k.ServiceTypes, "*") && !slices.Contains(k.ServiceTypes, "email") {
		k.worsen(StatusInvalid)
		k.add("dkim.not-email", "RFC 6376 §3.6.1", fmt.Sprintf(
			"s=%s: the key is for other services, and email verifiers ignore it", strings.Join(k.ServiceTypes, ":")))
	}
	k.judgeHashes()
	switch {
	case k.KeyType == "ed25519":
		k.add("dkim.ed25519", "RFC 8463 §3", "an Ed25519 key: not every verifier supports it yet, so sign with an RSA key as well")
	case k.Bits < 1024:
		k.worsen(StatusInsecure)
		k.add("dkim.rsa-insecure", "RFC 8301 §3.2", fmt.Sprintf(
			"a %d-bit RSA key: verifiers must not count signatures made with keys under 1024 bits", k.Bits))
	case k.Bits < 2048:
		k.worsen(StatusWeak)
		k.add("dkim.rsa-weak", "RFC 8301 §3.2", fmt.Sprintf(
			"a %d-bit RSA key: accepted, but signers should use at least 2048 bits", k.Bits))
	case k.Bits > 4096:
		k.add("dkim.rsa-large", "RFC 8301 §3.2", fmt.Sprintf(
			"a %d-bit RSA key: verifiers need only handle keys up to 4096 bits", k.Bits))
	}
	if k.Format == "pkcs1" {
		k.add("dkim.pkcs1", "RFC 6376 §3.6.1", "p= is a bare PKCS#1 RSAPublicKey; most signers publish a SubjectPublicKeyInfo and some verifiers accept only that")
	}
	if k.Testing {
		k.add("dkim.testing", "RFC 6376 §3.6.1", "t=y: the domain is testing DKIM, and verifiers may treat its signed mail as unsigned")
	}
}

// judgeHashes checks h= (RFC 8301 §3.1: SHA-1 must not be used).
func (k *Key) judgeHashes() {
	if len(k.HashAlgs) == 0 {
		return
	}
	sha256 := slices.Contains(k.HashAlgs, "sha256")
	sha1 := slices.Contains(k.HashAlgs, "sha1")
	switch {
	case !sha256 && !sha1:
		k.worsen(StatusInvalid)
		k.add("dkim.hash-unknown", "RFC 6376 §3.6.1", fmt.Sprintf(
			"h=%s names no hash algorithm verifiers know", strings.Join(k.HashAlgs, ":")))
	case !sha256:
		k.worsen(StatusInsecure)
		k.add("dkim.sha1-only", "RFC 8301 §3.1",
			"h=sha1: the key allows only SHA-1, and verifiers must not count rsa-sha1 signatures")
	}
}

// splitList splits a colon-separated tag value, trimming white space and
// dropping empty elements.
func splitList(v string) []string {
	var out []string
	for _, e := range strings.Split(v, ":") {
		if e = strings.Trim(e, fws); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// decodeQP decodes the =XX escapes of a qp-section (RFC 6376 §2.11);
// malformed escapes are kept as written.
func decodeQP(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// validTagName: ALPHA *ALNUMPUNC (RFC 6376 §3.2).
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '_')) {
			return false
		}
	}
	return true
}
