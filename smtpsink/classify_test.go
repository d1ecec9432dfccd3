package smtpsink

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/smtpsink/classify"
	"github.com/codeprobe/codeprobe/store"
)

// sample reads a message from testdata with TOKEN replaced and CRLF line
// endings, as it would travel.
func sample(t testing.TB, name, token string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("TOKEN"), []byte(token))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// classified waits until return id has a classification and returns the
// return.
func classified(t testing.TB, st store.Store, id int64) *store.Return {
	t.Helper()
	var r *store.Return
	waitFor(t, "a classification", func() bool {
		var err error
		r, err = st.Return(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return r.Classification.Kind != ""
	})
	return r
}

func evidenceOf(t testing.TB, r *store.Return) StoredEvidence {
	t.Helper()
	var ev StoredEvidence
	if err := json.Unmarshal(r.Classification.Evidence, &ev); err != nil {
		t.Fatalf("evidence %q: %v", r.Classification.Evidence, err)
	}
	return ev
}

// TestClassifiesAndTies sends realistic returns over SMTP and checks what
// the store ends up with: the classification, and the token that ties the
// return to its send, from the envelope or, for a message to postmaster,
// from the message itself.
func TestClassifiesAndTies(t *testing.T) {
	st := openStore(t)
	var hooked atomic.Int32
	_, addr := startSink(t, Options{Store: st, OnClassified: func(int64, store.Classification) { hooked.Add(1) }})
	tests := []struct {
		name, file  string
		rcpt        func(token string) string
		kind        string
		reason      string
		status      string
		tokenSource string
	}{
		{"DSN to the bounce address", "dsn-userunknown.eml", bounceAddr, "bounce", "userunknown", "5.1.1", tokenFromEnvelope},
		{"vacation reply", "vacation.eml", bounceAddr, "autoreply", "vacation", "", tokenFromEnvelope},
		{"DSN to postmaster", "dsn-userunknown.eml", func(string) string { return "postmaster@" + sinkDomain },
			"bounce", "userunknown", "5.1.1", tokenFromMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := newToken(t)
			c := dial(t, addr)
			c.expect(250, "EHLO mx.example.test")
			msg := sample(t, tt.file, token)
			if code, text := c.sendMail("", []string{tt.rcpt(token)}, msg); code != 250 {
				t.Fatalf("got %d %s", code, text)
			}
			list := returnsFor(t, st, token)
			if len(list) != 1 {
				t.Fatalf("%d returns tied to the token, want 1", len(list))
			}
			r := classified(t, st, list[0].ID)
			cl := r.Classification
			if cl.Kind != tt.kind || cl.Reason != tt.reason || cl.Status != tt.status {
				t.Errorf("classified %q/%q/%q, want %q/%q/%q", cl.Kind, cl.Reason, cl.Status, tt.kind, tt.reason, tt.status)
			}
			if r.Token != token || !bytes.Equal(r.Raw, msg) {
				t.Errorf("token %q, raw equal %v", r.Token, bytes.Equal(r.Raw, msg))
			}
			ev := evidenceOf(t, r)
			if ev.TokenSource != tt.tokenSource || len(ev.Evidence) == 0 {
				t.Errorf("evidence %+v", ev)
			}
			if tt.kind == "bounce" {
				var rs []StoredRecipient
				if err := json.Unmarshal(cl.Recipients, &rs); err != nil {
					t.Fatal(err)
				}
				if len(rs) != 1 || rs[0].Address != "ann@example.test" || rs[0].Status != "5.1.1" || rs[0].Action != "failed" {
					t.Errorf("recipients %s", cl.Recipients)
				}
				if !strings.Contains(cl.Diagnostic, "User unknown") || cl.System == "" {
					t.Errorf("diagnostic %q, system %q", cl.Diagnostic, cl.System)
				}
			}
		})
	}
	waitFor(t, "OnClassified", func() bool { return hooked.Load() == int32(len(tests)) })
}

// TestRecoveryAfterCrash stores returns as a sink that crashed after
// acknowledging them would have left them, unclassified, and checks that
// a new server classifies them all, and leaves alone those that were.
func TestRecoveryAfterCrash(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	const n = 250 // more than one page of UnclassifiedReturns
	var ids []int64
	for range n {
		token := newToken(t)
		id, err := st.PutReturn(ctx, &store.Return{
			Recipients: []string{bounceAddr(token)}, Raw: sample(t, "dsn-userunknown.eml", token), Token: token,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	done, err := st.PutReturn(ctx, &store.Return{Raw: []byte("Subject: hi\r\n\r\nhello\r\n")})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetClassification(ctx, done, store.Classification{Kind: "reply"}); err != nil {
		t.Fatal(err)
	}
	purged, err := st.PutReturn(ctx, &store.Return{Raw: []byte("Subject: old\r\n\r\nold\r\n"), Received: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PurgeRaw(ctx, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}

	startSink(t, Options{Store: st})
	for _, id := range ids {
		r := classified(t, st, id)
		if r.Classification.Kind != "bounce" || evidenceOf(t, r).TokenSource != tokenFromEnvelope {
			t.Fatalf("return %d classified %+v", id, r.Classification)
		}
	}
	if r := classified(t, st, purged); r.Classification.Kind != "unknown" || evidenceOf(t, r).Error != errPurged.Error() {
		t.Errorf("purged return classified %+v", r.Classification)
	}
	r, err := st.Return(ctx, done)
	if err != nil {
		t.Fatal(err)
	}
	if r.Classification.Kind != "reply" {
		t.Errorf("an earlier classification was replaced by %q", r.Classification.Kind)
	}
}

// TestAcksDoNotWaitForClassification holds the classifier and checks that
// messages are still acknowledged, beyond what the queue holds, and all
// classified once it is released: the overflow waits in the store.
func TestAcksDoNotWaitForClassification(t *testing.T) {
	release := make(chan struct{})
	st := openStore(t)
	_, addr := startSink(t, Options{
		Store:           st,
		ClassifyWorkers: 1,
		ClassifyQueue:   1,
		Classify: func(raw []byte) (*classify.Result, error) {
			<-release
			return classify.Classify(raw)
		},
	})
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	var tokens []string
	for range 10 {
		token := newToken(t)
		tokens = append(tokens, token)
		if code, text := c.sendMail("", []string{bounceAddr(token)}, sample(t, "vacation.eml", token)); code != 250 {
			t.Fatalf("got %d %s", code, text)
		}
	}
	close(release)
	for _, token := range tokens {
		list := returnsFor(t, st, token)
		if len(list) != 1 {
			t.Fatalf("%d returns for a token", len(list))
		}
		if r := classified(t, st, list[0].ID); r.Classification.Kind != "autoreply" {
			t.Errorf("classified %q", r.Classification.Kind)
		}
	}
}

// TestClassifierPanic: a classifier that panics costs the message its
// classification, not its place in the store, nor the server.
func TestClassifierPanic(t *testing.T) {
	st := openStore(t)
	_, addr := startSink(t, Options{Store: st, Classify: func([]byte) (*classify.Result, error) { panic("boom") }})
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	// To postmaster, classified before storing; to the bounce address,
	// after.
	for _, rcpt := range []string{"postmaster@" + sinkDomain, bounceAddr(newToken(t))} {
		if code, text := c.sendMail("", []string{rcpt}, testMessage(tok)); code != 250 {
			t.Fatalf("%s: got %d %s", rcpt, code, text)
		}
	}
	evs, err := st.Events(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2 returns", len(evs))
	}
	for _, ev := range evs {
		r := classified(t, st, ev.Return.ID)
		if r.Classification.Kind != "unknown" || !strings.Contains(evidenceOf(t, r).Error, "boom") {
			t.Errorf("classified %+v", r.Classification)
		}
	}
}

// TestShutdownDrains: Shutdown returns only once every acknowledged
// message is classified.
func TestShutdownDrains(t *testing.T) {
	st := openStore(t)
	release := make(chan struct{})
	srv, addr := startSink(t, Options{Store: st, ClassifyWorkers: 1, ClassifyQueue: 2,
		Classify: func(raw []byte) (*classify.Result, error) {
			<-release
			return classify.Classify(raw)
		}})
	c := dial(t, addr)
	c.expect(250, "EHLO mx.example.test")
	var tokens []string
	for range 20 {
		token := newToken(t)
		tokens = append(tokens, token)
		if code, text := c.sendMail("", []string{bounceAddr(token)}, sample(t, "dsn-userunknown.eml", token)); code != 250 {
			t.Fatalf("got %d %s", code, text)
		}
	}
	c.expect(221, "QUIT")
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	// As in TestAckOnlyAfterStored, the wait only sharpens the test.
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with classification held", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, token := range tokens {
		for _, r := range returnsFor(t, st, token) {
			if r.Classification.Kind != "bounce" {
				t.Errorf("after Shutdown, return %d classified %q", r.ID, r.Classification.Kind)
			}
		}
	}
}
