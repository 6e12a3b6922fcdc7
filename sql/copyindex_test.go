package sql

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/txn"
)

// TestCopyIndexesLikeInserts checks COPY's batched writes of secondary
// index entries (bulkInserter.putIndexEntries) against the same rows
// inserted one statement at a time: the same first error (code, message,
// detail, with the line of the row that fails), or the same table and
// index contents. Random rows collide on the primary key and on a unique
// index (NULLs do not collide), against rows already in the table and
// within the data, across batches of a few rows.
func TestCopyIndexesLikeInserts(t *testing.T) {
	defer func(n int) { bulkBatch = n }(bulkBatch)
	bulkBatch = 7
	ctx := context.Background()
	const ddl = "CREATE TABLE t (id INT PRIMARY KEY, u INT, k INT); " +
		"CREATE UNIQUE INDEX t_u ON t (u); CREATE INDEX t_k ON t (k)"
	failures, byIndex := 0, 0
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 7))
		field := func(n int) string {
			if rng.IntN(8) == 0 {
				return `\N`
			}
			return fmt.Sprint(rng.IntN(n))
		}
		ids, us := 40+rng.IntN(400), 30+rng.IntN(500)
		var pre []string
		for range rng.IntN(5) {
			pre = append(pre, fmt.Sprintf("(%d, %s, %s)", 1000+rng.IntN(ids), strings.ReplaceAll(field(us), `\N`, "NULL"), field(5)))
		}
		var lines []string
		for i := range 10 + rng.IntN(30) {
			id := i
			if rng.IntN(60) == 0 {
				id = 1000 + rng.IntN(ids) // may hit a pre-existing row
			} else if rng.IntN(80) == 0 {
				id = rng.IntN(i + 1) // may repeat an earlier line
			}
			lines = append(lines, fmt.Sprintf("%d\t%s\t%s", id, field(us), field(5)))
		}
		setup := func() Session {
			s := mustSession(t, openStore(t))
			mustExec(t, s, ddl)
			for _, p := range pre {
				// A pre-existing row may itself collide; skip it then.
				_ = s.ExecSimple(ctx, "INSERT INTO t VALUES "+p, &rowsWriter{})
			}
			return s
		}
		byCopy, byInsert := setup(), setup()
		copyErr := byCopy.ExecSimple(ctx, "COPY t FROM STDIN", &copyWriter{data: []byte(strings.Join(lines, "\n") + "\n")})
		var insErr error
		failed := -1
		mustExec(t, byInsert, "BEGIN")
		for i, l := range lines {
			f := strings.Split(strings.ReplaceAll(l, `\N`, "NULL"), "\t")
			if insErr = byInsert.ExecSimple(ctx, "INSERT INTO t VALUES ("+strings.Join(f, ", ")+")", &rowsWriter{}); insErr != nil {
				failed = i
				break
			}
		}
		if insErr != nil {
			mustExec(t, byInsert, "ROLLBACK")
			failures++
			var ce, ie *pgerror.Error
			if !errors.As(copyErr, &ce) || !errors.As(insErr, &ie) {
				t.Fatalf("seed %d: COPY: %v; INSERT of line %d: %v", seed, copyErr, failed+1, insErr)
			}
			where := fmt.Sprintf("COPY t, line %d", failed+1)
			want := strings.TrimPrefix(ie.Detail+"\n"+where, "\n")
			if ce.Code != ie.Code || ce.Message != ie.Message || ce.Detail != want {
				t.Fatalf("seed %d: COPY failed with %s %q (%q), INSERT of line %d with %s %q (%q)",
					seed, ce.Code, ce.Message, ce.Detail, failed+1, ie.Code, ie.Message, want)
			}
			if strings.Contains(ie.Message, `"t_u"`) {
				byIndex++
			}
			continue
		}
		mustExec(t, byInsert, "COMMIT")
		if copyErr != nil {
			t.Fatalf("seed %d: COPY failed (%v) where the INSERTs did not", seed, copyErr)
		}
		for _, q := range []string{
			"SELECT id, u, k FROM t ORDER BY id",
			"SELECT u, id FROM t WHERE u IS NOT NULL ORDER BY u",
			"SELECT k, id FROM t WHERE k = 3 ORDER BY id",
			"SELECT count(*) FROM t WHERE u IS NULL",
		} {
			a, b := fmt.Sprint(mustExec(t, byCopy, q).got), fmt.Sprint(mustExec(t, byInsert, q).got)
			if a != b {
				t.Fatalf("seed %d: %s\nafter COPY:    %s\nafter INSERTs: %s", seed, q, a, b)
			}
		}
	}
	t.Logf("%d of 60 seeds failed, %d of them in the unique index", failures, byIndex)
	if failures < 10 || failures > 50 || byIndex < 5 || failures-byIndex < 5 {
		t.Fatalf("%d of 60 seeds failed, %d in the unique index: the data should collide in both indexes in some seeds, not all", failures, byIndex)
	}
}

// TestAddPrimaryKeyRebuildsIndexes: ADD PRIMARY KEY on a table with
// secondary indexes (pg_dump adds unique constraints before primary keys)
// moves rows and index entries to the table's new span, with the new key
// in the entries, and leaves nothing under the old one.
func TestAddPrimaryKeyRebuildsIndexes(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	s := mustSession(t, db)
	mustExec(t, s, "CREATE TABLE t (id INT NOT NULL, u TEXT, k INT); CREATE UNIQUE INDEX t_u ON t (u); CREATE INDEX t_k ON t (k)")
	const n = 30
	for i := range n {
		mustExec(t, s, fmt.Sprintf("INSERT INTO t VALUES (%d, 'u%d', %d)", n-i, i, i%3))
	}
	table := func() *catalog.Table {
		tx, err := db.Begin(ctx, txn.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		d, err := catalog.LookupDatabase(ctx, tx, catalog.DefaultDatabase)
		if err != nil {
			t.Fatal(err)
		}
		tb, err := catalog.LookupTable(ctx, tx, d.ID, "t")
		if err != nil || tb == nil {
			t.Fatalf("table t: %v", err)
		}
		return tb
	}
	keys := func(tb *catalog.Table) int {
		tx, err := db.Begin(ctx, txn.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		from, to := tb.Span()
		kvs, err := tx.Scan(ctx, from, to, txn.ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(kvs)
	}
	old := table()
	if got := keys(old); got != 3*n {
		t.Fatalf("%d keys before, want %d", got, 3*n)
	}
	mustExec(t, s, "ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id)")
	if got := keys(old); got != 0 {
		t.Fatalf("%d keys left under the old table ID", got)
	}
	if got := keys(table()); got != 3*n {
		t.Fatalf("%d keys under the new table ID, want %d", got, 3*n)
	}
	for q, want := range map[string]string{
		"SELECT id FROM t WHERE u = 'u7'":                  "[[23]]",
		"SELECT count(*) FROM t WHERE k = 1":               "[[10]]",
		"SELECT id FROM t WHERE k = 2 ORDER BY id LIMIT 2": "[[1] [4]]",
	} {
		if got := fmt.Sprint(mustExec(t, s, q).got); got != want {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	if err := s.ExecSimple(ctx, "INSERT INTO t VALUES (99, 'u7', 0)", &rowsWriter{}); err == nil {
		t.Errorf("a duplicate in the unique index went in after the rebuild")
	}
}
