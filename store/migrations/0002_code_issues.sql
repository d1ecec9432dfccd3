-- codeprobe store, schema version 2: code sessions keyed by (session ID,
-- address), with every code issued in them. The code_sessions table of
-- version 1 is keyed by session ID alone and stays as it is.

CREATE TABLE code_address_sessions (
	id               INTEGER PRIMARY KEY AUTOINCREMENT, -- creation order
	session_id       TEXT NOT NULL,
	address          TEXT NOT NULL,
	secret           BLOB NOT NULL CHECK (length(secret) > 0),
	digits           INTEGER NOT NULL CHECK (digits > 0),
	created_at       INTEGER NOT NULL,
	UNIQUE (session_id, address)
);
CREATE INDEX code_address_sessions_by_address ON code_address_sessions (address, created_at);

CREATE TABLE code_issues (
	session_id       TEXT NOT NULL,
	address          TEXT NOT NULL,
	ordinal          INTEGER NOT NULL CHECK (ordinal >= 1),
	issued_at        INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL,
	token            TEXT NOT NULL,
	attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	PRIMARY KEY (session_id, address, ordinal),
	FOREIGN KEY (session_id, address) REFERENCES code_address_sessions (session_id, address) ON DELETE CASCADE
);
