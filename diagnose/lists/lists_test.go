package lists

import (
	"slices"
	"strings"
	"testing"
)

func TestIsDisposable(t *testing.T) {
	tests := []struct {
		domain string
		want   bool
	}{
		{"mailinator.com", true},
		{"MAILINATOR.COM", true},
		{"mailinator.com.", true},
		{"guerrillamail.com", true},
		{"0-mail.com", true},
		{"inbox.mailinator.com", true}, // subdomain of a listed domain
		{"a.b.c.mailinator.com", true},
		{"gmail.com", false},
		{"example.com", false},
		{"com", false},
		{"", false},
		{".", false},
		{"xmailinator.com", false}, // a suffix of the name is not a subdomain
		{"mailinator.com.evil.example", false},
	}
	for _, tt := range tests {
		if got := IsDisposable(tt.domain); got != tt.want {
			t.Errorf("IsDisposable(%q) = %v, want %v", tt.domain, got, tt.want)
		}
	}
}

func TestIsFreeProvider(t *testing.T) {
	tests := []struct {
		domain string
		want   bool
	}{
		{"gmail.com", true},
		{"GMail.com.", true},
		{"googlemail.com", true},
		{"gmx.at", true},
		{"gmx.de", true},
		{"hotmail.de", true},
		{"hotmail.co.uk", true},
		{"outlook.com", true},
		{"live.com", true},
		{"msn.com", true},
		{"yahoo.co.jp", true},
		{"icloud.com", true},
		{"me.com", true},
		{"mac.com", true},
		{"mail.com", true},
		{"pm.me", true},
		{"proton.me", true},
		{"web.de", true},
		{"o2.pl", true},
		{"qq.com", true},
		// typo-squats of big providers are never legitimate providers
		{"gmail.co", false},
		{"gmail.ru", false},
		{"gmial.com", false},
		{"hotmail.cm", false},
		{"hotmail.co", false},
		{"hitmail.com", false},
		{"yahooo.com", false},
		{"yaho.com", false},
		{"vahoo.com", false},
		{"lvie.com.sg", false},
		// subdomains, disposables and ordinary companies are not providers
		{"mail.gmail.com", false},
		{"mailinator.com", false},
		{"example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsFreeProvider(tt.domain); got != tt.want {
			t.Errorf("IsFreeProvider(%q) = %v, want %v", tt.domain, got, tt.want)
		}
	}
}

// TestEmbeddedFreeListHasNoNearMisses re-applies the curation rules to the
// embedded list itself, so a hand edit of the data file cannot bring back a
// typo-squat even where the upstream lists are not available.
func TestEmbeddedFreeListHasNoNearMisses(t *testing.T) {
	for d := range freeSet() {
		if why, near := nearMiss(d); near && !slices.Contains(freeAllow, d) {
			t.Errorf("free provider %s is %s and not on the allow list", d, why)
		}
		if IsDisposable(d) {
			t.Errorf("free provider %s is also listed as disposable", d)
		}
	}
	for _, d := range slices.Concat(majorExact, freeAllow) {
		if IsDisposable(d) {
			t.Errorf("real provider %s is listed as disposable", d)
		}
	}
}

func TestIsRole(t *testing.T) {
	tests := []struct {
		local string
		want  bool
	}{
		{"info", true},
		{"INFO", true},
		{"Info+Newsletter", true},
		{"support", true},
		{"postmaster", true},
		{"abuse", true},
		{"noreply", true},
		{"no-reply", true},
		{"no_reply", true},
		{"No.Reply", true},
		{"no-reply+bounces", true},
		{"mailer-daemon", true},
		{"customer_service", true},
		{"customer-service", true},
		{`"info"`, true},
		{`"sales\-team"`, true},
		{"ann", false},
		{"ann.lee", false},
		{"ann+info", false},
		{"c.a", false}, // initials, not the role "ca"
		{"s-e", false},
		{"alexa", false}, // personal names dropped from the upstream list
		{"dean", false},
		{"", false},
		{"+info", false},
		{"infos", false},
		{"用户", false},
	}
	for _, tt := range tests {
		if got := IsRole(tt.local); got != tt.want {
			t.Errorf("IsRole(%q) = %v, want %v", tt.local, got, tt.want)
		}
	}
}

func TestCounts(t *testing.T) {
	disposable, free, role := Counts()
	// The upstream lists hold 8,335, 4,479 and 893 entries (one role
	// entry twice); curation removes about two hundred free-provider
	// entries and three role names.
	if disposable != 8335 {
		t.Errorf("disposable = %d, want 8335", disposable)
	}
	if free < 4200 || free > 4400 {
		t.Errorf("free = %d, want 4,200..4,400", free)
	}
	if role != 889 {
		t.Errorf("role = %d, want 889 (892 distinct upstream, less three names)", role)
	}
}

func TestDataFilesNameSourceAndLicence(t *testing.T) {
	for name, data := range map[string]string{"disposable": disposableData, "free": freeData, "role": roleData} {
		if !strings.Contains(data, "\n# Source: ") || !strings.Contains(data, "\n# Licence: ") {
			t.Errorf("%s list header does not name its source and licence", name)
		}
	}
}

// FuzzIsRole checks that the lookups never panic on arbitrary input.
func FuzzIsRole(f *testing.F) {
	for _, s := range []string{"info", "no-reply+x", `"a\"b"`, `"`, `"\"`, "c.a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		IsRole(s)
		IsDisposable(s)
		IsFreeProvider(s)
	})
}

func BenchmarkIsDisposable(b *testing.B) {
	IsDisposable("warm.up")
	b.ReportAllocs()
	for b.Loop() {
		IsDisposable("inbox.mailinator.com")
		IsDisposable("mail.example.co.uk")
	}
}

func BenchmarkIsFreeProvider(b *testing.B) {
	IsFreeProvider("warm.up")
	b.ReportAllocs()
	for b.Loop() {
		IsFreeProvider("gmail.com")
		IsFreeProvider("example.com")
	}
}

func BenchmarkIsRole(b *testing.B) {
	IsRole("warm")
	b.ReportAllocs()
	for b.Loop() {
		IsRole("Info+tag")
		IsRole("no_reply")
		IsRole("ann.lee")
	}
}
