-- codeprobe store, schema version 4: seed-mailbox placements, where each
-- test code of a seed run landed at the seed's provider.
-- Times are microseconds since the Unix epoch (UTC); filed_at and seen_at
-- are NULL unless the message was found.

CREATE TABLE placements (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	run_id           TEXT NOT NULL CHECK (length(run_id) BETWEEN 1 AND 64),
	seed             TEXT NOT NULL CHECK (seed != ''),
	provider         TEXT NOT NULL,
	token            TEXT NOT NULL CHECK (token = '' OR length(token) = 20),
	kind             TEXT NOT NULL CHECK (kind IN ('inbox', 'junk', 'other', 'missing', 'error')),
	folder           TEXT NOT NULL,
	sent_at          INTEGER NOT NULL,
	filed_at         INTEGER,
	seen_at          INTEGER,
	send_status      TEXT NOT NULL CHECK (send_status IN ('', 'accepted', 'deferred', 'rejected', 'error')),
	spf              TEXT NOT NULL,
	dkim             TEXT NOT NULL,
	dmarc            TEXT NOT NULL,
	spam             TEXT NOT NULL CHECK (spam IN ('', 'spam', 'not-spam')),
	error            TEXT NOT NULL
);
CREATE INDEX placements_by_provider ON placements (provider, sent_at, id);
CREATE INDEX placements_by_run ON placements (run_id, sent_at, id);
CREATE INDEX placements_by_seed ON placements (seed, sent_at, id);
CREATE INDEX placements_by_sent ON placements (sent_at, id);
