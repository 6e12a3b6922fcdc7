package sql

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/sql/internal/memdb"
)

// TestExplainAnalyze runs EXPLAIN ANALYZE with a clock that advances 1ms
// per reading, so the timings are deterministic.
func TestExplainAnalyze(t *testing.T) {
	ctx := context.Background()
	var ticks int64
	clock := func() time.Time {
		ticks++
		return time.Unix(0, ticks*int64(time.Millisecond))
	}
	srv, err := NewServer(ctx, Config{DB: memdb.New(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	s, err := srv.NewSession(ctx, SessionArgs{User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	run := func(q string) string {
		w := &traceWriter{rows: true}
		if err := s.ExecSimple(ctx, q, w); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return w.b.String()
	}
	run(`CREATE TABLE a (id INT PRIMARY KEY, v INT); CREATE TABLE b (id INT PRIMARY KEY, a_id INT);
		INSERT INTO a VALUES (1, 10), (2, 20), (3, 30); INSERT INTO b VALUES (1, 1), (2, 1), (3, 2), (4, 9)`)
	for _, c := range []struct{ q, want string }{
		{`EXPLAIN ANALYZE SELECT v FROM a WHERE v > 10 ORDER BY v DESC LIMIT 1`, `limit (actual rows=1 time=1.000ms)
  └── sort (actual rows=2 time=1.000ms)
        └── filter (actual rows=2 time=1.000ms)
              └── full scan on a (actual rows=3 time=1.000ms)
Execution Time: 6.000 ms
`},
		{`EXPLAIN ANALYZE SELECT a.v, count(*) FROM a JOIN b ON b.a_id = a.id GROUP BY a.v`, `group (actual rows=2 time=1.000ms)
  └── hash join (inner) on a_id = id with full scan on b (actual rows=3 time=1.000ms)
        └── full scan on a (actual rows=3 time=1.000ms)
Execution Time: 9.000 ms
`},
	} {
		got := run(c.q)
		if got != c.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", c.q, got, c.want)
		}
	}
	// Statements other than SELECT show their plan and row count.
	if got := run(`EXPLAIN ANALYZE SELECT 1 UNION SELECT 2`); !strings.Contains(got, "(actual rows=2)") {
		t.Errorf("union: %s", got)
	}
}
