package sql

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

// runTrace runs q and prints its results and error.
func runTrace(s Session, q string) string {
	w := &traceWriter{loc: s.(*session).vars.loc}
	err := s.ExecSimple(context.Background(), q, w)
	out := w.b.String()
	if err != nil {
		out += errText(err)
	}
	return out
}

// TestTemplatesAnswerAsParse runs many statement shapes with several sets
// of integer constants in one session, where the second and later
// queries of a shape go through its template, and in fresh sessions,
// which parse: the answers (columns, types, rows, errors) must be the
// same.
func TestTemplatesAnswerAsParse(t *testing.T) {
	ctx := context.Background()
	srv, err := NewServer(ctx, Config{DB: openStore(t)})
	if err != nil {
		t.Fatal(err)
	}
	open := func() Session {
		s, err := srv.NewSession(ctx, SessionArgs{User: "u"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := open()
	mustExec(t, a, "CREATE TABLE t (id INT PRIMARY KEY, v INT, s TEXT, f FLOAT8, b BOOL, n NUMERIC(10,2), j JSONB, d DATE, ts TIMESTAMPTZ)")
	mustExec(t, a, "INSERT INTO t VALUES (1, 10, 'one', 1.5, true, 1.25, '[1,2,{\"a\":3}]', '2020-01-01', '2020-01-01 10:00:00+00'), (2, 20, 'two', 2.5, false, 2.5, '{\"1\":\"x\"}', '2021-06-01', '2021-06-01 00:00:00+00'), (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
	shapes := []string{
		"SELECT %d", "SELECT -%d", "SELECT - %d", "SELECT %d - %d", "SELECT %d-%d", "SELECT %d*%d", "SELECT %d / %d", "SELECT %d %% %d",
		"SELECT %d + 2147483647", "SELECT %d::int2", "SELECT %d::bool", "SELECT %d::text", "SELECT %d::int8", "SELECT %d::numeric(10,%d)", "SELECT %d::float4",
		"SELECT id FROM t ORDER BY %d", "SELECT id, v FROM t ORDER BY %d DESC", "SELECT id FROM t ORDER BY %d NULLS FIRST", "SELECT id, v FROM t ORDER BY %d DESC NULLS LAST",
		"SELECT v, count(*) FROM t GROUP BY %d ORDER BY %d", "SELECT id FROM t ORDER BY id LIMIT %d", "SELECT id FROM t ORDER BY id LIMIT %d OFFSET %d", "SELECT id FROM t ORDER BY id OFFSET %d",
		"SELECT id FROM t ORDER BY id FETCH FIRST %d ROWS ONLY", "SELECT id FROM t ORDER BY id OFFSET %d ROWS FETCH FIRST %d ROWS ONLY",
		"SELECT j->%d FROM t ORDER BY id", "SELECT j->>%d FROM t ORDER BY id", "SELECT j->-%d FROM t ORDER BY id",
		"SELECT id FROM t WHERE id = %d", "SELECT * FROM t WHERE id = %d", "SELECT id FROM t WHERE id IN (%d, %d)", "SELECT id FROM t WHERE id BETWEEN %d AND %d ORDER BY id",
		"SELECT id FROM t WHERE v > %d ORDER BY id", "SELECT CASE WHEN id = %d THEN 'a' ELSE 'b' END FROM t ORDER BY id", "SELECT mod(id, %d) FROM t ORDER BY id", "SELECT id %% %d FROM t ORDER BY id",
		"SELECT substr('abcdef', %d, %d)", "SELECT repeat('ab', %d)", "SELECT round(1.23456, %d)", "SELECT lpad('a', %d, '-')", "SELECT chr(%d + 64)",
		"SELECT d + %d FROM t ORDER BY id", "SELECT '2020-01-01'::date + %d", "SELECT f * %d FROM t ORDER BY id", "SELECT n * %d FROM t ORDER BY id", "SELECT n + %d FROM t ORDER BY id",
		"SELECT f = %d FROM t ORDER BY id", "SELECT b = (%d = 1) FROM t ORDER BY id", "SELECT %d = %d", "SELECT %d IS NULL", "SELECT (%d)", "SELECT ((%d))::text",
		"SELECT %d AS x, %d AS \"y 1\"", "SELECT '%d'", "SELECT 'x' || %d", "SELECT %d || 'x'", "SELECT \"v\" + %d FROM t ORDER BY 1", "SELECT v FROM t WHERE v = %d OR v IS NULL ORDER BY 1",
		"SELECT count(*) FROM t WHERE id > %d", "SELECT sum(v) + %d FROM t", "SELECT max(id) FROM t HAVING max(id) > %d", "SELECT %d FROM t ORDER BY 1", "SELECT DISTINCT v %% %d FROM t ORDER BY 1",
		"SELECT id FROM t WHERE id = %d UNION SELECT %d ORDER BY 1", "SELECT (SELECT %d)", "SELECT id FROM t WHERE id IN (SELECT %d)", "SELECT EXISTS (SELECT 1 FROM t WHERE id = %d)",
		"SELECT coalesce(v, %d) FROM t ORDER BY id", "SELECT nullif(%d, %d)", "SELECT greatest(%d, %d)", "SELECT abs(-%d)", "SELECT %d::int4 * 1000000", "SELECT %d * 100000 * 100000",
		"SELECT row_number() OVER (ORDER BY id) + %d FROM t", "SELECT id FROM t ORDER BY id LIMIT %d + 1", "SELECT interval '%d days'", "SELECT ts + interval '1 hour' * %d FROM t ORDER BY id",
		"SELECT extract(year from d) + %d FROM t ORDER BY id", "SELECT to_char(%d, '999')", "SELECT %d::varchar(%d)", "SELECT 'abc'::char(%d)", "SELECT %d::regclass",
		"SELECT generate_series(1, %d)", "SELECT array[%d]", "SELECT (%d, %d)", "SELECT %d, %d, %d, %d", "SELECT id FROM t WHERE s LIKE '%%%d%%'",
		"SELECT 000%d", "SELECT %d00000000000", "SELECT %d0000000000000000000000", "SELECT %d., 1", "SELECT %d.5", "SELECT %de2", "select %d", "SELECT %d;", "SELECT %d; SELECT %d",
		"SELECT TRUE AND %d = 1", "SELECT NOT %d = 1", "SELECT %d::bit(%d)", "SELECT power(%d, 2)", "SELECT sqrt(%d)", "SELECT %d ^ 2", "SELECT |/ %d", "SELECT @ -%d", "SELECT ~%d", "SELECT %d << 2", "SELECT %d & 3",
		"SELECT setval('nosuch', %d)", "SELECT nextval('nosuch') + %d", "SELECT currval('nosuch') + %d",
		"SELECT id FROM t t%d", "SELECT t.id FROM t WHERE t.id=%d", "SELECT %d FROM t WHERE false", "SELECT id FROM t WHERE id = %d FOR UPDATE",
	}
	vals := [][]int{{1, 2, 3, 4}, {2, 1, 0, 9}, {0, 0, 0, 0}, {3, 3, 2, 1}, {2147483647, 1, 5, 7}, {65, 100, 3, 2}, {1000000000, 1000000001, 1, 1}, {9, 8, 7, 6}}
	for _, shape := range shapes {
		n := strings.Count(shape, "%d")
		for _, vs := range vals {
			args := make([]any, n)
			for i := range args {
				args[i] = vs[i%len(vs)]
			}
			q := fmt.Sprintf(shape, args...)
			got := runTrace(a, q)
			c := open()
			want := runTrace(c, q)
			_ = c.Close(ctx)
			if got != want {
				t.Errorf("%s:\ntemplated: %s\nfresh:     %s", q, got, want)
			}
		}
	}
	if n := len(a.(*session).stmtCache.templates); n < 50 {
		t.Errorf("only %d shapes templated", n)
	}
}

// TestPreparedResultFixed: a prepared statement answers with the columns
// it was described with or fails with 0A000, as PostgreSQL's does; a
// snapshot from before the change still reads the old shape.
func TestPreparedResultFixed(t *testing.T) {
	ctx := context.Background()
	a, b := twoSessions(t)
	mustExec(t, a, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'one')")
	p, err := a.Prepare(ctx, "SELECT * FROM t WHERE id = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	exec := func() (*rowsWriter, error) {
		w := &rowsWriter{}
		return w, a.ExecPrepared(ctx, p, []rowenc.Value{rowenc.Int(1)}, w)
	}
	for range 3 {
		if w, err := exec(); err != nil || len(w.cols) != 2 || len(w.got) != 1 {
			t.Fatalf("before ALTER: %v %v %v", err, w.cols, w.got)
		}
	}
	mustExec(t, a, "BEGIN READ ONLY")
	mustExec(t, b, "ALTER TABLE t ADD COLUMN w INT")
	if w, err := exec(); err != nil || len(w.cols) != 2 || len(w.got) != 1 {
		t.Fatalf("snapshot from before ALTER: %v %v %v", err, w.cols, w.got)
	}
	if err := a.(Binder).CheckBind(p); err != nil {
		t.Fatalf("bind in the snapshot from before ALTER: %v", err)
	}
	mustExec(t, a, "COMMIT")
	for range 2 {
		if err := a.(Binder).CheckBind(p); errCode(err) != pgerror.CodeFeatureNotSupported {
			t.Fatalf("bind after ALTER: %v", err)
		}
		if _, err := exec(); errCode(err) != pgerror.CodeFeatureNotSupported {
			t.Fatalf("after ALTER: %v", err)
		}
	}
	// Refused at Bind in a block, it fails the block.
	mustExec(t, a, "BEGIN")
	if err := a.(Binder).CheckBind(p); errCode(err) != pgerror.CodeFeatureNotSupported || a.TxnStatus() != TxnFailed {
		t.Fatalf("bind in a block: %v, status %c", err, a.TxnStatus())
	}
	mustExec(t, a, "ROLLBACK")
	mustExec(t, b, "ALTER TABLE t DROP COLUMN w")
	if err := a.(Binder).CheckBind(p); err != nil {
		t.Fatalf("bind with the shape restored: %v", err)
	}
	if w, err := exec(); err != nil || len(w.cols) != 2 || len(w.got) != 1 {
		t.Fatalf("shape restored: %v %v %v", err, w.cols, w.got)
	}
	// Without a catalog change, Bind plans nothing.
	pp := p.(*prepared)
	if !pp.atOK || pp.at != a.(*session).srv.cfg.DB.(*catalogDB).cache.state.Load() {
		t.Fatalf("state not noted: %v %x", pp.atOK, pp.at)
	}
	// Nor in a block that changed nothing (pgbench -M prepared prepares in
	// its first transaction block).
	mustExec(t, a, "BEGIN")
	p2, err := a.Prepare(ctx, "SELECT v FROM t WHERE id = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if pp := p2.(*prepared); !pp.atOK {
		t.Fatal("state not noted in a block")
	}
	// The block's own DDL changes the result: refused at Bind.
	mustExec(t, a, "ALTER TABLE t ADD COLUMN z INT")
	if err := a.(Binder).CheckBind(p); errCode(err) != pgerror.CodeFeatureNotSupported || a.TxnStatus() != TxnFailed {
		t.Fatalf("bind after the block's ALTER: %v, status %c", err, a.TxnStatus())
	}
	mustExec(t, a, "ROLLBACK")
	if err := a.(Binder).CheckBind(p); err != nil {
		t.Fatalf("bind after ROLLBACK: %v", err)
	}
}

// TestSequenceValuesKeepCatalogCache: handing out sequence values (every
// INSERT into a SERIAL column with the default CACHE 1) writes the
// sequence's value key, which is no catalog: it must neither empty the
// catalog cache and the kept plans nor be read from the cache.
func TestSequenceValuesKeepCatalogCache(t *testing.T) {
	ctx := context.Background()
	a, b := twoSessions(t)
	cache := a.(*session).srv.cfg.DB.(*catalogDB).cache
	mustExec(t, a, "CREATE TABLE t (id SERIAL PRIMARY KEY, v INT); CREATE SEQUENCE s")
	p, err := a.Prepare(ctx, "SELECT v FROM t WHERE id = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, a, "SELECT * FROM t")
	before := cache.state.Load()
	for i := range 5 {
		mustExec(t, b, fmt.Sprintf("INSERT INTO t (v) VALUES (%d)", i))
		mustExec(t, b, "SELECT nextval('s')")
		if w := mustExec(t, a, "SELECT last_value FROM s"); len(w.got) != 1 || w.got[0][0].I != int64(i+1) {
			t.Fatalf("last_value after %d nextval: %v", i+1, w.got)
		}
		if w := mustExec(t, a, "SELECT last_value, is_called FROM t_id_seq"); len(w.got) != 1 || w.got[0][0].I != int64(i+1) {
			t.Fatalf("t_id_seq after %d inserts: %v", i+1, w.got)
		}
		w := &rowsWriter{}
		if err := a.ExecPrepared(ctx, p, []rowenc.Value{rowenc.Int(int64(i + 1))}, w); err != nil || len(w.got) != 1 || w.got[0][0].I != int64(i) {
			t.Fatalf("row %d: %v %v", i+1, err, w.got)
		}
	}
	if after := cache.state.Load(); after != before {
		t.Fatalf("sequence values moved the catalog generation: %x -> %x", before, after)
	}
	if p.(*prepared).plan.pl == nil {
		t.Fatal("no plan kept")
	}
	mustExec(t, b, "ALTER SEQUENCE s RESTART WITH 100")
	if w := mustExec(t, a, "SELECT last_value, is_called FROM s"); len(w.got) != 1 || w.got[0][0].I != 100 || w.got[0][1].Bool() {
		t.Fatalf("after RESTART: %v", w.got)
	}
	mustExec(t, b, "SELECT setval('s', 7)")
	if w := mustExec(t, a, "SELECT last_value, is_called FROM s"); len(w.got) != 1 || w.got[0][0].I != 7 || !w.got[0][1].Bool() {
		t.Fatalf("after setval: %v", w.got)
	}
}

func TestSeqValPrefix(t *testing.T) {
	for _, id := range []catalog.ID{0, 1, 100, 1 << 30} {
		k := catalog.SequenceValueKey(id)
		if !isSystemKey(k) || isCatalogKey(k) {
			t.Errorf("value key of %d: system %v catalog %v", id, isSystemKey(k), isCatalogKey(k))
		}
	}
	if k := catalog.SequenceDescKey(100, "seqval"); !isCatalogKey(k) {
		t.Error("a sequence descriptor is not a catalog key")
	}
}

// TestKeptPlansFresh has one session drop and create a table again (new
// id, new data span) while others run a prepared SELECT on it: an
// execution that starts after a round returned reads that round's table,
// never a plan kept from an older one. Each round waits for every reader
// to have read it twice (the second time through its kept plan).
func TestKeptPlansFresh(t *testing.T) {
	ctx := context.Background()
	open := storeSessions(t)
	w := open()
	mustExec(t, w, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 0)")
	const rounds, readers = 20, 3
	var done atomic.Int64
	var reads [readers]atomic.Int64 // reads of the current round
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	stop := make(chan struct{})
	for i := range readers {
		r := open()
		p, err := r.Prepare(ctx, "SELECT v FROM t WHERE id = $1", nil)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				before := done.Load()
				rw := &rowsWriter{}
				if err := r.ExecPrepared(ctx, p, []rowenc.Value{rowenc.Int(1)}, rw); err != nil {
					errs <- err
					return
				}
				if len(rw.got) != 1 || rw.got[0][0].I < before {
					errs <- fmt.Errorf("read %v after %d rounds returned", rw.got, before)
					return
				}
				if rw.got[0][0].I == before {
					reads[i].Add(1)
				}
			}
		}()
	}
	for round := 1; round <= rounds; round++ {
		for i := range readers {
			for reads[i].Load() < 2 && len(errs) == 0 {
				runtime.Gosched()
			}
		}
		mustExec(t, w, fmt.Sprintf("DROP TABLE t; CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, %d)", round))
		for i := range readers {
			reads[i].Store(0)
		}
		done.Store(int64(round))
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// errCode is err's SQLSTATE, or "" for no error.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	return pgerror.Code(err)
}
