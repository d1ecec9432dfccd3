-- codeprobe store, schema version 6: the agents' reports (issue 5), each a
-- check an agent ran, kept for its permanent link. body is JSON.
-- Times are microseconds since the Unix epoch (UTC).

CREATE TABLE reports (
	id         TEXT PRIMARY KEY NOT NULL
		CHECK (length(id) = 16 AND id NOT GLOB '*[^a-z2-7]*'),
	created_at INTEGER NOT NULL,
	agent      TEXT NOT NULL CHECK (agent != ''),
	address    TEXT NOT NULL CHECK (address != ''),
	ref        TEXT NOT NULL,
	body       TEXT NOT NULL CHECK (length(CAST(body AS BLOB)) BETWEEN 2 AND 1048576)
);
CREATE INDEX reports_by_address ON reports (address, created_at, id);
CREATE INDEX reports_by_created ON reports (created_at, id);
