package auth

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashIsOWASPArgon2idPHC(t *testing.T) {
	h, err := Hash(alicePW)
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(h, want) {
		t.Errorf("Hash = %q, want prefix %q", h, want)
	}
	ok, rehash, err := Verify(h, alicePW)
	if !ok || rehash || err != nil {
		t.Errorf("Verify(right password) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	ok, _, err = Verify(h, alicePW+"!")
	if ok || err != nil {
		t.Errorf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
	}
	h2, _ := Hash(alicePW)
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyBcrypt(t *testing.T) {
	b, err := bcrypt.GenerateFromPassword([]byte(alicePW), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	// $2a$, $2b$ and $2y$ name the same algorithm; x/crypto writes $2a$.
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		h := prefix + string(b[4:])
		ok, rehash, err := Verify(h, alicePW)
		if !ok || !rehash || err != nil {
			t.Errorf("Verify(%s…, right) = %v, %v, %v; want true, true, nil", prefix, ok, rehash, err)
		}
		if ok, _, err := Verify(h, "not the password"); ok || err != nil {
			t.Errorf("Verify(%s…, wrong) = %v, %v; want false, nil", prefix, ok, err)
		}
	}
}

func TestVerifyNeedsRehashWhenWeaker(t *testing.T) {
	cur := DefaultParams()
	tests := []struct {
		name string
		p    Params
		want bool
	}{
		{"same", cur, false},
		{"less memory", Params{Memory: 12288, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"fewer passes", Params{Memory: 19456, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"shorter salt", Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 32}, true},
		{"stronger", Params{Memory: 47104, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}, false},
	}
	for _, tt := range tests {
		h, err := tt.p.Hash(alicePW)
		if err != nil {
			t.Fatal(err)
		}
		ok, rehash, err := cur.Verify(h, alicePW)
		if !ok || err != nil || rehash != tt.want {
			t.Errorf("%s: Verify = %v, %v, %v; want true, %v, nil", tt.name, ok, rehash, err, tt.want)
		}
	}
}

func TestVerifyRefusesMalformedAndAbsurdHashes(t *testing.T) {
	salt, key := "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	good := "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key
	if _, err := parsePHC(good); err != nil {
		t.Fatalf("parsePHC(good) = %v", err)
	}
	bad := []struct{ hash, why string }{
		{"", "six"},
		{"plaintext password", "six"},
		{"$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key, "argon2id"},
		{"$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key, "version"},
		{"$argon2id$m=19456,t=2,p=1$" + salt + "$" + key, "six"},
		{"$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key, "parameter 1"},
		{"$argon2id$v=19$m=19456,t=2$" + salt + "$" + key, "exactly"},
		{"$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key, "leading zero"},
		{"$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key, "decimal"},
		{"$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key, "above the limit"},
		{"$argon2id$v=19$m=19456,t=4294967295,p=1$" + salt + "$" + key, "above the limit"},
		{"$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key, "time cost"},
		{"$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key, "parallelism"},
		{"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key, "salt"},
		{"$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key, "salt of 4 bytes"},
		{"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "!", "key"},
		{"$argon2id$v=19$m=19456,t=2,p=1,keyid=x$" + salt + "$" + key, "exactly"},
		{"$2b$31$" + strings.Repeat("a", 53), "bcrypt cost 31"},
		{"$2b$10$" + strings.Repeat("a", 52), "60 characters"},
		{"$2b$1x$" + strings.Repeat("a", 53), "two digits"},
		{"$2b$10$" + strings.Repeat("a", 52) + "*", "alphabet"},
	}
	for _, tt := range bad {
		_, _, err := Verify(tt.hash, alicePW)
		if !errors.Is(err, ErrMalformedHash) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("Verify(%q) error = %v; want ErrMalformedHash saying %q", tt.hash, err, tt.why)
			continue
		}
		if strings.Contains(err.Error(), salt) || strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "aaaa") {
			t.Errorf("Verify(%q) error %q quotes the hash", tt.hash, err)
		}
	}
}

func TestParamsValidateRefusesUnusableConfig(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 19456, Time: 2, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: 1 << 20, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
	} {
		if _, err := p.Hash(alicePW); err == nil {
			t.Errorf("%+v.Hash succeeded; want a refusal", p)
		}
	}
}

// BenchmarkHash and BenchmarkVerify measure the cost of a login with the
// default parameters; ms/op is the figure to watch.
func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash(alicePW); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

func BenchmarkVerify(b *testing.B) {
	h, err := Hash(alicePW)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, _ := Verify(h, alicePW); !ok {
			b.Fatal("Verify failed")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}
