package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// Events tells what happened to a send or an address; see [Store.Events]
// and [Event].
//
// Each kind of event is read with its own query, newest first and limited,
// in one read transaction so they see one state of the database; the
// results are merged and cut to the limit.
func (s *SQLite) Events(ctx context.Context, f Filter) ([]Event, error) {
	db, err := s.reader()
	if err != nil {
		return nil, err
	}
	limit := clampLimit(f.Limit)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: reading events: %w", err)
	}
	defer tx.Rollback() // read-only: there is nothing to undo, nor an error worth reporting
	var events []Event
	for _, q := range []func(context.Context, *sql.Tx, Filter, int) ([]Event, error){
		sendEvents, resultEvents, returnEvents, attemptEvents,
	} {
		evs, err := q(ctx, tx, f, limit)
		if err != nil {
			return nil, fmt.Errorf("store: reading events: %w", err)
		}
		events = append(events, evs...)
	}
	sortEvents(events)
	if len(events) > limit {
		events = events[:limit]
	}
	return events, nil
}

// where is a WHERE clause of the conditions that apply, each with one
// argument; a condition whose argument is empty is left out, so each
// query can use the index of the condition it has.
func where(conds []string, values ...string) (string, []any) {
	var clause []string
	var args []any
	for i, v := range values {
		if v != "" {
			clause = append(clause, conds[i])
			args = append(args, v)
		}
	}
	if len(clause) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(clause, " AND "), args
}

// The filter's conditions on sends, for the token and the address.
const (
	tokenCond   = "token = ?"
	addressCond = "rcpt_address = ?"
)

func sendEvents(ctx context.Context, tx *sql.Tx, f Filter, limit int) ([]Event, error) {
	w, args := where([]string{tokenCond, addressCond}, f.Token, f.Address)
	return querySendEvents(ctx, tx, EventSend, `SELECT `+sendColumns+` FROM sends`+w+`
		ORDER BY created_at DESC, token DESC LIMIT ?`, append(args, limit))
}

func resultEvents(ctx context.Context, tx *sql.Tx, f Filter, limit int) ([]Event, error) {
	w, args := where([]string{tokenCond, addressCond}, f.Token, f.Address)
	if w == "" {
		w = " WHERE status != ''"
	} else {
		w += " AND status != ''"
	}
	return querySendEvents(ctx, tx, EventResult, `SELECT `+sendColumns+` FROM sends`+w+`
		ORDER BY updated_at DESC, token DESC LIMIT ?`, append(args, limit))
}

// querySendEvents makes an event of each send the query returns: when it
// was made, or when its result was recorded.
func querySendEvents(ctx context.Context, tx *sql.Tx, kind EventKind, query string, args []any) ([]Event, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	sends, err := collect(rows, scanSend)
	if err != nil {
		return nil, err
	}
	evs := make([]Event, len(sends))
	for i, snd := range sends {
		t := snd.Created
		if kind == EventResult {
			t = snd.Updated
		}
		evs[i] = Event{Time: t, Kind: kind, Token: snd.Token, Address: snd.Recipient, Send: snd}
	}
	return evs, nil
}

func returnEvents(ctx context.Context, tx *sql.Tx, f Filter, limit int) ([]Event, error) {
	w, args := where([]string{"r.token = ?", "r.token IN (SELECT token FROM sends WHERE " + addressCond + ")"},
		f.Token, f.Address)
	// A return tied to a stored send takes the send's address.
	rows, err := tx.QueryContext(ctx, `SELECT `+prefixColumns("r.", returnMeta)+`, COALESCE(s.rcpt_address, '')
		FROM returns r LEFT JOIN sends s ON s.token = r.token`+w+`
		ORDER BY r.received_at DESC, r.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	var evs []Event
	_, err = collect(rows, func(row scanner) (struct{}, error) {
		var addr string
		r, err := scanReturn(row, &addr)
		if err == nil {
			evs = append(evs, Event{Time: r.Received, Kind: EventReturn, Token: r.Token, Address: addr, Return: r})
		}
		return struct{}{}, err
	})
	return evs, err
}

func attemptEvents(ctx context.Context, tx *sql.Tx, f Filter, limit int) ([]Event, error) {
	w, args := where([]string{"matched_token = ?", "address = ?"}, f.Token, f.Address)
	rows, err := tx.QueryContext(ctx, `SELECT `+attemptColumns+` FROM code_attempts`+w+`
		ORDER BY attempted_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	attempts, err := collect(rows, scanAttempt)
	if err != nil {
		return nil, err
	}
	evs := make([]Event, len(attempts))
	for i, a := range attempts {
		evs[i] = Event{Time: a.Time, Kind: EventAttempt, Token: a.MatchedToken, Address: a.Address, Attempt: a}
	}
	return evs, nil
}

// prefixColumns qualifies each of a comma-separated list of columns.
func prefixColumns(prefix, cols string) string {
	list := strings.Split(cols, ",")
	for i, c := range list {
		list[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(list, ", ")
}

// eventRank orders events at the same time: the reverse of their natural
// order, so that newest first reads as what happened last first.
func eventRank(k EventKind) int {
	switch k {
	case EventAttempt:
		return 0
	case EventReturn:
		return 1
	case EventResult:
		return 2
	}
	return 3
}

// sortEvents orders events as documented on Event.
func sortEvents(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.After(b.Time)
		}
		if ra, rb := eventRank(a.Kind), eventRank(b.Kind); ra != rb {
			return ra < rb
		}
		switch a.Kind {
		case EventReturn:
			return a.Return.ID > b.Return.ID
		case EventAttempt:
			return a.Attempt.ID > b.Attempt.ID
		}
		return a.Token > b.Token
	})
}
