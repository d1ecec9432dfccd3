package dkimkey

import (
	"errors"
	"testing"
)

// FuzzParseRecord: ParseRecord never panics, always returns a Key, and
// its verdict agrees with what it read.
func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
		"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		"k=ed25519; t=y:s; h=sha256; s=email; n=hi=20there; p=",
		"v=DKIM1;; p=;",
	} {
		f.Add(s)
	}
	sentinels := []error{ErrSyntax, ErrVersion, ErrKeyType, ErrNoKey, ErrKeyData}
	f.Fuzz(func(t *testing.T, txt string) {
		k, err := ParseRecord(txt)
		if k == nil {
			t.Fatal("nil key")
		}
		if err != nil {
			if k.Status != StatusInvalid || k.Err != err {
				t.Fatalf("error %v with status %s", err, k.Status)
			}
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		if _, ok := rank[k.Status]; !ok {
			t.Fatalf("status %q", k.Status)
		}
		switch {
		case k.Revoked:
			if k.Status != StatusRevoked || k.PublicKey != nil {
				t.Fatalf("revoked key with status %s", k.Status)
			}
		case k.PublicKey == nil || k.Bits <= 0:
			t.Fatalf("usable key without PublicKey or bits: %+v", k)
		case k.KeyType == "rsa" && k.Bits < 1024 && k.Status != StatusInsecure && k.Status != StatusInvalid:
			t.Fatalf("%d-bit RSA key with status %s", k.Bits, k.Status)
		case k.KeyType == "ed25519" && k.Bits != 256:
			t.Fatalf("Ed25519 key with %d bits", k.Bits)
		}
	})
}
