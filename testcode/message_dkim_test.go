package testcode

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"

	"github.com/codeprobe/codeprobe/diagnose/dkimkey"
	"github.com/codeprobe/codeprobe/diagnose/dnsx"
	"github.com/codeprobe/codeprobe/fixtures"
)

// dkimKeyServer publishes the keys' zone records on an in-process DNS server
// on 127.0.0.1 and returns a resolver for it (no cache: every lookup
// reaches the server).
func dkimKeyServer(t *testing.T, keys ...*DKIMKey) (*fixtures.DNSServer, *dnsx.Resolver) {
	t.Helper()
	srv := fixtures.NewDNSServer()
	if err := srv.AddZone("example.com.", "@ SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 60\n"); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := srv.AddRecord(k.ZoneRecord()); err != nil {
			t.Fatalf("the zone file line does not parse: %v\n%s", err, k.ZoneRecord())
		}
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r, err := dnsx.New(dnsx.Config{Servers: []string{srv.Addr}, Timeout: 2 * time.Second, Attempts: 1, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, r
}

// verifyDKIM checks msg's signatures with go-msgauth, looking keys up in DNS
// through r.
func verifyDKIM(t *testing.T, r *dnsx.Resolver, msg []byte) []*dkim.Verification {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lookup := func(name string) ([]string, error) {
		txts, _, err := dnsx.LookupTXT(ctx, r, name)
		return txts, err
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: 4})
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestDKIMSignVerify(t *testing.T) {
	for _, kind := range []string{KeyRSA, KeyEd25519} {
		t.Run(kind, func(t *testing.T) {
			k := testKey(t, kind)
			srv, r := dkimKeyServer(t, k)
			msg, err := testSender(k).Compose(testCode(), "ann@example.com", testToken)
			if err != nil {
				t.Fatal(err)
			}
			vs := verifyDKIM(t, r, msg)
			if len(vs) != 1 || vs[0].Err != nil {
				t.Fatalf("verifications: %+v", vs)
			}
			if vs[0].Domain != "example.com" || !slices.Equal(vs[0].HeaderKeys, signedHeaders) {
				t.Errorf("d=%s h=%v", vs[0].Domain, vs[0].HeaderKeys)
			}
			if n := srv.QueriesFor(k.Name()+".", dns.TypeTXT); n == 0 {
				t.Error("the key was not looked up in DNS")
			}
			sig := string(msg[:bytes.Index(msg, []byte("\r\nFrom:"))])
			for _, tag := range []string{"c=relaxed/relaxed", "d=example.com", "s=sel-" + kind, "a=" + kind + "-sha256"} {
				if !strings.Contains(sig, tag) {
					t.Errorf("DKIM-Signature lacks %s:\n%s", tag, sig)
				}
			}
			// The DKIM checker finds the published key usable.
			if key := dkimkey.Lookup(context.Background(), r, "example.com", "sel-"+kind); key.Status != dkimkey.StatusOK || !publicEqual(key.PublicKey, k) {
				t.Errorf("dkimkey.Lookup: %s %v", key.Status, key.Err)
			}
		})
	}
}

func TestDKIMDualSignature(t *testing.T) {
	rk, ek := testKey(t, KeyRSA), testKey(t, KeyEd25519)
	_, r := dkimKeyServer(t, rk, ek)
	msg, err := testSender(rk, ek).Compose(testCode(), "ann@example.com", testToken)
	if err != nil {
		t.Fatal(err)
	}
	vs := verifyDKIM(t, r, msg)
	if len(vs) != 2 {
		t.Fatalf("%d verifications, want 2", len(vs))
	}
	for _, v := range vs {
		if v.Err != nil {
			t.Errorf("signature %s: %v", v.Domain, v.Err)
		}
	}
	// Lines stay short, except the h= list, which go-msgauth writes on
	// one line.
	checkLines(t, msg, func(line string) bool { return strings.HasPrefix(line, " h=") })
}

// TestDKIMDetectsTampering checks the signature protects what it should:
// each change must make verification fail.
func TestDKIMDetectsTampering(t *testing.T) {
	k := testKey(t, KeyEd25519)
	_, r := dkimKeyServer(t, k)
	msg, err := testSender(k).Compose(testCode(), "ann@example.com", testToken)
	if err != nil {
		t.Fatal(err)
	}
	headerEnd := bytes.Index(msg, []byte("\r\n\r\n"))
	tests := []struct {
		name   string
		tamper func(string) string
	}{
		{"subject changed", func(m string) string {
			return strings.Replace(m, "Subject: "+MessageSubject, "Subject: Urgent: "+MessageSubject, 1)
		}},
		{"second From added (oversigning)", func(m string) string {
			i := strings.Index(m, "\r\nFrom:") + 2
			return m[:i] + "From: eve@evil.example\r\n" + m[i:]
		}},
		{"To changed", func(m string) string { return strings.Replace(m, "To: ann@", "To: eve@", 1) }},
		{"token changed", func(m string) string {
			return strings.Replace(m, TokenHeader+": "+testToken, TokenHeader+": aaaaaaaaaaaaaaaaaaaa", 1)
		}},
		{"code in the body changed", func(m string) string {
			return m[:headerEnd] + strings.Replace(m[headerEnd:], "338314", "338315", 1)
		}},
	}
	for _, tc := range tests {
		tampered := tc.tamper(string(msg))
		if tampered == string(msg) {
			t.Fatalf("%s: the tampering changed nothing", tc.name)
		}
		vs := verifyDKIM(t, r, []byte(tampered))
		if len(vs) != 1 || vs[0].Err == nil {
			t.Errorf("%s: verification %+v, want a failure", tc.name, vs)
		}
	}
	// Refolding and re-spacing the header survives relaxed
	// canonicalization (RFC 6376 §3.4.2), as it must through relays.
	refolded := strings.Replace(string(msg), "Subject: Your test", "Subject:   Your\r\n\t test", 1)
	if vs := verifyDKIM(t, r, []byte(refolded)); len(vs) != 1 || vs[0].Err != nil {
		t.Errorf("refolded header: %+v", vs)
	}
}
