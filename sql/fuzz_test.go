package sql

import (
	"context"
	"testing"

	"github.com/meridiandb/meridian/sql/internal/memdb"
)

// FuzzExecSimple runs arbitrary text through the whole engine on a small
// schema: whatever the input, the engine answers with results or an error,
// never a panic.
func FuzzExecSimple(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM t WHERE a = 1 AND b > 'x' ORDER BY b DESC NULLS LAST LIMIT 2",
		"INSERT INTO t VALUES (1, 'a', 1.5), (2, NULL, NULL)",
		"UPDATE t SET a = a + 1, c = c * 2 WHERE b IS NOT NULL",
		"DELETE FROM t WHERE a BETWEEN 1 AND 3",
		"SELECT count(*), sum(a), min(b), max(c) FROM t",
		"SELECT meridian_cast(1)", "SELECT meridian_nulls(1, 'first')", "SELECT meridian_default(1)",
		"SELECT CASE WHEN a > 1 THEN b ELSE 'z' END FROM t", "SELECT DISTINCT b FROM t ORDER BY 1",
		"BEGIN; SELECT 1/0; COMMIT", "SET application_name = 'x'; SHOW ALL",
		"EXPLAIN SELECT * FROM t WHERE a >= 1 AND a < 2", "INSERT INTO t SELECT a + 10, b, c FROM t",
		"SELECT -9223372036854775808, 9223372036854775808, 1e400, -(-2147483648)",
		"SELECT a::text || b, coalesce(c, 0), lower(b), length(b), abs(a) FROM t",
		"SELECT * FROM t AS x JOIN t AS y ON x.a = y.a LEFT JOIN t AS z ON z.a > y.a WHERE x.a IN (SELECT a FROM t)",
		"SELECT (SELECT max(a) FROM t), EXISTS (SELECT 1 FROM t), b, count(*) FROM t GROUP BY b HAVING count(*) > 0",
		"INSERT INTO t VALUES (1, 'x', 2) ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING *",
		"SELECT substr(b, 2), trim(b), greatest(a, 2), nullif(a, 1) FROM t ORDER BY 1 NULLS FIRST",
		"ALTER TABLE t OWNER TO x; ALTER SEQUENCE t OWNER TO y", "SELECT set_config('a.b', 'x', false), current_setting('a.b', true)",
		"ALTER TABLE t ADD CONSTRAINT u UNIQUE (b); ALTER TABLE t DROP CONSTRAINT IF EXISTS u", "SELECT 1e3, 1.5E-3, 2e0 / 3",
		"SET client_min_messages = warning; DROP TABLE IF EXISTS nope; RESET client_min_messages",
		"INSERT INTO t OVERRIDING SYSTEM VALUE VALUES (5, 'q', 1)", "SELECT count(*) FROM t WHERE a > 1 LIMIT 1 OFFSET 0",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	db := memdb.New()
	srv, err := NewServer(ctx, Config{DB: db})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		s, err := srv.NewSession(ctx, SessionArgs{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(ctx)
		_ = s.ExecSimple(ctx, "DROP TABLE IF EXISTS t; CREATE TABLE t (a INT PRIMARY KEY, b TEXT, c FLOAT8)", &rowsWriter{})
		_ = s.ExecSimple(ctx, q, &rowsWriter{})
		if p, err := s.Prepare(ctx, q, nil); err == nil {
			_ = p.ParamTypes()
		}
	})
}
