package mtasts_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/diagnose/mtasts"
	"github.com/codeprobe/codeprobe/diagnose/netguard"
)

const zoneExample = `
@          SOA   ns1 host 1 2 3 4 60
@          MX    10 mx1
_mta-sts   TXT   "v=STSv1; id=20240101T000000Z"
mta-sts    A     127.0.0.1
`

const zoneTest = `
@               SOA   ns1.test. host.test. 1 2 3 4 60
_mta-sts.none   TXT   "v=spf1 -all"
_mta-sts.badtxt TXT   "v=STSv1; id=not-alnum"
_mta-sts.multi  TXT   "v=STSv1; id=1"
_mta-sts.multi  TXT   "v=STSv1; id=2"
_mta-sts.nohost TXT   "v=STSv1; id=1"
_mta-sts.hostfail TXT "v=STSv1; id=1"
_mta-sts.servfail TXT "v=STSv1; id=1"
_mta-sts.private  TXT "v=STSv1; id=1"
mta-sts.private   A   127.0.0.1
mta-sts.private   A   10.1.2.3
_mta-sts.alias  CNAME _mta-sts.example.test.
`

const goodPolicy = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.backup.example.test\r\nmax_age: 604800\r\n"

// policyHandler serves body as the policy with the given content type.
func policyHandler(contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/mta-sts.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, body)
	}
}

// fetchCase is one policy server and what checking it must find.
type fetchCase struct {
	name     string
	cert     tls.Certificate // zero: a valid certificate for mta-sts.example.test
	handler  http.Handler
	mx       []string
	status   mtasts.Status
	err      error // nil: Err must be nil
	http     int
	problems []string
	mismatch []string
}

// fetchCases returns the policy-server cases; redirectTargetHits counts
// fetches of the target of the redirecting server.
func fetchCases(t *testing.T, ca *testCA, redirectTargetHits *atomic.Int32) []fetchCase {
	return []fetchCase{
		{name: "enforce, MX covered", handler: policyHandler("text/plain; charset=utf-8", goodPolicy),
			mx: []string{"MX1.example.test.", "b.backup.example.test"}, status: mtasts.StatusEnforce, http: 200},
		{name: "enforce, MX not covered", handler: policyHandler("text/plain", goodPolicy),
			mx: []string{"mx1.example.test", "mx2.example.test", "a.b.backup.example.test"}, status: mtasts.StatusEnforce, http: 200,
			problems: []string{mtasts.ProblemMXMismatch}, mismatch: []string{"mx2.example.test", "a.b.backup.example.test"}},
		{name: "testing mode", handler: policyHandler("text/plain", strings.Replace(goodPolicy, "enforce", "testing", 1)),
			mx: []string{"mx9.example.test"}, status: mtasts.StatusTesting, http: 200,
			problems: []string{mtasts.ProblemTesting, mtasts.ProblemMXMismatch}, mismatch: []string{"mx9.example.test"}},
		{name: "mode none", handler: policyHandler("text/plain", "version: STSv1\nmode: none\nmax_age: 86400\n"),
			mx: []string{"mx9.example.test"}, status: mtasts.StatusPolicyNone, http: 200},
		{name: "invalid policy", handler: policyHandler("text/plain", "version: STSv1\nmode: enforce\nmax_age: 86400\n"),
			status: mtasts.StatusInvalid, err: mtasts.ErrInvalidPolicy, http: 200, problems: []string{mtasts.ProblemInvalidPolicy}},
		{name: "404", handler: http.NotFoundHandler(),
			status: mtasts.StatusFetchFailed, err: mtasts.ErrHTTPStatus, http: 404, problems: []string{mtasts.ProblemFetchFailed}},
		{name: "redirect not followed", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/elsewhere" {
				redirectTargetHits.Add(1)
				policyHandler("text/plain", goodPolicy)(w, r)
				return
			}
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}), status: mtasts.StatusFetchFailed, err: mtasts.ErrRedirect, http: 302, problems: []string{mtasts.ProblemFetchFailed}},
		{name: "certificate for another name", cert: ca.issue(t, "www.example.test"), handler: policyHandler("text/plain", goodPolicy),
			status: mtasts.StatusFetchFailed, err: mtasts.ErrCertificate, problems: []string{mtasts.ProblemFetchFailed}},
		{name: "certificate from an unknown CA", cert: newTestCA(t).issue(t, "mta-sts.example.test"), handler: policyHandler("text/plain", goodPolicy),
			status: mtasts.StatusFetchFailed, err: mtasts.ErrCertificate, problems: []string{mtasts.ProblemFetchFailed}},
		{name: "wrong content type", handler: policyHandler("text/html", goodPolicy),
			status: mtasts.StatusFetchFailed, err: mtasts.ErrContentType, http: 200, problems: []string{mtasts.ProblemFetchFailed}},
		{name: "no content type", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil // stop net/http from sniffing one
			io.WriteString(w, goodPolicy)
		}), status: mtasts.StatusFetchFailed, err: mtasts.ErrContentType, http: 200, problems: []string{mtasts.ProblemFetchFailed}},
		{name: "oversized body, chunked", handler: policyHandler("text/plain", goodPolicy+strings.Repeat("x-pad: 0123456789abcdef\n", 3000)),
			status: mtasts.StatusFetchFailed, err: mtasts.ErrTooLarge, http: 200, problems: []string{mtasts.ProblemFetchFailed}},
		{name: "oversized body, announced", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", strconv.Itoa(1<<20))
			w.Write(make([]byte, 1<<20))
		}), status: mtasts.StatusFetchFailed, err: mtasts.ErrTooLarge, http: 200, problems: []string{mtasts.ProblemFetchFailed}},
		{name: "largest allowed body", handler: policyHandler("text/plain", padPolicy(mtasts.MaxPolicySize)),
			mx: []string{"mx1.example.test"}, status: mtasts.StatusEnforce, http: 200},
	}
}

func TestCheckPolicyFetch(t *testing.T) {
	ca := newTestCA(t)
	good := ca.issue(t, "mta-sts.example.test")
	_, resolver := startDNS(t, map[string]string{"example.test.": zoneExample})
	var redirectTargetHits atomic.Int32
	for _, tc := range fetchCases(t, ca, &redirectTargetHits) {
		t.Run(tc.name, func(t *testing.T) {
			cert := tc.cert
			if cert.Certificate == nil {
				cert = good
			}
			port := startPolicyServer(t, cert, tc.handler)
			dialer := &recordingDialer{t: t}
			f := &mtasts.Fetcher{
				Resolver: resolver,
				Guard:    &netguard.Guard{AllowPrivate: true, Dialer: dialer},
				RootCAs:  ca.pool,
				Port:     port,
				Timeout:  5 * time.Second,
			}
			res := f.Check(context.Background(), "Example.Test.", tc.mx)
			if res.Status != tc.status {
				t.Fatalf("status %q, want %q (err %v, problems %+v)", res.Status, tc.status, res.Err, res.Problems)
			}
			checkErr(t, res.Err, tc.err)
			if res.HTTPStatus != tc.http {
				t.Errorf("HTTP status %d, want %d", res.HTTPStatus, tc.http)
			}
			if got := problemIDs(res.Problems); !slices.Equal(got, tc.problems) {
				t.Errorf("problems %v, want %v (%+v)", got, tc.problems, res.Problems)
			}
			if !slices.Equal(res.MXMismatches, tc.mismatch) {
				t.Errorf("MX mismatches %v, want %v", res.MXMismatches, tc.mismatch)
			}
			if res.TXT == nil || res.TXT.ID != "20240101T000000Z" {
				t.Errorf("TXT %+v, want id 20240101T000000Z", res.TXT)
			}
			wantURL := "https://mta-sts.example.test:" + strconv.Itoa(port) + "/.well-known/mta-sts.txt"
			if res.PolicyURL != wantURL {
				t.Errorf("policy URL %q, want %q", res.PolicyURL, wantURL)
			}
			if (res.Body != "") != (tc.http == 200 && tc.err != mtasts.ErrContentType && tc.err != mtasts.ErrTooLarge) {
				t.Errorf("body kept: %v, with HTTP %d and error %v", res.Body != "", res.HTTPStatus, res.Err)
			}
			if (res.Policy != nil) != (tc.status == mtasts.StatusEnforce || tc.status == mtasts.StatusTesting || tc.status == mtasts.StatusPolicyNone) {
				t.Errorf("policy %+v with status %s", res.Policy, res.Status)
			}
			want := "127.0.0.1:" + strconv.Itoa(port)
			if d := dialer.dialled(); len(d) != 1 || d[0] != want {
				t.Errorf("dialled %v, want exactly [%s] through the guard", d, want)
			}
		})
	}
	if n := redirectTargetHits.Load(); n != 0 {
		t.Errorf("the redirect target was fetched %d times; redirects must not be followed", n)
	}
}

// padPolicy returns a valid enforce policy of exactly size bytes, padded
// with an extension field.
func padPolicy(size int) string {
	head := goodPolicy + "x-pad: "
	return head + strings.Repeat("p", size-len(head)-1) + "\n"
}

func checkErr(t *testing.T, got, want error) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("unexpected error %v", got)
	case want != nil && !errors.Is(got, want):
		t.Errorf("error %v, want one wrapping %q", got, want)
	}
}

func problemIDs(ps []mtasts.Problem) []string {
	var out []string
	for _, p := range ps {
		if p.ID == "" || p.Detail == "" || !strings.HasPrefix(p.RFC, "RFC ") {
			out = append(out, "incomplete:"+p.ID)
			continue
		}
		out = append(out, p.ID)
	}
	return out
}
