package store

import (
	"context"
	"time"
)

// Report is a check an agent ran on an address, kept so that its link
// stays valid and shows what the agent saw then (issue 5: "a permanent link
// to each report").
type Report struct {
	// ID is 16 characters of lower-case RFC 4648 base32 without padding.
	ID      string
	Created time.Time
	Agent   string // the user who ran it
	Address string // the address checked, as normalised by the caller
	Ref     string // the wizard session it was opened from, or ""
	// Body is the report as JSON (the address check and the ranked
	// causes), at most 1 MiB.
	Body []byte
}

// ReportStore keeps agents' reports. It is part of [Store].
type ReportStore interface {
	// PutReport stores a report; a zero Created is set to the store's
	// clock. ErrExists if the ID is taken, ErrInvalid for a bad shape.
	PutReport(ctx context.Context, r *Report) error
	// Report returns the report with the ID, or ErrNotFound.
	Report(ctx context.Context, id string) (*Report, error)
	// ReportsByAddress returns the reports on the address (compared
	// exactly), newest first, at most limit (see [DefaultLimit]).
	ReportsByAddress(ctx context.Context, address string, limit int) ([]*Report, error)
	// PruneReports deletes the reports made before before (one made
	// exactly at before is kept) and reports how many. Like PurgeRaw it
	// may work in several transactions.
	PruneReports(ctx context.Context, before time.Time) (int64, error)
}
