package dane_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/diagnose/dane"
)

func TestTLSACheck(t *testing.T) {
	spki, cert := testKeyMaterial(t)
	tests := []struct {
		rec      dane.TLSA
		want     error // nil: usable
		mnemonic string
	}{
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 1, Data: sha256Hex}, mnemonic: "DANE-EE(3) SPKI(1) SHA2-256(1)"},
		{rec: dane.TLSA{Usage: 2, Selector: 0, MatchingType: 2, Data: sha512Hex}, mnemonic: "DANE-TA(2) Cert(0) SHA2-512(2)"},
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 0, Data: spki}, mnemonic: "DANE-EE(3) SPKI(1) Full(0)"},
		{rec: dane.TLSA{Usage: 2, Selector: 0, MatchingType: 0, Data: cert}},
		{rec: dane.TLSA{Usage: 0, Selector: 0, MatchingType: 1, Data: sha256Hex}, want: dane.ErrPKIXUsage, mnemonic: "PKIX-TA(0) Cert(0) SHA2-256(1)"},
		{rec: dane.TLSA{Usage: 1, Selector: 1, MatchingType: 1, Data: sha256Hex}, want: dane.ErrPKIXUsage, mnemonic: "PKIX-EE(1) SPKI(1) SHA2-256(1)"},
		{rec: dane.TLSA{Usage: 255, Selector: 1, MatchingType: 1, Data: sha256Hex}, want: dane.ErrUnassigned, mnemonic: "unassigned(255) SPKI(1) SHA2-256(1)"},
		{rec: dane.TLSA{Usage: 3, Selector: 2, MatchingType: 1, Data: sha256Hex}, want: dane.ErrUnassigned},
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 3, Data: sha256Hex}, want: dane.ErrUnassigned},
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 1, Data: sha256Hex + "00"}, want: dane.ErrMalformed},
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 2, Data: sha256Hex}, want: dane.ErrMalformed},
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 1, Data: ""}, want: dane.ErrMalformed},
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 1, Data: "xyz"}, want: dane.ErrMalformed},
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 0, Data: cert}, want: dane.ErrMalformed},
		{rec: dane.TLSA{Usage: 3, Selector: 0, MatchingType: 0, Data: spki}, want: dane.ErrMalformed},
		{rec: dane.TLSA{Usage: 3, Selector: 1, MatchingType: 0, Data: spki + "00"}, want: dane.ErrMalformed},
	}
	for _, tc := range tests {
		err := tc.rec.Check()
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%s: %v, want usable", tc.rec, err)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %v, want %v", tc.rec, err, tc.want)
		}
		if tc.mnemonic != "" && tc.rec.Mnemonic() != tc.mnemonic {
			t.Errorf("%s: mnemonic %q, want %q", tc.rec, tc.rec.Mnemonic(), tc.mnemonic)
		}
	}
	if s := (dane.TLSA{Usage: 3, Selector: 1, MatchingType: 1, Data: "ab"}).String(); s != "3 1 1 ab" {
		t.Errorf("String() = %q", s)
	}
	if !strings.Contains((dane.TLSA{Usage: 1}).Check().Error(), "RFC 7672 §3.1.3") {
		t.Error("the PKIX usage error does not cite RFC 7672 §3.1.3")
	}
}
