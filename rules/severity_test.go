package rules

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

func TestSeverityRankOrdersWorstLast(t *testing.T) {
	want := []Severity{OK, Info, Inconclusive, Warn, Fail}
	if got := Severities(); !slices.Equal(got, want) {
		t.Fatalf("Severities() = %v, want %v", got, want)
	}
	for i, s := range want {
		if s.Rank() != i {
			t.Errorf("%s.Rank() = %d, want %d", s, s.Rank(), i)
		}
	}
	if r := Severity("bogus").Rank(); r != -1 {
		t.Errorf("unknown severity ranks %d, want -1", r)
	}
}

func TestSeverityCompareSortsWorstFirst(t *testing.T) {
	got := []Severity{Info, Fail, OK, Warn, Inconclusive, Warn}
	slices.SortFunc(got, func(a, b Severity) int { return b.Compare(a) })
	want := []Severity{Fail, Warn, Warn, Inconclusive, Info, OK}
	if !slices.Equal(got, want) {
		t.Errorf("sorted worst first = %v, want %v", got, want)
	}
}

func TestParseSeverity(t *testing.T) {
	tests := []struct {
		in      string
		want    Severity
		wantErr bool
	}{
		{"ok", OK, false},
		{"info", Info, false},
		{"warn", Warn, false},
		{"fail", Fail, false},
		{"inconclusive", Inconclusive, false},
		{"WARN", Warn, false},
		{"  Fail\n", Fail, false},
		{"", "", true},
		{"warning", "", true},
		{"error", "", true},
		{"o k", "", true},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrUnknownSeverity) {
				t.Errorf("ParseSeverity(%q) error = %v, want ErrUnknownSeverity", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSeverityJSON(t *testing.T) {
	var f struct{ Severity Severity }
	if err := json.Unmarshal([]byte(`{"Severity":"Inconclusive"}`), &f); err != nil || f.Severity != Inconclusive {
		t.Fatalf("decoding a known severity: %q, %v", f.Severity, err)
	}
	err := json.Unmarshal([]byte(`{"Severity":"critical"}`), &f)
	if !errors.Is(err, ErrUnknownSeverity) {
		t.Errorf("decoding an unknown severity: error %v, want ErrUnknownSeverity", err)
	}
	out, err := json.Marshal(struct{ S Severity }{Warn})
	if err != nil || string(out) != `{"S":"warn"}` {
		t.Errorf("encoding = %s, %v", out, err)
	}
}

func TestWorst(t *testing.T) {
	tests := []struct {
		in   []Severity
		want Severity
	}{
		{nil, OK},
		{[]Severity{Info, OK}, Info},
		{[]Severity{Warn, Inconclusive, Info}, Warn},
		{[]Severity{OK, Fail, Warn}, Fail},
		{[]Severity{Inconclusive, Info}, Inconclusive},
		{[]Severity{"bogus"}, OK},
	}
	for _, tt := range tests {
		if got := Worst(tt.in...); got != tt.want {
			t.Errorf("Worst(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzParseSeverity(f *testing.F) {
	for _, s := range []string{"ok", "FAIL", " warn ", "inconclusive", "", "\x00", "İnfo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sev, err := ParseSeverity(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownSeverity) || sev != "" {
				t.Fatalf("ParseSeverity(%q) = %q, %v", s, sev, err)
			}
			return
		}
		if !sev.Valid() {
			t.Fatalf("ParseSeverity(%q) returned invalid %q", s, sev)
		}
		if again, err := ParseSeverity(sev.String()); err != nil || again != sev {
			t.Fatalf("round trip of %q: %q, %v", sev, again, err)
		}
	})
}
