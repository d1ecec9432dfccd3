package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/codeprobe/codeprobe/internal/testenv"
)

var (
	idPattern  = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9-]+)+$`)
	rfcPattern = regexp.MustCompile(`^RFC [1-9][0-9]*( §[0-9]+(\.[0-9]+)*)?(, RFC [1-9][0-9]*( §[0-9]+(\.[0-9]+)*)?)*$`)
	// userJargon are terms an end user at a sign-in page should not meet.
	userJargon = regexp.MustCompile(`\b(RFC|MX|SMTP|SPF|DKIM|DMARC|TLSA|DANE|MTA-STS|TLS-RPT|NXDOMAIN|SERVFAIL|CNAME|AAAA|STARTTLS|EHLO|RCPT|MTA|A-label|permerror|temperror)\b`)
)

// senderAreas are the --from-domain checks, about our own sending domain.
var senderAreas = []string{"spf", "dmarc", "dkim"}

func TestCatalogueEntriesAreComplete(t *testing.T) {
	if len(catalogue) < 70 {
		t.Fatalf("catalogue has %d rules, want the whole list (at least 70)", len(catalogue))
	}
	seen := make(map[string]bool)
	for _, r := range catalogue {
		if seen[r.ID] {
			t.Errorf("%s: duplicate ID", r.ID)
		}
		seen[r.ID] = true
		if !idPattern.MatchString(r.ID) || !ValidID(r.ID) {
			t.Errorf("%s: malformed ID", r.ID)
		}
		if !r.Severity.Valid() {
			t.Errorf("%s: invalid severity %q", r.ID, r.Severity)
		}
		for _, s := range r.ByCase {
			if !s.Valid() || s == r.Severity {
				t.Errorf("%s: ByCase severity %q is invalid or repeats the default", r.ID, s)
			}
		}
		wantAudience := Recipient
		if slices.Contains(senderAreas, r.Area()) {
			wantAudience = Sender
		}
		if r.Audience != wantAudience {
			t.Errorf("%s: audience %q, want %q", r.ID, r.Audience, wantAudience)
		}
		if r.RFC != "" && !rfcPattern.MatchString(r.RFC) {
			t.Errorf("%s: RFC %q is not of the form \"RFC 7505 §3\"", r.ID, r.RFC)
		}
		checkText(t, r.ID+" summary", r.Summary, 100)
		checkText(t, r.ID+" user advice", r.UserAdvice, 420)
		checkText(t, r.ID+" agent advice", r.AgentAdvice, 900)
	}
}

// checkText asserts that s is written as finished sentences of bounded
// length.
func checkText(t *testing.T, what, s string, maxLen int) {
	t.Helper()
	switch {
	case s == "":
		t.Errorf("%s is empty", what)
	case strings.TrimSpace(s) != s || strings.Contains(s, "  "):
		t.Errorf("%s has stray spaces: %q", what, s)
	case !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ".)"):
		t.Errorf("%s does not end a sentence: %q", what, s)
	case len(s) > maxLen:
		t.Errorf("%s is %d bytes, over %d: %q", what, len(s), maxLen, s)
	case strings.Contains(s, "TODO"):
		t.Errorf("%s is unfinished: %q", what, s)
	}
}

// The end user's advice is plain, addressed to them, and never technical.
func TestUserAdviceIsPlainSecondPerson(t *testing.T) {
	for _, r := range catalogue {
		lower := strings.ToLower(r.UserAdvice)
		if !strings.Contains(lower, "you") {
			t.Errorf("%s: user advice does not address the user: %q", r.ID, r.UserAdvice)
		}
		if m := userJargon.FindString(r.UserAdvice); m != "" {
			t.Errorf("%s: user advice uses jargon %q: %q", r.ID, m, r.UserAdvice)
		}
		if r.Audience == Sender && !strings.HasPrefix(r.UserAdvice, "Nothing") {
			t.Errorf("%s: about our own domain, yet the user advice asks them to act: %q", r.ID, r.UserAdvice)
		}
	}
}

// Problems with our own sending domain are escalated, never handed to the
// user.
func TestSenderProblemsAreEscalated(t *testing.T) {
	for _, r := range catalogue {
		if r.Audience != Sender || r.Severity.Rank() < Warn.Rank() {
			continue
		}
		if a := strings.ToLower(r.AgentAdvice); !strings.Contains(a, "sending team") && !strings.Contains(a, "escalate") {
			t.Errorf("%s: a %s about our sending domain must tell the agent to escalate: %q", r.ID, r.Severity, r.AgentAdvice)
		}
	}
}

// The IDs and default severities DESIGN.md publishes as the external
// contract.
var contract = map[string]Severity{
	"address.syntax":     Fail,
	"address.typo":       Warn,
	"address.disposable": Warn,
	"address.role":       Info,
	"domain.nxdomain":    Fail,
	"mx.none":            Fail,
	"mx.null":            Fail,
	"mx.implicit":        Warn,
	"mx.unresolvable":    Fail,
	"mx.private-address": Fail,
	"mx.cname":           Warn,
	"mx.provider":        Info,
	"dns.timeout":        Inconclusive,
	"dns.servfail":       Inconclusive,
	"smtp.unreachable":   Inconclusive,
	"smtp.rejected":      Fail,
	"smtp.greylisted":    Warn,
	"smtp.no-starttls":   Warn,
}

func TestContractIDs(t *testing.T) {
	for id, sev := range contract {
		r, ok := Lookup(id)
		if !ok {
			t.Errorf("contract ID %s is missing", id)
			continue
		}
		if r.Severity != sev {
			t.Errorf("%s: severity %s, the contract says %s", id, r.Severity, sev)
		}
	}
	if r := MustLookup(MXUnresolvable); !r.Allows(Warn) || !r.Allows(Fail) || r.Allows(Info) {
		t.Errorf("mx.unresolvable must allow fail and warn only, has %s + %v", r.Severity, r.ByCase)
	}
	// The contract names the spf, dmarc, dkim, mtasts, tlsrpt and dane
	// families "by case": each must exist.
	for _, area := range []string{"spf", "dmarc", "dkim", "mtasts", "tlsrpt", "dane"} {
		if !slices.ContainsFunc(All(), func(r Rule) bool { return r.Area() == area }) {
			t.Errorf("no rules in the %s family", area)
		}
	}
}

// Every exported ID constant in ids.go names a rule, and every rule has a
// constant, so that code never spells an ID.
func TestIDConstantsMatchCatalogue(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "ids.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	constants := make(map[string]string) // ID → constant name
	for _, decl := range file.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("constant %s is not a string literal", name.Name)
					continue
				}
				id, _ := strconv.Unquote(lit.Value)
				if prev, dup := constants[id]; dup {
					t.Errorf("constants %s and %s both name %q", prev, name.Name, id)
				}
				constants[id] = name.Name
				if _, ok := Lookup(id); !ok {
					t.Errorf("constant %s = %q has no rule", name.Name, id)
				}
			}
		}
	}
	for _, r := range catalogue {
		if _, ok := constants[r.ID]; !ok {
			t.Errorf("rule %s has no constant in ids.go", r.ID)
		}
	}
}

func TestLookup(t *testing.T) {
	r, ok := Lookup(MXNull)
	if !ok || r.ID != "mx.null" || r.Severity != Fail || r.RFC != "RFC 7505 §3" {
		t.Errorf("Lookup(mx.null) = %+v, %v", r, ok)
	}
	for _, id := range []string{"", "mx", "MX.NULL", "mx.null ", "mx.nul"} {
		if _, ok := Lookup(id); ok {
			t.Errorf("Lookup(%q) found a rule", id)
		}
	}
	r.ByCase = append(r.ByCase, Warn)
	u := MustLookup(MXUnresolvable)
	u.ByCase[0] = Info
	if MustLookup(MXNull).Allows(Warn) || !MustLookup(MXUnresolvable).Allows(Warn) {
		t.Error("changing a returned rule changed the catalogue")
	}
}

func TestMustLookupPanicsOnUnknownID(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustLookup of an unknown ID did not panic")
		}
	}()
	MustLookup("no.such-rule")
}

func TestAllIsSortedCopy(t *testing.T) {
	all := All()
	if len(all) != len(catalogue) {
		t.Fatalf("All() has %d rules, catalogue %d", len(all), len(catalogue))
	}
	if !slices.IsSortedFunc(all, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("All() is not sorted by ID")
	}
	all[0].Summary = "changed"
	if All()[0].Summary == "changed" {
		t.Error("All() exposes the catalogue")
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"mx.null", true},
		{"mx.private-address", true},
		{"spf.too-many-lookups", true},
		{"a.b.c", true},
		{"dns1.x2", true},
		{"mx", false},
		{"", false},
		{".mx", false},
		{"mx.", false},
		{"mx..null", false},
		{"MX.null", false},
		{"mx.null!", false},
		{"mx.-null", false},
		{"mx.null-", false},
		{"m-x.null", false},
		{"mx.nu ll", false},
		{"mx.nüll", false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// ValidID accepts only what the documented pattern accepts, and all of it
// except labels that begin or end with a hyphen.
func FuzzValidID(f *testing.F) {
	for _, s := range []string{"mx.null", "a.b-c.d", "mx", "mx.-x", "Mx.x", "x.y.", "", "\xff.a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		got := ValidID(id)
		want := idPattern.MatchString(id) &&
			!strings.Contains(id, ".-") && !strings.Contains(id, "-.") && !strings.HasSuffix(id, "-")
		if got != want {
			t.Fatalf("ValidID(%q) = %v, want %v", id, got, want)
		}
	})
}

// The contract table in DESIGN.md itself, when the shared directory is
// there: every row's IDs must exist with the severity the row names first.
func TestContractTableInDesignDoc(t *testing.T) {
	design := findShared(t, "DESIGN.md")
	rows := 0
	for _, line := range strings.Split(design, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.Contains(cells[1], "`") {
			continue
		}
		sev, err := ParseSeverity(strings.Fields(cells[2] + " x")[0])
		if err != nil {
			continue // "by case" rows name families, checked by TestContractIDs
		}
		for _, id := range backticked.FindAllStringSubmatch(cells[1], -1) {
			rows++
			r, ok := Lookup(id[1])
			if !ok {
				t.Errorf("DESIGN.md lists %s, which has no rule", id[1])
				continue
			}
			if r.Severity != sev {
				t.Errorf("DESIGN.md gives %s severity %s, the rule says %s", id[1], sev, r.Severity)
			}
		}
	}
	if rows < len(contract) {
		t.Errorf("found %d contract IDs in DESIGN.md, expected at least %d: has the table moved?", rows, len(contract))
	}
}

var backticked = regexp.MustCompile("`([a-z0-9.-]+)`")

// findShared returns the text of a file in the shared directory beside the
// repository, found by walking up from the package directory, and skips the
// test when there is none.
func findShared(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(testenv.Shared(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
