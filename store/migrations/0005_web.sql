-- codeprobe store, schema version 5: the web site's records (issue 5):
-- agent accounts and their login sessions, saved rate-limit buckets, and
-- the self-help wizard's sessions.
-- Times are microseconds since the Unix epoch (UTC); locked_until and
-- last_login_at are NULL when the account is not locked or has never
-- logged in. The CHECK constraints mirror the shapes validate.go enforces;
-- comparing the byte length with the character length, which SQLite
-- counts up to the first NUL, keeps keys to single bytes and free of NUL.

CREATE TABLE users (
	name          TEXT PRIMARY KEY NOT NULL
		CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 64 AND length(name) = length(CAST(name AS BLOB))
			AND name NOT GLOB '*[^a-z0-9._@-]*'),
	password_hash TEXT NOT NULL
		CHECK (length(CAST(password_hash AS BLOB)) BETWEEN 2 AND 512 AND length(password_hash) = length(CAST(password_hash AS BLOB))
			AND password_hash GLOB '$*' AND password_hash NOT GLOB '*[^!-~]*'),
	created_at    INTEGER NOT NULL,
	failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
	locked_until  INTEGER,
	last_login_at INTEGER
);

-- id is the hex SHA-256 of the cookie's token, never the token itself.
CREATE TABLE web_sessions (
	id           TEXT PRIMARY KEY NOT NULL
		CHECK (length(CAST(id AS BLOB)) = 64 AND length(id) = length(CAST(id AS BLOB)) AND id NOT GLOB '*[^0-9a-f]*'),
	user_name    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
	csrf         TEXT NOT NULL
		CHECK (length(CAST(csrf AS BLOB)) BETWEEN 32 AND 128 AND length(csrf) = length(CAST(csrf AS BLOB))
			AND csrf NOT GLOB '*[^0-9a-fA-F]*'),
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_name);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);

CREATE TABLE rate_buckets (
	bucket_key TEXT PRIMARY KEY NOT NULL
		CHECK (length(CAST(bucket_key AS BLOB)) BETWEEN 1 AND 200 AND instr(CAST(bucket_key AS BLOB), x'00') = 0),
	tokens     REAL NOT NULL,
	at         INTEGER NOT NULL
);
CREATE INDEX rate_buckets_by_at ON rate_buckets (at);

-- state is the ui package's JSON document, '' for none.
CREATE TABLE wizard_sessions (
	ref         TEXT PRIMARY KEY NOT NULL
		CHECK (length(CAST(ref AS BLOB)) BETWEEN 4 AND 32 AND length(ref) = length(CAST(ref AS BLOB)) AND ref NOT GLOB '*[^A-Z0-9-]*'),
	secret_hash TEXT NOT NULL
		CHECK (length(CAST(secret_hash AS BLOB)) = 64 AND length(secret_hash) = length(CAST(secret_hash AS BLOB))
			AND secret_hash NOT GLOB '*[^0-9a-fA-F]*'),
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	address     TEXT NOT NULL,
	phone       TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (length(CAST(state AS BLOB)) <= 262144)
);
CREATE INDEX wizard_sessions_by_address ON wizard_sessions (address, updated_at, ref);
CREATE INDEX wizard_sessions_by_phone ON wizard_sessions (phone, updated_at, ref);
CREATE INDEX wizard_sessions_by_updated ON wizard_sessions (updated_at, ref);
