-- codeprobe store, schema version 1.
-- Times are microseconds since the Unix epoch (UTC); durations nanoseconds.

CREATE TABLE sends (
	token            TEXT PRIMARY KEY NOT NULL CHECK (length(token) = 20),
	created_at       INTEGER NOT NULL,
	session_id       TEXT NOT NULL,
	rcpt_address     TEXT NOT NULL,
	rcpt_domain      TEXT NOT NULL,
	from_address     TEXT NOT NULL,
	sink_domain      TEXT NOT NULL,
	ordinal          INTEGER NOT NULL CHECK (ordinal >= 0),
	status           TEXT NOT NULL CHECK (status IN ('', 'accepted', 'deferred', 'rejected', 'error')),
	reply_code       INTEGER NOT NULL,
	enhanced_status  TEXT NOT NULL,
	queue_id         TEXT NOT NULL,
	remote_host      TEXT NOT NULL,
	remote_ip        TEXT NOT NULL,
	transcript       TEXT NOT NULL,
	duration_ns      INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX sends_by_address ON sends (rcpt_address, created_at, token);
CREATE INDEX sends_by_created ON sends (created_at, token);
CREATE INDEX sends_by_updated ON sends (updated_at, token) WHERE status != '';

CREATE TABLE returns (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	received_at      INTEGER NOT NULL,
	mail_from        TEXT NOT NULL,
	recipients       TEXT NOT NULL, -- JSON array of strings
	remote_ip        TEXT NOT NULL,
	helo             TEXT NOT NULL,
	size             INTEGER NOT NULL,
	raw              BLOB,          -- NULL once purged
	purged_at        INTEGER,
	token            TEXT,          -- NULL when tied to no send; not a foreign key
	kind             TEXT NOT NULL DEFAULT '',
	reason           TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL DEFAULT '',
	system           TEXT NOT NULL DEFAULT '',
	diagnostic       TEXT NOT NULL DEFAULT '',
	recipients_json  TEXT,
	evidence_json    TEXT,
	classified_at    INTEGER
);
CREATE INDEX returns_by_token ON returns (token, received_at);
CREATE INDEX returns_by_received ON returns (received_at);
CREATE INDEX returns_unclassified ON returns (id) WHERE kind = '';
CREATE INDEX returns_unpurged ON returns (received_at) WHERE raw IS NOT NULL;

CREATE TABLE code_sessions (
	session_id       TEXT PRIMARY KEY NOT NULL,
	secret           BLOB NOT NULL,
	counter          INTEGER NOT NULL CHECK (counter >= 0),
	created_at       INTEGER NOT NULL
);

CREATE TABLE code_attempts (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	session_id       TEXT NOT NULL REFERENCES code_sessions (session_id) ON DELETE CASCADE,
	address          TEXT NOT NULL,
	code             TEXT NOT NULL,
	attempted_at     INTEGER NOT NULL,
	verdict          TEXT NOT NULL CHECK (verdict IN ('ok', 'earlier', 'expired', 'near-miss', 'other-session', 'unknown')),
	matched_token    TEXT NOT NULL,
	matched_ordinal  INTEGER NOT NULL
);
CREATE INDEX attempts_by_session ON code_attempts (session_id, attempted_at);
CREATE INDEX attempts_by_address ON code_attempts (address, attempted_at);
CREATE INDEX attempts_by_token ON code_attempts (matched_token, attempted_at);
