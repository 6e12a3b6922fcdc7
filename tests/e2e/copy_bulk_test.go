package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCopyBulk covers the batched COPY FROM and ADD PRIMARY KEY
// (sql/bulk.go) past a batch and past the lock escalation: a duplicate key
// far into the data, within it or against a row already there, fails the
// whole COPY with 23505 for its own line and writes nothing; a table keyed
// by the hidden rowid takes every row; ADD PRIMARY KEY refuses a duplicate
// found in a late batch and leaves the table as it was.
func TestCopyBulk(t *testing.T) {
	n := startNode(t)
	c := connect(t, n.SQLAddr())
	ctx := testCtx(t)
	rows := func(from, to int, extra ...string) string {
		var sb strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&sb, "%d\tv%d\n", i, i)
		}
		for _, e := range extra {
			sb.WriteString(e)
		}
		return sb.String()
	}
	count := func(table string) int {
		t.Helper()
		var n int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	mustExec(t, c, "CREATE TABLE k (a INT PRIMARY KEY, b TEXT)")
	// A duplicate within the data, on line 3501 (after three batches).
	_, err := c.PgConn().CopyFrom(ctx, strings.NewReader(rows(0, 3500, "10\tdup\n", rows(3500, 5000))), "COPY k FROM STDIN")
	if sqlState(err) != "23505" || !strings.Contains(errDetail(err), "Key (a)=(10) already exists") || !strings.Contains(errDetail(err), "line 3501") {
		t.Fatalf("duplicate within the data: %v, detail %q", err, errDetail(err))
	}
	if got := count("k"); got != 0 {
		t.Fatalf("a failed COPY wrote %d rows", got)
	}
	// A duplicate of a row already there, on line 4001.
	mustExec(t, c, "INSERT INTO k VALUES (4000, 'old')")
	_, err = c.PgConn().CopyFrom(ctx, strings.NewReader(rows(0, 5000)), "COPY k FROM STDIN")
	if sqlState(err) != "23505" || !strings.Contains(errDetail(err), "Key (a)=(4000) already exists") || !strings.Contains(errDetail(err), "line 4001") {
		t.Fatalf("duplicate of an existing row: %v, detail %q", err, errDetail(err))
	}
	if got := count("k"); got != 1 {
		t.Fatalf("after the failed COPY: %d rows, want 1", got)
	}
	// A check failure after a duplicate reports the duplicate, the first
	// bad line, as row by row.
	mustExec(t, c, "CREATE TABLE kc (a INT PRIMARY KEY, b TEXT NOT NULL)")
	_, err = c.PgConn().CopyFrom(ctx, strings.NewReader(rows(0, 1500, "7\tdup\n", "9999\t\\N\n")), "COPY kc FROM STDIN")
	if sqlState(err) != "23505" || !strings.Contains(errDetail(err), "line 1501") {
		t.Fatalf("duplicate then NULL: %v, detail %q", err, errDetail(err))
	}
	// The rows of a COPY in a transaction block are visible to it, and
	// commit with it.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Conn().PgConn().CopyFrom(ctx, strings.NewReader(rows(5000, 8000)), "COPY k FROM STDIN"); err != nil {
		t.Fatal(err)
	}
	var b string
	if err := tx.QueryRow(ctx, "SELECT b FROM k WHERE a = 7999").Scan(&b); err != nil || b != "v7999" {
		t.Fatalf("own row: %q %v", b, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count("k"); got != 3001 {
		t.Fatalf("after the committed COPY: %d rows, want 3001", got)
	}

	// No primary key: every row gets a rowid; then ADD PRIMARY KEY.
	mustExec(t, c, "CREATE TABLE h (a INT NOT NULL, b TEXT)")
	tag, err := c.PgConn().CopyFrom(ctx, strings.NewReader(rows(0, 20000)), "COPY h FROM STDIN")
	if err != nil || tag.String() != "COPY 20000" {
		t.Fatalf("COPY h: %v %v", tag, err)
	}
	mustExec(t, c, "ALTER TABLE h ADD PRIMARY KEY (a)")
	if got := count("h"); got != 20000 {
		t.Fatalf("after ADD PRIMARY KEY: %d rows", got)
	}
	if _, err := c.Exec(ctx, "INSERT INTO h VALUES (19999, 'x')"); sqlState(err) != "23505" {
		t.Fatalf("insert under the new key: %v", err)
	}

	// A duplicate in a late batch fails ADD PRIMARY KEY; nothing changes.
	mustExec(t, c, "CREATE TABLE d (a INT NOT NULL, b TEXT)")
	if _, err := c.PgConn().CopyFrom(ctx, strings.NewReader(rows(0, 6000, "5999\tdup\n")), "COPY d FROM STDIN"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Exec(ctx, "ALTER TABLE d ADD PRIMARY KEY (a)")
	if sqlState(err) != "23505" || !strings.Contains(errDetail(err), "Key (a)=(5999) is duplicated") {
		t.Fatalf("ADD PRIMARY KEY over a duplicate: %v, detail %q", err, errDetail(err))
	}
	if got := count("d"); got != 6001 {
		t.Fatalf("after the failed ADD PRIMARY KEY: %d rows", got)
	}
	mustExec(t, c, "INSERT INTO d VALUES (1, 'still no key')")

	// The binary format goes through the same batches.
	mustExec(t, c, "CREATE TABLE kb (a INT PRIMARY KEY, b BYTEA)")
	src := make([][]any, 3000)
	for i := range src {
		src[i] = []any{int32(i), []byte(fmt.Sprintf("bytes %d", i))}
	}
	src[2500][0] = int32(3)
	if _, err := c.CopyFrom(ctx, pgx.Identifier{"kb"}, []string{"a", "b"}, pgx.CopyFromRows(src)); sqlState(err) != "23505" {
		t.Fatalf("binary COPY with a duplicate: %v", err)
	}
	src[2500][0] = int32(2500)
	if nb, err := c.CopyFrom(ctx, pgx.Identifier{"kb"}, []string{"a", "b"}, pgx.CopyFromRows(src)); err != nil || nb != 3000 {
		t.Fatalf("binary COPY: %d %v", nb, err)
	}
	var bb []byte
	if err := c.QueryRow(ctx, "SELECT b FROM kb WHERE a = 2999").Scan(&bb); err != nil || string(bb) != "bytes 2999" {
		t.Fatalf("binary row: %q %v", bb, err)
	}
}

// TestCopyConcurrent runs COPYs of disjoint rows into one table at once:
// each takes the table lock before its first row (sql/bulk.go), so they
// run one after the other, and none fails with 40001 as loads escalating
// from row locks to the table lock would, deadlocked.
func TestCopyConcurrent(t *testing.T) {
	n := startNode(t)
	ctx := testCtx(t)
	c := connect(t, n.SQLAddr())
	mustExec(t, c, "CREATE TABLE p (a INT PRIMARY KEY, b TEXT)")
	const loaders, rows = 4, 2500
	conns := make([]*pgx.Conn, loaders)
	for i := range conns {
		conns[i] = connect(t, n.SQLAddr())
	}
	errs := make([]error, loaders)
	var wg sync.WaitGroup
	for i := range loaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sb strings.Builder
			for j := 0; j < rows; j++ {
				fmt.Fprintf(&sb, "%d\tl%d\n", i*rows+j, i)
			}
			_, errs[i] = conns[i].PgConn().CopyFrom(ctx, strings.NewReader(sb.String()), "COPY p FROM STDIN")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("loader %d: %v", i, err)
		}
	}
	var cnt int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM p").Scan(&cnt); err != nil || cnt != loaders*rows {
		t.Fatalf("count: %d %v", cnt, err)
	}
}
