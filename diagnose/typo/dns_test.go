package typo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// dnsWorld starts a fixture DNS server holding typo domains in every
// state a diagnosis meets, and returns a resolver pointed at it.
func dnsWorld(t *testing.T) (*fixtures.DNSServer, dnsx.Querier) {
	t.Helper()
	s := fixtures.NewDNSServer()
	zones := map[string]string{
		// A typo domain someone registered and runs mail for.
		"gmaul.com.": "@ SOA ns host 1 2 3 4 60\n@ MX 10 mx\nmx A 192.0.2.10\n",
		// One with no MX but an address: mail falls back to it (RFC 5321 §5.1).
		"gmaol.com.": "@ SOA ns host 1 2 3 4 60\n@ A 192.0.2.11\n",
		// One that says it takes no mail (RFC 7505 null MX).
		"hotmaik.com.": "@ SOA ns host 1 2 3 4 60\n@ MX 0 .\n@ A 192.0.2.12\n",
		// One that exists with neither MX nor address.
		"yahoi.com.": "@ SOA ns host 1 2 3 4 60\n@ TXT \"parked\"\n",
		// A short-label lookalike that is a real mail domain.
		"webb.de.": "@ SOA ns host 1 2 3 4 60\n@ MX 10 mx\nmx A 192.0.2.14\n",
		// A squat that accepts mail.
		"gmai.com.": "@ SOA ns host 1 2 3 4 60\n@ MX 10 mx\nmx A 192.0.2.13\n",
	}
	for origin, text := range zones {
		if err := s.AddZone(origin, text); err != nil {
			t.Fatal(err)
		}
	}
	s.SetBehaviour("outlool.com.", fixtures.Behaviour{ServFail: true})
	s.SetBehaviour("icloyd.com.", fixtures.Behaviour{Drop: true})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r, err := dnsx.New(dnsx.Config{Servers: []string{s.Addr}, Timeout: 300 * time.Millisecond, Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func TestSuggestDNS(t *testing.T) {
	srv, r := dnsWorld(t)
	tests := []struct {
		typed   string
		want    Suggestion
		ok      bool
		err     error
		queries bool
	}{
		{"gmaul.com", Suggestion{}, false, nil, true},
		{"gmaol.com", Suggestion{}, false, nil, true},
		{"hotmaik.com", Suggestion{"hotmail.com", Certain, false, EditSubstitution}, true, nil, true},
		{"yahoi.com", Suggestion{"yahoo.com", Certain, false, EditSubstitution}, true, nil, true},
		{"gmail.de", Suggestion{"gmail.com", Certain, false, EditTLD}, true, nil, true},
		{"gmai.com", Suggestion{"gmail.com", Certain, true, EditDeletion}, true, nil, false},
		{"gmail,com", Suggestion{"gmail.com", Certain, false, EditComma}, true, nil, false},
		{"gmail.com", Suggestion{}, false, nil, false},
		{"aok.com", Suggestion{"aol.com", Certain, false, EditSubstitution}, true, nil, true},
		{"webb.de", Suggestion{}, false, nil, true},
		{"siemens.com", Suggestion{}, false, nil, false},
		{"outlool.com", Suggestion{"outlook.com", Likely, false, EditSubstitution}, true, dnsx.ErrServFail, true},
		{"icloyd.com", Suggestion{"icloud.com", Likely, false, EditSubstitution}, true, dnsx.ErrTimeout, true},
	}
	for _, tt := range tests {
		before := srv.Queries()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		start := time.Now()
		got, ok, err := SuggestDNS(ctx, r, tt.typed)
		cancel()
		if got != tt.want || ok != tt.ok {
			t.Errorf("SuggestDNS(%q) = %+v, %v; want %+v, %v", tt.typed, got, ok, tt.want, tt.ok)
		}
		switch {
		case tt.err == nil && err != nil:
			t.Errorf("SuggestDNS(%q): unexpected error %v", tt.typed, err)
		case tt.err != nil && (!errors.Is(err, tt.err) || !errors.Is(err, ErrNoEvidence)):
			t.Errorf("SuggestDNS(%q) error = %v; want %v wrapped in ErrNoEvidence", tt.typed, err, tt.err)
		}
		if asked := srv.Queries() > before; asked != tt.queries {
			t.Errorf("SuggestDNS(%q) asked DNS: %v, want %v", tt.typed, asked, tt.queries)
		}
		if d := time.Since(start); d > 2500*time.Millisecond { // the 2s deadline, and scheduling slack
			t.Errorf("SuggestDNS(%q) took %v", tt.typed, d)
		}
	}
}

func TestHasMail(t *testing.T) {
	_, r := dnsWorld(t)
	tests := []struct {
		domain string
		want   bool
		err    bool
	}{
		{"gmaul.com", true, false},
		{"gmaol.com", true, false},
		{"hotmaik.com", false, false},
		{"yahoi.com", false, false},
		{"nowhere.invalid", false, false},
		{"outlool.com", false, true},
	}
	for _, tt := range tests {
		got, err := HasMail(context.Background(), r, tt.domain)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("HasMail(%q) = %v, %v; want %v, error %v", tt.domain, got, err, tt.want, tt.err)
		}
	}
}
