package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// describe is "kind@minute" for an event at(minute).
func describe(evs []store.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, fmt.Sprintf("%s@%d", ev.Kind, int(ev.Time.Sub(at(0))/time.Minute)))
	}
	return out
}

func testEvents(t *testing.T, st store.Store, clock *Clock) {
	const ann, bob = "ann@example.com", "bob@example.org"
	tA1, tA2, tB := Token("a1"), Token("a2"), Token("b")
	mustPutSend(t, st, newSend(tA1, ann, at(0)))
	mustPutSend(t, st, newSend(tA2, ann, at(10)))
	mustPutSend(t, st, newSend(tB, bob, at(5)))
	for token, minute := range map[string]int{tA1: 1, tB: 6} {
		clock.Set(at(minute))
		if err := st.UpdateSendResult(ctx(t), token, store.SendResult{Status: store.SendAccepted, ReplyCode: 250}); err != nil {
			t.Fatal(err)
		}
	}
	mustPutReturn(t, st, newReturn(tA1, at(3), "bounce of a1"))
	mustPutReturn(t, st, newReturn(tB, at(7), "bounce of b"))
	mustPutReturn(t, st, newReturn("", at(8), "untied"))
	mustPutReturn(t, st, newReturn(Token("forged"), at(4), "forged"))
	mustOpenSession(t, st, "sA", ann)
	mustOpenSession(t, st, "sB", bob)
	mustPutAttempt(t, st, &store.Attempt{SessionID: "sA", Address: ann, Code: "1", Time: at(11), Verdict: store.VerdictEarlier, MatchedToken: tA1})
	mustPutAttempt(t, st, &store.Attempt{SessionID: "sA", Address: ann, Code: "2", Time: at(12), Verdict: store.VerdictUnknown})
	mustPutAttempt(t, st, &store.Attempt{SessionID: "sB", Address: bob, Code: "3", Time: at(13), Verdict: store.VerdictOK, MatchedToken: tB})

	for _, tc := range []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"token", store.Filter{Token: tA1}, []string{"attempt@11", "return@3", "result@1", "send@0"}},
		{"address", store.Filter{Address: ann}, []string{"attempt@12", "attempt@11", "send@10", "return@3", "result@1", "send@0"}},
		{"token and address", store.Filter{Token: tA2, Address: ann}, []string{"send@10"}},
		{"token of another address", store.Filter{Token: tB, Address: ann}, nil},
		{"everything", store.Filter{}, []string{"attempt@13", "attempt@12", "attempt@11", "send@10", "return@8", "return@7",
			"result@6", "send@5", "return@4", "return@3", "result@1", "send@0"}},
		{"limit", store.Filter{Limit: 3}, []string{"attempt@13", "attempt@12", "attempt@11"}},
		{"unknown address", store.Filter{Address: "nobody@example.com"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := st.Events(ctx(t), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(evs); !slices.Equal(got, tc.want) {
				t.Fatalf("Events(%+v) =\n %v\nwant\n %v", tc.f, got, tc.want)
			}
			checkEventFields(t, evs, map[string]string{tA1: ann, tA2: ann, tB: bob})
		})
	}
}

// checkEventFields: each event carries its record, its token and the
// address of its send, and never a raw message.
func checkEventFields(t *testing.T, evs []store.Event, addressOf map[string]string) {
	t.Helper()
	for _, ev := range evs {
		set := 0
		for _, p := range []bool{ev.Send != nil, ev.Return != nil, ev.Attempt != nil} {
			if p {
				set++
			}
		}
		if set != 1 {
			t.Fatalf("event %+v has %d records, want 1", ev, set)
		}
		switch ev.Kind {
		case store.EventSend, store.EventResult:
			if ev.Token != ev.Send.Token || ev.Address != ev.Send.Recipient {
				t.Errorf("send event %+v: token or address differs from its send", ev)
			}
		case store.EventReturn:
			if ev.Return.Raw != nil || ev.Token != ev.Return.Token || ev.Address != addressOf[ev.Token] {
				t.Errorf("return event %+v: want no Raw, its token, and its send's address %q", ev, addressOf[ev.Token])
			}
		case store.EventAttempt:
			if ev.Token != ev.Attempt.MatchedToken || ev.Address != ev.Attempt.Address {
				t.Errorf("attempt event %+v: token or address differs from its attempt", ev)
			}
		default:
			t.Errorf("event kind %q", ev.Kind)
		}
	}
}

func testEventsLimitAndTies(t *testing.T, st store.Store, clock *Clock) {
	tok := Token("tie")
	clock.Set(at(0))
	mustPutSend(t, st, newSend(tok, "ann@example.com", at(0)))
	if err := st.UpdateSendResult(ctx(t), tok, store.SendResult{Status: store.SendRejected, ReplyCode: 550}); err != nil {
		t.Fatal(err)
	}
	r1 := mustPutReturn(t, st, newReturn(tok, at(0), "one"))
	r2 := mustPutReturn(t, st, newReturn(tok, at(0), "two"))
	mustOpenSession(t, st, "s", "ann@example.com")
	mustPutAttempt(t, st, &store.Attempt{SessionID: "s", Address: "ann@example.com", Time: at(0), Verdict: store.VerdictExpired, MatchedToken: tok})
	evs, err := st.Events(ctx(t), store.Filter{Token: tok})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := describe(evs), []string{"attempt@0", "return@0", "return@0", "result@0", "send@0"}; !slices.Equal(got, want) {
		t.Fatalf("events at one time = %v, want %v", got, want)
	}
	if evs[1].Return.ID != r2 || evs[2].Return.ID != r1 {
		t.Errorf("returns at one time: IDs %d, %d; want %d, %d (larger first)", evs[1].Return.ID, evs[2].Return.ID, r2, r1)
	}

	// Limits: zero means DefaultLimit, past MaxLimit means MaxLimit.
	var wg sync.WaitGroup
	for i := range store.MaxLimit + 1 {
		wg.Go(func() {
			if err := st.PutSend(ctx(t), newSend(TokenN(i), "bulk@example.com", at(100+i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for limit, want := range map[int]int{0: store.DefaultLimit, -5: store.DefaultLimit, 7: 7, 50000: store.MaxLimit} {
		evs, err := st.Events(ctx(t), store.Filter{Address: "bulk@example.com", Limit: limit})
		if err != nil || len(evs) != want {
			t.Errorf("Events(limit %d) = %d events, %v; want %d", limit, len(evs), err, want)
		}
	}
}

func testConcurrentUse(t *testing.T, st store.Store, _ *Clock) {
	const workers, rounds = 8, 15
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			addr := fmt.Sprintf("user%d@example.com", w)
			for i := range rounds {
				tok := TokenN(w*1000 + i)
				if err := concurrentRound(t, st, addr, tok, i); err != nil {
					t.Errorf("worker %d round %d: %v", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for w := range workers {
		addr := fmt.Sprintf("user%d@example.com", w)
		sends, err := st.SendsByAddress(ctx(t), addr, 0)
		if err != nil || len(sends) != rounds {
			t.Fatalf("%s: %d sends, %v; want %d", addr, len(sends), err, rounds)
		}
		evs, err := st.Events(ctx(t), store.Filter{Address: addr, Limit: store.MaxLimit})
		if err != nil || len(evs) != 3*rounds {
			t.Errorf("%s: %d events, %v; want %d (send, result, return per round)", addr, len(evs), err, 3*rounds)
		}
	}
}

// concurrentRound writes and reads back one send and its return.
func concurrentRound(t *testing.T, st store.Store, addr, tok string, i int) error {
	c := ctx(t)
	if err := st.PutSend(c, newSend(tok, addr, at(i))); err != nil {
		return err
	}
	if err := st.UpdateSendResult(c, tok, store.SendResult{Status: store.SendAccepted, ReplyCode: 250}); err != nil {
		return err
	}
	id, err := st.PutReturn(c, newReturn(tok, at(i+1), "msg "+tok))
	if err != nil {
		return err
	}
	if err := st.SetClassification(c, id, store.Classification{Kind: "bounce"}); err != nil {
		return err
	}
	r, err := st.Return(c, id)
	if err != nil {
		return err
	}
	if string(r.Raw) != "msg "+tok || r.Classification.Kind != "bounce" {
		return fmt.Errorf("return %d read back as %+v", id, r)
	}
	if s, err := st.Send(c, tok); err != nil || s.Result.Status != store.SendAccepted {
		return fmt.Errorf("send %s read back as %+v, %v", tok, s, err)
	}
	rs, err := st.ReturnsByToken(c, tok, 0)
	if err != nil || len(rs) != 1 {
		return fmt.Errorf("ReturnsByToken(%s) = %d, %v", tok, len(rs), err)
	}
	return nil
}

func testClosed(t *testing.T, st store.Store, _ *Clock) {
	mustOpenSession(t, st, "s", "a@b.c", at(0))
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Errorf("second Close = %v, want the first's nil", err)
	}
	c := ctx(t)
	tok := Token("closed")
	for name, call := range map[string]func() error{
		"PutSend":          func() error { return st.PutSend(c, newSend(tok, "a@b.c", at(0))) },
		"UpdateSendResult": func() error { return st.UpdateSendResult(c, tok, store.SendResult{Status: store.SendError}) },
		"Send":             func() error { _, err := st.Send(c, tok); return err },
		"SendsByAddress":   func() error { _, err := st.SendsByAddress(c, "a@b.c", 0); return err },
		"PutReturn":        func() error { _, err := st.PutReturn(c, newReturn(tok, at(0), "x")); return err },
		"SetClassification": func() error {
			return st.SetClassification(c, 1, store.Classification{Kind: "bounce"})
		},
		"Return":         func() error { _, err := st.Return(c, 1); return err },
		"ReturnsByToken": func() error { _, err := st.ReturnsByToken(c, tok, 0); return err },
		"UnclassifiedReturns": func() error {
			_, err := st.UnclassifiedReturns(c, 0, 0)
			return err
		},
		"PurgeRaw": func() error { _, err := st.PurgeRaw(c, at(0)); return err },
		"OpenAddressCodeSession": func() error {
			_, err := st.OpenAddressCodeSession(c, &store.AddressCodeSession{ID: "t", Address: "a@b.c", Secret: []byte("k"), Digits: 6})
			return err
		},
		"AddressCodeSession": func() error { _, err := st.AddressCodeSession(c, "s", "a@b.c"); return err },
		"AppendCodeIssue": func() error {
			_, err := st.AppendCodeIssue(c, "s", "a@b.c", store.CodeIssue{}, 10)
			return err
		},
		"RecentAddressCodeSessions": func() error {
			_, err := st.RecentAddressCodeSessions(c, "a@b.c", at(0), 0)
			return err
		},
		"CountCodeAttempt":  func() error { _, err := st.CountCodeAttempt(c, "s", "a@b.c", 1); return err },
		"PruneCodeSessions": func() error { _, err := st.PruneCodeSessions(c, at(100)); return err },
		"PutAttempt": func() error {
			_, err := st.PutAttempt(c, &store.Attempt{SessionID: "s", Address: "a@b.c", Verdict: store.VerdictOK})
			return err
		},
		"Attempts": func() error { _, err := st.Attempts(c, "s", 0); return err },
		"Events":   func() error { _, err := st.Events(c, store.Filter{}); return err },
		"PutPlacements": func() error {
			return st.PutPlacements(c, []*store.Placement{newPlacement("r", "google", "1", at(0))})
		},
		"PutPlacements(empty)": func() error { return st.PutPlacements(c, nil) },
		"Placements":           func() error { _, err := st.Placements(c, store.PlacementFilter{}); return err },
		"PlacementRuns":        func() error { _, err := st.PlacementRuns(c, "google", 3); return err },
		"PrunePlacements":      func() error { _, err := st.PrunePlacements(c, at(100)); return err },
	} {
		if err := call(); !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}
