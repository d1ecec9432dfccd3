package storetest

import (
	"testing"
	"time"

	"github.com/codeprobe/codeprobe/store"
)

// testDeleteWebSessions: signing a user out everywhere ends that user's
// sessions and no one else's.
func testDeleteWebSessions(t *testing.T, st store.Store, clock *Clock) {
	mustPutUser(t, st, "ann")
	mustPutUser(t, st, "bob")
	later := clock.Now().Add(time.Hour)
	mustPutWebSession(t, st, "ann", "a1", later)
	mustPutWebSession(t, st, "ann", "a2", later)
	mustPutWebSession(t, st, "bob", "b1", later)
	n, err := st.DeleteWebSessions(ctx(t), "ann")
	if err != nil || n != 2 {
		t.Fatalf("DeleteWebSessions(ann) = %d, %v; want 2, nil", n, err)
	}
	for _, id := range []string{"a1", "a2"} {
		wantErr(t, errOf(st.WebSession(ctx(t), sessionID(id))), store.ErrNotFound, "ann's session %s after sign-out", id)
	}
	if _, err := st.WebSession(ctx(t), sessionID("b1")); err != nil {
		t.Errorf("bob's session is gone too: %v", err)
	}
	if n, err := st.DeleteWebSessions(ctx(t), "nobody"); err != nil || n != 0 {
		t.Errorf("DeleteWebSessions(nobody) = %d, %v; want 0, nil", n, err)
	}
}
