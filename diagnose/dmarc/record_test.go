package dmarc

import (
	"errors"
	"slices"
	"testing"
)

func TestParseRecordErrors(t *testing.T) {
	// Each record has a valid p, so the error comes from the part named.
	tests := []struct {
		txt  string
		want error
	}{
		{"", ErrNotDMARC},
		{" v=DMARC1; p=none", ErrNotDMARC},                // white space before v (RFC 7489 §6.6.3 step 2)
		{"p=none; v=DMARC1", ErrNotDMARC},                 // v not first
		{"v=dmarc1; p=none", ErrNotDMARC},                 // the version is case-sensitive
		{"v=DMARC1 p=none", ErrNotDMARC},                  // no separator after the version
		{"v=DMARC2; p=none", ErrNotDMARC},                 // another version
		{"v=DMARC1; p=none; garbage", ErrSyntax},          // no "="
		{"v=DMARC1; p=none; 1x=y", ErrSyntax},             // tag names start with a letter
		{"v=DMARC1; p=none; =y", ErrSyntax},               // empty tag name
		{"v=DMARC1; rua=mailto:a@b.c; p=none", ErrSyntax}, // p must follow v
		{"v=DMARC1; p=none; p=reject", ErrDuplicateTag},
		{"v=DMARC1; p=none; P=none", ErrDuplicateTag}, // tag names are case-insensitive
		{"v=DMARC1; p=none; v=DMARC1", ErrDuplicateTag},
		{"v=DMARC1; p=none; adkim=x", ErrBadValue},
		{"v=DMARC1; p=none; aspf=relaxed", ErrBadValue},
		{"v=DMARC1; p=none; pct=101", ErrBadValue},
		{"v=DMARC1; p=none; pct=-1", ErrBadValue},
		{"v=DMARC1; p=none; pct=", ErrBadValue},
		{"v=DMARC1; p=none; ri=-1", ErrBadValue},
		{"v=DMARC1; p=none; ri=99999999999999999999999", ErrBadValue},
		{"v=DMARC1; p=none; ri=123bad", ErrBadValue},
		{"v=DMARC1; p=none; fo=01", ErrBadValue},
		{"v=DMARC1; p=none; fo=", ErrBadValue},
		{"v=DMARC1; p=none; fo=0::1", ErrBadValue},
		{"v=DMARC1; p=none; rf=", ErrBadValue},
		{"v=DMARC1; p=none; rf=bad-trailing-dash-", ErrBadValue},
		{"v=DMARC1; p=none; rf=a.b", ErrBadValue},
		{"v=DMARC1; p=none; rua=", ErrBadValue},
		{"v=DMARC1; p=none; rua=bogus", ErrBadValue},
		{"v=DMARC1; p=none; rua=mailto:a@b.c,", ErrBadValue},
		{"v=DMARC1; p=none; rua=mailto:a@b.c!", ErrBadValue},
		{"v=DMARC1; p=none; rua=mailto:a@b.c!10p", ErrBadValue},
		{"v=DMARC1; p=none; rua=mailto:a@b.c!99999999999999999999999", ErrBadValue},
		{"v=DMARC1; p=none; rua=mailto:a@b.c!99999999999t", ErrBadValue}, // overflows 64 bits in bytes
		{"v=DMARC1; p=none; rua=mailto:a b@c.d", ErrBadValue},
		{"v=DMARC1; p=none; rua=1mailto:a@b.c", ErrBadValue},
		{"v=DMARC1; p=none; ruf=http://x/%zz", ErrBadValue},
		{"v=DMARC1", ErrNoPolicy},
		{"v=DMARC1;", ErrNoPolicy},
		{"v=DMARC1; p=n", ErrNoPolicy},
		{"v=DMARC1; p=none; sp=bob", ErrNoPolicy},
		{"v=DMARC1; pct=100", ErrNoPolicy},
	}
	for _, tt := range tests {
		r, err := ParseRecord(tt.txt)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseRecord(%q) = %+v, %v; want %v", tt.txt, r, err, tt.want)
		}
		if err != nil && r != nil {
			t.Errorf("ParseRecord(%q) returned a record with an error", tt.txt)
		}
	}
}

func TestParseRecord(t *testing.T) {
	tests := []struct {
		txt      string
		check    func(*Record) bool
		warnings []string
	}{
		{"v=DMARC1; p=reject", func(r *Record) bool {
			return r.Policy == "reject" && r.SubdomainPolicy == "reject" && r.NonexistentPolicy == "reject" &&
				r.Percent == 100 && r.ADKIM == "r" && r.ASPF == "r" && r.FailureOptions == "0" &&
				r.ReportInterval == 86400 && slices.Equal(r.ReportFormats, []string{"afrf"}) && !r.Fallback
		}, nil},
		{"v=DMARC1;p=QUARANTINE;SP=None;np=reject;ADKIM=S;fo=D : S;ri=3600;", func(r *Record) bool {
			return r.Policy == "quarantine" && r.SubdomainPolicy == "none" && r.NonexistentPolicy == "reject" &&
				r.ADKIM == "s" && r.FailureOptions == "d:s" && r.ReportInterval == 3600 &&
				slices.Equal(r.Explicit, []string{"v", "p", "sp", "np", "adkim", "fo", "ri"})
		}, nil},
		{"v=DMARC1; p=reject; sp=none", func(r *Record) bool { return r.NonexistentPolicy == "none" }, nil},
		{"v=DMARC1; p=reject; rau=mailto:a@example.com", nil, []string{"dmarc.unknown-tag"}},
		{"v=DMARC1; p=reject;; pct=100", nil, []string{"dmarc.empty-tag"}},
		{"v=DMARC1; p=reject; np=bogus", func(r *Record) bool { return r.NonexistentPolicy == "reject" }, []string{"dmarc.bad-np"}},
		{"v=DMARC1; p=reject; rf=iodef", nil, []string{"dmarc.rf-unknown"}},
		{"v=DMARC1; p=reject; rua=https://example.com/dmarc", nil, []string{"dmarc.report-uri-scheme"}},
		{"v=DMARC1; p=reject; rua=mailto://example.com", nil, []string{"dmarc.report-uri-address"}},
		{"v=DMARC1; p=bogus; rua=mailto:a@example.com", func(r *Record) bool {
			return r.Fallback && r.Policy == "none" && r.SubdomainPolicy == "none"
		}, []string{"dmarc.policy-fallback"}},
		{"v=DMARC1; p=reject; psd=y; t=n", nil, nil}, // DMARCbis tags are not unknown
		{"v=DMARC1; p=reject; rua=mailto:a@example.com!10m, mailto:b@example.net", func(r *Record) bool {
			a := r.AggregateURIs
			return len(a) == 2 && a[0].MaxSize == 10<<20 && a[0].Limit == "10m" && a[0].Domain == "example.com" &&
				a[1].MaxSize == 0 && a[1].Address == "b@example.net"
		}, nil},
	}
	for _, tt := range tests {
		r, err := ParseRecord(tt.txt)
		if err != nil {
			t.Errorf("ParseRecord(%q): %v", tt.txt, err)
			continue
		}
		if tt.check != nil && !tt.check(r) {
			t.Errorf("ParseRecord(%q) = %+v", tt.txt, r)
		}
		var got []string
		for _, w := range r.Warnings {
			got = append(got, w.ID)
			if w.RFC == "" || w.Detail == "" {
				t.Errorf("ParseRecord(%q): warning without RFC or detail: %+v", tt.txt, w)
			}
		}
		if !slices.Equal(got, tt.warnings) {
			t.Errorf("ParseRecord(%q) warnings %v, want %v", tt.txt, got, tt.warnings)
		}
	}
}

func TestParseReportURI(t *testing.T) {
	tests := []struct {
		in   string
		want ReportURI
	}{
		{"mailto:dmarc@Example.COM", ReportURI{URI: "mailto:dmarc@Example.COM", Scheme: "mailto", Address: "dmarc@example.com", Domain: "example.com"}},
		{"MAILTO:d%40x@example.com!1k", ReportURI{URI: "MAILTO:d%40x@example.com", Scheme: "mailto", Address: "d@x@example.com", Domain: "example.com", Limit: "1k", MaxSize: 1024}},
		{"mailto:a@example.com?subject=x!0G", ReportURI{URI: "mailto:a@example.com?subject=x", Scheme: "mailto", Address: "a@example.com", Domain: "example.com", Limit: "0g"}},
		{"mailto:a@b%C3%BCcher.example", ReportURI{URI: "mailto:a@b%C3%BCcher.example", Scheme: "mailto", Address: "a@xn--bcher-kva.example", Domain: "xn--bcher-kva.example"}},
		{"ftp://example.com!5", ReportURI{URI: "ftp://example.com", Scheme: "ftp", Limit: "5", MaxSize: 5}},
	}
	for _, tt := range tests {
		got, err := ParseReportURI(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseReportURI(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	// URIs are ASCII without spaces (RFC 3986 §2); a DMARC URI has a
	// scheme and an optional size (RFC 7489 §6.2).
	for _, in := range []string{"", "mailto:a@bücher.example", "mailto:a\tb@c.d", "example.com", ":x", "mailto:a@b.c!k", "mailto:a@b.c!1kk", "mailto:a@b.c!1!2"} {
		if got, err := ParseReportURI(in); !errors.Is(err, ErrBadValue) {
			t.Errorf("ParseReportURI(%q) = %+v, %v; want ErrBadValue", in, got, err)
		}
	}
}

func TestOrgDomain(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"example.com", "example.com", nil},
		{"a.b.Example.COM.", "example.com", nil},
		{"sub.example.co.uk", "example.co.uk", nil},
		{"a.b.c.edu.ar", "c.edu.ar", nil},
		{"mail.bücher.de", "xn--bcher-kva.de", nil},
		{"foo.bar.unknowntld", "bar.unknowntld", nil}, // the default rule "*" (RFC 7489 §3.2)
		{"co.uk", "", ErrPublicSuffix},
		{"com", "", ErrPublicSuffix},
		{"", "", ErrBadDomain},
		{"a..com", "", ErrBadDomain},
		{"-a.com", "", ErrBadDomain},
	}
	for _, tt := range tests {
		got, err := OrgDomain(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("OrgDomain(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestAligned(t *testing.T) {
	tests := []struct {
		from, auth, mode string
		want             bool
	}{
		{"example.com", "example.com", "s", true},
		{"example.com", "EXAMPLE.com.", "s", true},
		{"example.com", "mail.example.com", "s", false},
		{"example.com", "mail.example.com", "r", true},
		{"example.com", "mail.example.com", "", true}, // relaxed is the default (RFC 7489 §6.3)
		{"a.example.co.uk", "b.example.co.uk", "r", true},
		{"example.co.uk", "other.co.uk", "r", false}, // a shared public suffix is not alignment
		{"co.uk", "co.uk", "r", true},
		{"co.uk", "x.co.uk", "r", false},
		{"bücher.de", "mail.xn--bcher-kva.de", "r", true},
		{"example.com", "", "r", false},
		{"example.com", "example.net", "r", false},
	}
	for _, tt := range tests {
		if got := Aligned(tt.from, tt.auth, tt.mode); got != tt.want {
			t.Errorf("Aligned(%q, %q, %q) = %v, want %v", tt.from, tt.auth, tt.mode, got, tt.want)
		}
	}
}

func TestFromDomain(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Ann <ann@Example.COM>", "example.com"},
		{"=?utf-8?q?J=C3=B6rg?= <j@bücher.de>", "xn--bcher-kva.de"},
		{"friends: a@one.example, b@two.example;", "one.example"},
		{"undisclosed-recipients:;", ""},
		{"joe@[192.0.2.1]", ""},
		{"no address here", ""},
		{"\"x@quoted.example\" (y@comment.example) <z@real.example", "real.example"},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := FromDomain(tt.in)
		if got != tt.want || (tt.want == "") != errors.Is(err, ErrNoAuthorDomain) {
			t.Errorf("FromDomain(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
