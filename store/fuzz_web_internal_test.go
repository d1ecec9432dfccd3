package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzWebShapes checks the validators of the web site's keys against the
// schema's CHECK constraints, writing past the validators: a user name, a
// password hash and a wizard reference code are stored by the schema
// exactly when the validator accepts them, and a rate bucket key the
// validator accepts is stored and comes back byte for byte through the
// store (the schema refuses the rest but for invalid UTF-8, which only the
// validator sees).
func FuzzWebShapes(f *testing.F) {
	f.Add("ann", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "K7Q2-9XMD", "send/ip/192.0.2.7")
	f.Add("Ann", "hunter2", "k7q2", "")
	f.Add("a\x00b", "$2b$\x00", "AB\x00C", "k\x00")
	f.Add(strings.Repeat("z", 65), "$ x", "ABC", strings.Repeat("é", 101))
	f.Add("jürgen@x", "$é", "ÄBCD", "\xff\xfe")
	f.Add("._-@", "$$", strings.Repeat("9", 32), strings.Repeat("k", 200))
	st, err := OpenSQLite(":memory:", nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	f.Fuzz(func(t *testing.T, name, hash, ref, key string) {
		ctx := context.Background()
		raw := func(q string, args ...any) bool {
			_, err := st.wdb.ExecContext(ctx, q, args...)
			return err == nil
		}
		// agree stores value past the validator with insert, then empties
		// the table again.
		agree := func(what, value string, valid bool, table, insert string, args ...any) {
			if stored := raw(insert, args...); stored != valid {
				t.Errorf("%s %q: the validator says valid %v, the schema stored it %v", what, value, valid, stored)
			}
			raw(`DELETE FROM ` + table)
		}
		var c checker
		c.passwordHash(hash)
		agree("user name", name, ValidUserName(name), "users",
			`INSERT INTO users (name, password_hash, created_at) VALUES (?, '$2b$x', 1)`, name)
		agree("password hash", hash, c.err == nil, "users",
			`INSERT INTO users (name, password_hash, created_at) VALUES ('ann', ?, 1)`, hash)
		agree("reference code", ref, ValidWizardRef(ref), "wizard_sessions",
			`INSERT INTO wizard_sessions VALUES (?, ?, 1, 1, '', '', '')`, ref, strings.Repeat("0", 64))

		b := RateBucket{Key: key, Tokens: 1.5, At: time.UnixMicro(1).UTC()}
		err := st.SaveRateBuckets(ctx, []RateBucket{b})
		if valid := len(key) >= 1 && len(key) <= MaxRateKeyLen && utf8.ValidString(key) && !strings.Contains(key, "\x00"); !valid {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("SaveRateBuckets(%q) = %v, want ErrInvalid", key, err)
			}
			if utf8.ValidString(key) && raw(`INSERT INTO rate_buckets VALUES (?, 0, 1)`, key) {
				t.Errorf("the schema stored the rate bucket key %q", key)
			}
			raw(`DELETE FROM rate_buckets`)
			return
		}
		if err != nil {
			t.Fatalf("SaveRateBuckets(%q): %v", key, err)
		}
		got, err := st.RateBuckets(ctx, []string{key})
		if err != nil || len(got) != 1 || got[key] != b {
			t.Fatalf("rate bucket %q came back as %v, %v", key, got, err)
		}
		if n, err := st.PruneRateBuckets(ctx, time.UnixMicro(2)); err != nil || n != 1 {
			t.Fatalf("PruneRateBuckets = %d, %v; want the one bucket", n, err)
		}
	})
}
