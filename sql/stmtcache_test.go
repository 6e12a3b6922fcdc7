package sql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

// literalNodes prints every literal node of n with its type, which
// Restore does not show.
type literalNodes struct{ b strings.Builder }

func (l *literalNodes) Enter(n ast.Node) (ast.Node, bool) {
	if v, ok := n.(*test_driver.ValueExpr); ok {
		fmt.Fprintf(&l.b, "[%d %v %s]", v.Kind(), v.GetValue(), v.Type.String())
	}
	return n, false
}

func (l *literalNodes) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func describeParse(t *testing.T, stmts []front.Parsed) string {
	t.Helper()
	var b strings.Builder
	for _, st := range stmts {
		s, err := front.Restore(st.AST)
		if err != nil {
			t.Fatal(err)
		}
		var l literalNodes
		st.AST.Accept(&l)
		fmt.Fprintf(&b, "%s %s params=%d; ", s, l.b.String(), st.NumParams)
	}
	return b.String()
}

// TestStmtTemplates checks that a query parsed through its shape's
// template reads exactly as a fresh parse, for shapes that can be
// templated and shapes that cannot (where the literal turns into
// something else than a literal node).
func TestStmtTemplates(t *testing.T) {
	// Each shape with whether it gets a template.
	shapes := []struct {
		q         string
		templated bool
	}{
		{"SELECT abalance FROM pgbench_accounts WHERE aid = %d;", true},
		{"select a, b from t where a = %d and b > %d order by a limit %d", false},
		{"SELECT %d", true},
		{"SELECT -%d, %d - %d, 'x%d', \"c%d\" FROM t", false},
		{"SELECT * FROM t ORDER BY %d", false},
		{"SELECT * FROM t GROUP BY %d", false},
		{"SELECT 'a'::varchar(%d)", false},
		{"SELECT x FROM t WHERE y IN (%d, %d, %d) OFFSET %d", false},
		{"SELECT %d::int8, %d::float8, %d::numeric", true},
		{"SELECT * FROM t WHERE a = %d; SELECT %d", false},
		{"SELECT a FROM t ORDER BY %d NULLS FIRST", true},
		{"SELECT CASE WHEN a = %d THEN %d ELSE %d END FROM t", true},
	}
	values := [][]int{{1, 2, 3, 4, 5}, {2147483647, 0, 7, 12, 99}, {42, 42, 42, 42, 42}, {0, 1, 0, 1, 0}, {7, 300000, 8, 9, 1}}
	for _, sh := range shapes {
		shape := sh.q
		s := newSession(&Server{cfg: Config{}}, "u", "defaultdb")
		for _, vals := range values {
			args := make([]any, strings.Count(shape, "%d"))
			for i := range args {
				args[i] = vals[i%len(vals)]
			}
			q := fmt.Sprintf(shape, args...)
			got, err1 := s.parseSimple(q)
			want, err2 := s.parser.Parse(q)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s: errors %v / %v", q, err1, err2)
			}
			if err1 != nil {
				continue
			}
			if g, w := describeParse(t, got), describeParse(t, want); g != w {
				t.Errorf("%s:\ntemplate %s\nparse    %s", q, g, w)
			}
		}
		if got := len(s.stmtCache.templates) == 1; got != sh.templated {
			t.Errorf("%s: templated %v, want %v", shape, got, sh.templated)
		}
	}
}

// TestStmtTemplatesRun runs templated queries end to end: each gets its
// own constants' rows.
func TestStmtTemplatesRun(t *testing.T) {
	s := mustSession(t, openStore(t))
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)")
	for round := 0; round < 3; round++ {
		for id := 1; id <= 4; id++ {
			w := mustExec(t, s, fmt.Sprintf("SELECT v, %d FROM t WHERE id = %d", id*100, id))
			if id == 4 {
				if len(w.got) != 0 {
					t.Fatalf("id 4: %v", w.got)
				}
				continue
			}
			if len(w.got) != 1 || w.got[0][0].I != int64(10*id) || w.got[0][1].I != int64(100*id) {
				t.Fatalf("id %d round %d: %v", id, round, w.got)
			}
		}
	}
}

func TestLiteralShape(t *testing.T) {
	for _, c := range []struct {
		q    string
		key  string
		vals []int64
		ok   bool
	}{
		{"SELECT a FROM t WHERE id = 12;", "SELECT a FROM t WHERE id = \x00;", []int64{12}, true},
		{"SELECT t1.c2 FROM t1 WHERE x=3", "SELECT t1.c2 FROM t1 WHERE x=\x00", []int64{3}, true},
		{"SELECT '12', \"a 1\"\"\" FROM t", "SELECT '12', \"a 1\"\"\" FROM t", nil, true},
		{"SELECT 'it''s 5', 6", "SELECT 'it''s 5', \x00", []int64{6}, true},
		{"SELECT 9999999999", "SELECT 9999999999", nil, true},
		{"SELECT 1.5", "", nil, false},
		{"SELECT .5", "", nil, false},
		{"SELECT 1e3", "", nil, false},
		{"SELECT 0x1F", "", nil, false},
		{"SELECT 1 -- 2", "", nil, false},
		{"SELECT /* 1 */ 2", "", nil, false},
		{"SELECT $1", "", nil, false},
		{"SELECT E'\\n', 1", "", nil, false},
		{"SELECT 'unterminated", "", nil, false},
	} {
		key, vals, _, ok := literalShape(nil, nil, nil, c.q)
		if ok != c.ok || ok && (string(key) != c.key || fmt.Sprint(vals) != fmt.Sprint(c.vals)) {
			t.Errorf("%q: got %q %v %v, want %q %v %v", c.q, key, vals, ok, c.key, c.vals, c.ok)
		}
	}
}

func BenchmarkParseSimple(b *testing.B) {
	s := newSession(&Server{cfg: Config{}}, "u", "defaultdb")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := s.parseSimple(fmt.Sprintf("SELECT abalance FROM pgbench_accounts WHERE aid = %d;", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPrepareSameText prepares one text several times: the parse is
// shared, the description follows the catalog.
func TestPrepareSameText(t *testing.T) {
	ctx := context.Background()
	s := mustSession(t, openStore(t))
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 10)")
	const q = "SELECT * FROM t WHERE id = $1"
	p1, err := s.Prepare(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, s, "ALTER TABLE t ADD COLUMN w INT DEFAULT 5")
	p2, err := s.Prepare(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Columns()) != 2 || len(p2.Columns()) != 3 {
		t.Fatalf("columns %v then %v", p1.Columns(), p2.Columns())
	}
	w := &rowsWriter{}
	if err := s.ExecPrepared(ctx, p2, []rowenc.Value{rowenc.Int(1)}, w); err != nil {
		t.Fatal(err)
	}
	if len(w.got) != 1 || len(w.got[0]) != 3 || w.got[0][1].I != 10 {
		t.Fatalf("rows %v", w.got)
	}
}

// TestPreparedPlanKept executes a prepared SELECT many times, around DDL
// and read-only blocks: every execution answers as a fresh plan would.
func TestPreparedPlanKept(t *testing.T) {
	ctx := context.Background()
	a, b := twoSessions(t)
	mustExec(t, a, "CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 10), (2, 20)")
	p, err := a.Prepare(ctx, "SELECT * FROM t WHERE id = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.(*prepared).reusable {
		t.Fatal("point SELECT not reusable")
	}
	run := func(id int64) *rowsWriter {
		t.Helper()
		w := &rowsWriter{}
		if err := a.ExecPrepared(ctx, p, []rowenc.Value{rowenc.Int(id)}, w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	for i := 0; i < 3; i++ {
		for id := int64(1); id <= 2; id++ {
			if w := run(id); len(w.got) != 1 || w.got[0][1].I != 10*id || len(w.cols) != 2 {
				t.Fatalf("id %d: cols %v rows %v", id, w.cols, w.got)
			}
		}
	}
	if p.(*prepared).plan.pl == nil {
		t.Fatal("no plan kept")
	}
	mustExec(t, a, "BEGIN READ ONLY")
	mustExec(t, b, "ALTER TABLE t ADD COLUMN w INT DEFAULT 7")
	if w := run(1); len(w.cols) != 2 {
		t.Fatalf("in a snapshot from before ALTER: cols %v", w.cols)
	}
	mustExec(t, a, "COMMIT")
	// As PostgreSQL: the statement was described with two columns, and
	// * now has three.
	if err := a.ExecPrepared(ctx, p, []rowenc.Value{rowenc.Int(2)}, &rowsWriter{}); pgerror.Code(err) != pgerror.CodeFeatureNotSupported {
		t.Fatalf("after ALTER: %v", err)
	}
	if p, err = a.Prepare(ctx, "SELECT * FROM t WHERE id = $1", nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if w := run(2); len(w.cols) != 3 || len(w.got) != 1 || w.got[0][2].I != 7 {
			t.Fatalf("after ALTER: cols %v rows %v", w.cols, w.got)
		}
	}
	mustExec(t, b, "DROP TABLE t")
	if err := a.ExecPrepared(ctx, p, []rowenc.Value{rowenc.Int(1)}, &rowsWriter{}); pgerror.Code(err) != pgerror.CodeUndefinedTable {
		t.Fatalf("after DROP: %v", err)
	}
}

func TestReusableAST(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT abalance FROM pgbench_accounts WHERE aid = $1":   true,
		"SELECT a, b + 1 FROM t WHERE a > $1 ORDER BY b LIMIT 3": true,
		"SELECT a FROM t WHERE b = 'x'":                          false,
		"SELECT now() FROM t":                                    false,
		"SELECT count(*) FROM t":                                 false,
		"SELECT a FROM t WHERE a IN (SELECT b FROM u)":           false,
		"SELECT a FROM t FOR UPDATE":                             false,
		"WITH c AS (SELECT 1) SELECT * FROM c":                   false,
		"INSERT INTO t VALUES (1)":                               false,
	} {
		stmts, err := front.NewParser().Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := reusableAST(stmts[0].AST); got != want {
			t.Errorf("%s: reusable %v, want %v", q, got, want)
		}
	}
}
