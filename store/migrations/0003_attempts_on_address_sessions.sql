-- codeprobe store, schema version 3: every attempt belongs to a code
-- session of version 2, keyed by (session ID, address), and goes with it
-- when it is deleted; the verdict 'too-many-attempts' is allowed; the code
-- sessions of version 1 (code_sessions), which nothing uses any more, are
-- dropped, with the attempts that belonged to no session of version 2.
--
-- code_attempts is rebuilt as SQLite's "Making Other Kinds Of Table Schema
-- Changes" (lang_altertable.html §7) describes: create the new table, copy
-- the rows, drop the old table, rename the new one, recreate the indexes.
-- Its step 1, turning foreign keys off, cannot be taken here: migrations run
-- in one transaction, where PRAGMA foreign_keys is a no-op. It is not
-- needed either: no table references code_attempts, so dropping it deletes
-- only its own rows (already copied), and every copied row has its parent
-- in code_address_sessions, which the foreign key checks as each row is
-- inserted (and step 10's foreign_key_check would confirm).

CREATE TABLE code_attempts_new (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	session_id       TEXT NOT NULL,
	address          TEXT NOT NULL,
	code             TEXT NOT NULL,
	attempted_at     INTEGER NOT NULL,
	verdict          TEXT NOT NULL CHECK (verdict IN ('ok', 'earlier', 'expired', 'near-miss', 'other-session',
		'unknown', 'too-many-attempts')),
	matched_token    TEXT NOT NULL,
	matched_ordinal  INTEGER NOT NULL,
	FOREIGN KEY (session_id, address) REFERENCES code_address_sessions (session_id, address) ON DELETE CASCADE
);

INSERT INTO code_attempts_new (id, session_id, address, code, attempted_at, verdict, matched_token, matched_ordinal)
	SELECT a.id, a.session_id, a.address, a.code, a.attempted_at, a.verdict, a.matched_token, a.matched_ordinal
	FROM code_attempts a
	WHERE EXISTS (SELECT 1 FROM code_address_sessions s WHERE s.session_id = a.session_id AND s.address = a.address)
	ORDER BY a.id;

-- Attempt IDs keep increasing past those of the rows left behind, as
-- AUTOINCREMENT promises: the new table takes over the old one's sequence.
DELETE FROM sqlite_sequence WHERE name = 'code_attempts_new';
INSERT INTO sqlite_sequence (name, seq)
	SELECT 'code_attempts_new', MAX(seq) FROM sqlite_sequence WHERE name = 'code_attempts' HAVING COUNT(*) > 0;

DROP TABLE code_attempts;
ALTER TABLE code_attempts_new RENAME TO code_attempts;

CREATE INDEX attempts_by_session ON code_attempts (session_id, attempted_at);
CREATE INDEX attempts_by_address ON code_attempts (address, attempted_at);
CREATE INDEX attempts_by_token ON code_attempts (matched_token, attempted_at);

DROP TABLE code_sessions;
