package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/sql/internal/memdb"
	"github.com/meridiandb/meridian/sql/pgerror"
)

// TestStreamedSelect runs the queries exec streams (scanPlan.each: a page
// of rows at a time, aggregated or written as read, stopping at the LIMIT)
// with pages of 7 rows, on the real store, against results worked out
// here.
func TestStreamedSelect(t *testing.T) {
	defer func(n int64) { copyPage = n }(copyPage)
	copyPage = 7
	ctx := context.Background()
	s := storeSessions(t)()
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY, v INT); CREATE TABLE e (id INT PRIMARY KEY, v INT)")
	const n = 50
	sum, parity := 0, [2]int{}
	var thirds [][]int // ids whose v is a multiple of 3
	for i := 1; i <= n; i++ {
		v := i * i % 17
		mustExec(t, s, fmt.Sprintf("INSERT INTO t VALUES (%d, %d)", i, v))
		sum += v
		parity[v%2]++
		if v%3 == 0 {
			thirds = append(thirds, []int{i})
		}
	}
	for _, c := range []struct{ q, want string }{
		{"SELECT count(*), sum(v), min(v), max(v) FROM t", fmt.Sprintf("[[%d %d 0 16]]", n, sum)},
		{"SELECT count(*) FROM t WHERE v % 3 = 0", fmt.Sprintf("[[%d]]", len(thirds))},
		{"SELECT count(DISTINCT v % 5) FROM t", "[[5]]"},
		{"SELECT count(*), sum(v) FROM e", "[[0 NULL]]"},
		{"SELECT v % 2, count(*) FROM t GROUP BY v % 2 HAVING count(*) > 1 ORDER BY 1", fmt.Sprintf("[[0 %d] [1 %d]]", parity[0], parity[1])},
		{"SELECT v % 2, count(*) FROM t GROUP BY v % 2 HAVING count(*) > 25", fmt.Sprintf("[[0 %d]]", parity[0])},
		{"SELECT count(*) FROM t WHERE id > 10 AND id < 40", "[[29]]"},
		{"SELECT id FROM t WHERE v % 3 = 0 LIMIT 4 OFFSET 2", fmt.Sprint(thirds[2:6])},
		{"SELECT id FROM t LIMIT 0", "[]"},
		{"SELECT id FROM t OFFSET 47", "[[48] [49] [50]]"},
		{"SELECT id FROM t WHERE id >= 20 LIMIT 8", "[[20] [21] [22] [23] [24] [25] [26] [27]]"},
		// Rows past the LIMIT are not computed; rows OFFSET skips are.
		{"SELECT 10 / (id - 40) FROM t LIMIT 2", "[[0] [0]]"},
	} {
		if got := fmt.Sprint(mustExec(t, s, c.q).got); got != c.want {
			t.Errorf("%s = %s, want %s", c.q, got, c.want)
		}
	}
	if err := s.ExecSimple(ctx, "SELECT 10 / (id - 2) FROM t OFFSET 5", &rowsWriter{}); err == nil {
		t.Errorf("a division by zero in a row OFFSET skips went unnoticed")
	}
	// Locking reads page too, in a transaction block.
	mustExec(t, s, "BEGIN")
	if got := fmt.Sprint(mustExec(t, s, "SELECT count(*) FROM (SELECT id FROM t WHERE id > 3 FOR UPDATE) AS x").got); got != "[[47]]" {
		t.Errorf("FOR UPDATE count = %s", got)
	}
	if got := fmt.Sprint(mustExec(t, s, "SELECT id FROM t WHERE id > 44 FOR UPDATE").got); got != "[[45] [46] [47] [48] [49] [50]]" {
		t.Errorf("FOR UPDATE rows = %s", got)
	}
	mustExec(t, s, "COMMIT")

	// UPDATE (of no key or indexed column) and DELETE write as they read.
	if w := mustExec(t, s, "UPDATE t SET v = v + 100 WHERE id % 2 = 0"); fmt.Sprint(w.tags) != "[UPDATE 25]" {
		t.Errorf("UPDATE tag %v", w.tags)
	}
	if got := fmt.Sprint(mustExec(t, s, "SELECT sum(v) FROM t").got); got != fmt.Sprintf("[[%d]]", sum+2500) {
		t.Errorf("sum after UPDATE = %s, want %d", got, sum+2500)
	}
	// Fails at row 30, pages after the first rows were written.
	if err := s.ExecSimple(ctx, "UPDATE t SET v = 10 / (id - 30)", &rowsWriter{}); err == nil {
		t.Errorf("UPDATE dividing by zero succeeded")
	}
	if got := fmt.Sprint(mustExec(t, s, "SELECT sum(v) FROM t").got); got != fmt.Sprintf("[[%d]]", sum+2500) {
		t.Errorf("sum after a failed UPDATE = %s", got)
	}
	w := mustExec(t, s, "DELETE FROM t WHERE id > 40 OR id < 3 RETURNING id")
	if fmt.Sprint(w.tags) != "[DELETE 12]" || len(w.got) != 12 {
		t.Errorf("DELETE: tags %v, %d rows returned", w.tags, len(w.got))
	}
	if got := fmt.Sprint(mustExec(t, s, "SELECT count(*), min(id), max(id) FROM t").got); got != "[[38 3 40]]" {
		t.Errorf("after DELETE: %s", got)
	}

	// ADD COLUMN backfills its default a page at a time.
	mustExec(t, s, "ALTER TABLE t ADD COLUMN w INT NOT NULL DEFAULT 7")
	if got := fmt.Sprint(mustExec(t, s, "SELECT count(*), sum(w) FROM t WHERE w = 7").got); got != "[[38 266]]" {
		t.Errorf("after ADD COLUMN: %s", got)
	}
	if err := s.ExecSimple(ctx, "ALTER TABLE t ADD COLUMN x INT NOT NULL", &rowsWriter{}); err == nil {
		t.Errorf("ADD COLUMN NOT NULL without a default on a table with rows succeeded")
	}
}

// TestLargeResultStreams: an implicit transaction buffers its results for
// an invisible retry only up to resultsBufferValues; past that they reach
// the client as they come, and a retryable error after that point is the
// client's (40001), not retried behind rows it already has.
func TestLargeResultStreams(t *testing.T) {
	ctx := context.Background()
	db := memdb.New()
	s := mustSession(t, db)
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY)")
	const n = resultsBufferValues + 100
	var vals strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			vals.WriteString(", ")
		}
		fmt.Fprintf(&vals, "(%d)", i)
	}
	mustExec(t, s, "INSERT INTO t VALUES "+vals.String())

	// Small: retried invisibly.
	db.FailCommits.Store(1)
	if w := mustExec(t, s, "SELECT id FROM t WHERE id <= 10"); len(w.got) != 10 {
		t.Fatalf("small result after a retry: %d rows", len(w.got))
	}
	// Large: streamed, then the failed commit reaches the client.
	db.FailCommits.Store(1)
	w := &rowsWriter{}
	err := s.ExecSimple(ctx, "SELECT id FROM t", w)
	var pe *pgerror.Error
	if !errors.As(err, &pe) || pe.Code != pgerror.CodeSerializationFailure {
		t.Fatalf("large result with a failed commit: %v", err)
	}
	if len(w.got) != n {
		t.Fatalf("%d rows streamed before the error, want %d", len(w.got), n)
	}
	w = mustExec(t, s, "SELECT id FROM t")
	if len(w.got) != n || fmt.Sprint(w.tags) != fmt.Sprintf("[SELECT %d]", n) {
		t.Fatalf("large result: %d rows, tags %v", len(w.got), w.tags)
	}
}

// TestCoalesceParamTypes: a parameter in coalesce takes its type from the
// other arguments, as PostgreSQL resolves them (it was always text).
func TestCoalesceParamTypes(t *testing.T) {
	ctx := context.Background()
	s := mustSession(t, memdb.New())
	p, err := s.Prepare(ctx, "SELECT coalesce($1, 1) + 1, coalesce($2, 'x'), coalesce($3, 2.5), coalesce($4, $5)", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, pt := range p.ParamTypes() {
		got = append(got, pt.Name())
	}
	if want := "[integer text numeric text text]"; fmt.Sprint(got) != want {
		t.Fatalf("parameter types %v, want %s", got, want)
	}
}

// TestDMLSubquerySnapshot: a DELETE or UPDATE whose WHERE or SET has a
// subquery over its own table judges every row against the table as it
// was when the statement started (PostgreSQL's statement snapshot), not
// with the statement's earlier writes in it.
func TestDMLSubquerySnapshot(t *testing.T) {
	defer func(n int64) { copyPage = n }(copyPage)
	copyPage = 2
	s := storeSessions(t)()
	for _, c := range []struct{ setup, stmt, want string }{
		{"INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)",
			"DELETE FROM t WHERE EXISTS (SELECT 1 FROM t AS b WHERE b.k = t.k - 1)", "[[1 1]]"},
		{"INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)",
			"UPDATE t SET v = (SELECT b.v + 1 FROM t AS b WHERE b.k = t.k - 1) WHERE k > 1", "[[1 10] [2 11] [3 21]]"},
		{"INSERT INTO t VALUES (1, 1), (2, 2), (3, 3), (4, 4)",
			"DELETE FROM t WHERE k = 1 OR k > (SELECT count(*) FROM t) - 1", "[[2 2] [3 3]]"},
	} {
		mustExec(t, s, "DROP TABLE IF EXISTS t; CREATE TABLE t (k INT PRIMARY KEY, v INT); "+c.setup)
		mustExec(t, s, c.stmt)
		if got := fmt.Sprint(mustExec(t, s, "SELECT k, v FROM t ORDER BY k").got); got != c.want {
			t.Errorf("%s: %s, want %s", c.stmt, got, c.want)
		}
	}
}
