package ratelimit_test

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"time"

	"github.com/codeprobe/codeprobe/ratelimit"
	"github.com/codeprobe/codeprobe/store"
)

// The wizard peeks before showing the send button, and tells the user
// when they may try again.
func ExampleLimiter_Peek() {
	st, err := store.OpenSQLite(":memory:", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	now := func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
	l, err := ratelimit.New(st, ratelimit.SendLimits(), &ratelimit.Options{Now: now})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	keys := ratelimit.SendKeys(netip.MustParseAddr("192.0.2.7"), "Ann@Example.com")
	for range 2 {
		if _, err := l.Allow(ctx, keys...); err != nil {
			log.Fatal(err)
		}
	}
	d, err := l.Peek(ctx, keys...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ok=%v, limited by %s: you may try again at %s\n", d.OK, d.Denied, d.RetryAt.Format("15:04"))
	// Output: ok=false, limited by send/address: you may try again at 10:20
}
