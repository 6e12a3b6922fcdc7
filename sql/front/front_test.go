package front

import (
	"strings"
	"testing"

	"github.com/meridiandb/meridian/sql/pgerror"
)

func TestTranslate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1`, `select 1`},
		{`SELECT $1, $2`, `select ?, ?`},
		{`SELECT a FROM "Tab" WHERE "Col" = 'x'`, `select a from "Tab" where "Col" = 'x'`},
		{`SELECT 'it''s', E'a\nb\'c', 'back\slash'`, "select 'it''s', 'a\nb''c', 'back\\slash'"},
		{`SELECT x::int`, `select meridian_cast(x, '23')`},
		{`SELECT t.x::text`, `select meridian_cast(t.x, '25')`},
		{`SELECT '1'::int8::text`, `select meridian_cast(meridian_cast('1', '20'), '25')`},
		{`SELECT (a+b)::float8`, `select meridian_cast((a + b), '701')`},
		{`SELECT f(a, b)::varchar(3)`, `select meridian_cast(f(a, b), '1043:3')`},
		{`SELECT $1::double precision`, `select meridian_cast(?, '701')`},
		{`SELECT CAST(x AS character varying(10))`, `select meridian_cast(x, '1043:10')`},
		{`SELECT 'a::int', "b::c" -- x::y`, `select 'a::int', "b::c"`},
		{`SELECT /* begin ; end */ 1`, `select 1`},
		{`END`, `commit`},
		{`ABORT`, `rollback`},
		{`COMMIT WORK`, `commit`},
		{`BEGIN`, `start transaction`},
		{`BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY`, `start transaction read only`},
		{`START TRANSACTION ISOLATION LEVEL READ COMMITTED, READ WRITE`, `start transaction`},
		{`SET application_name TO 'psql'`, `set "application_name" = 'psql'`},
		{`SET search_path = public, "$user"`, `set "search_path" = 'public, $user'`},
		{`SET extra_float_digits = -3`, `set "extra_float_digits" = '-3'`},
		{`SET TIME ZONE 'UTC'`, `set "timezone" = 'UTC'`},
		{`RESET DateStyle`, `set "datestyle" = default`},
		{`SHOW DateStyle`, `show session variables like 'datestyle'`},
		{`SHOW ALL`, `show session variables`},
		{`CREATE TABLE t (id INT8 PRIMARY KEY, s TEXT NOT NULL DEFAULT 'x'::text, b BYTEA, f DOUBLE PRECISION, r REAL, v VARCHAR(5), c CHAR(2), ts TIMESTAMP, ok BOOLEAN DEFAULT true, PRIMARY KEY (id))`,
			`create table t ("id" bigint primary key, "s" text not null default meridian_default(meridian_cast('x', '25')), "b" longblob, "f" double, "r" float, "v" varchar(5), "c" char(2), "ts" datetime(6), "ok" boolean default meridian_default(true), primary key (id))`},
		{`CREATE TABLE IF NOT EXISTS "T" (a int2, b float)`, `create table if not exists "T" ("a" smallint, "b" double)`},
		{`SELECT a FROM t ORDER BY a NULLS FIRST, f(b, c) DESC NULLS LAST, 1`, `select a from t order by meridian_nulls(a, 'first'), meridian_nulls(f(b, c), 'last') desc, 1`},
		{`SELECT 123456789012345678901234567890123456789012345678901234567890123`, `select 123456789012345678901234567890123456789012345678901234567890123e0`},
		{`ALTER TABLE t ADD COLUMN c VARCHAR(3) NOT NULL DEFAULT 'x', DROP COLUMN IF EXISTS d, RENAME COLUMN a TO "B", ALTER COLUMN e SET DEFAULT 1 + 1, ALTER f DROP DEFAULT`,
			`alter table t add column "c" varchar(3) not null default meridian_default('x'), drop column if exists d, rename column a to "B", alter column e set default (1 + 1), alter column f drop default`},
		{`ALTER TABLE ONLY public.t RENAME TO u`, `alter table public.t rename to u`},
		{`SELECT a FROM t LIMIT ALL OFFSET 2`, `select a from t limit 9223372036854775807 offset 2`},
		{`SELECT a FROM t ORDER BY a OFFSET $1 FETCH FIRST $2 ROWS ONLY`, `select a from t order by a limit ? offset ?`},
		{`SELECT a FROM t WHERE b IN (SELECT c FROM u OFFSET 1) LIMIT 3 OFFSET 4`, `select a from t where b in (select c from u limit 9223372036854775807 offset 1) limit 3 offset 4`},
		{`SELECT a FROM t FETCH NEXT ROW ONLY`, `select a from t limit 1`},
		{`SELECT timestamp '2020-01-01'`, `select meridian_cast('2020-01-01', '1114')`},
	} {
		stmts, err := Translate(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if len(stmts) != 1 || nospace(stmts[0].SQL) != nospace(tc.want) {
			t.Errorf("%s:\n got %+v\nwant %s", tc.in, stmts, tc.want)
		}
	}
}

func TestReturning(t *testing.T) {
	p := NewParser()
	ps, err := p.Parse(`INSERT INTO t (a, b) VALUES ($2, (1)) RETURNING a + $1, "B", *`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps[0].Returning) != 3 || len(ps[0].Markers) != 2 || ps[0].ParamIndex(ps[0].Markers[0]) != 1 || ps[0].ParamIndex(ps[0].Markers[1]) != 0 {
		t.Fatalf("%+v", ps[0])
	}
	if _, err := p.Parse(`DELETE FROM t RETURNING`); pgerror.Code(err) != pgerror.CodeSyntaxError {
		t.Fatalf("got %v", err)
	}
}

func TestOnConflict(t *testing.T) {
	p := NewParser()
	ps, err := p.Parse(`INSERT INTO t (a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = excluded.b || $3 WHERE t.b <> $4 RETURNING $5`)
	if err != nil {
		t.Fatal(err)
	}
	oc := ps[0].OnConflict
	if oc == nil || oc.DoNothing || len(oc.Target) != 1 || len(oc.Set) != 1 || oc.Where == nil || len(ps[0].Returning) != 1 {
		t.Fatalf("%+v", oc)
	}
	for i, m := range ps[0].Markers {
		if ps[0].ParamIndex(m) != i {
			t.Fatalf("marker %d is $%d", i, ps[0].ParamIndex(m)+1)
		}
	}
	ps, err = p.Parse(`INSERT INTO t VALUES (1) ON CONFLICT ON CONSTRAINT t_pkey DO NOTHING`)
	if err != nil || ps[0].OnConflict == nil || !ps[0].OnConflict.DoNothing || ps[0].OnConflict.Constraint != "t_pkey" {
		t.Fatalf("%+v %v", ps, err)
	}
}

func TestParams(t *testing.T) {
	stmts, err := Translate(`SELECT $2, $1, $2; SELECT $1`)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 || len(stmts[0].Params) != 3 || stmts[0].Params[0] != 2 || stmts[0].Params[1] != 1 || stmts[0].NumParams != 2 || stmts[1].NumParams != 1 {
		t.Fatalf("%+v", stmts)
	}
	p := NewParser()
	ps, err := p.Parse(`SELECT $2 + $1 FROM t WHERE a = $2`)
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{ps[0].ParamIndex(ps[0].Markers[0]), ps[0].ParamIndex(ps[0].Markers[1]), ps[0].ParamIndex(ps[0].Markers[2])}; got[0] != 1 || got[1] != 0 || got[2] != 1 {
		t.Fatalf("param indexes %v", got)
	}
}

func TestRefused(t *testing.T) {
	for _, tc := range []struct{ in, code, msg string }{
		{`SELECT a ^ b`, pgerror.CodeFeatureNotSupported, "^"},
		{`SELECT a # b`, pgerror.CodeFeatureNotSupported, "#"},
		{`SELECT a ~* 'x'`, pgerror.CodeFeatureNotSupported, "~*"},
		{`SELECT ?`, pgerror.CodeFeatureNotSupported, "?"},
		{`SELECT a && b`, pgerror.CodeFeatureNotSupported, "&&"},
		{`SELECT U&'x'`, pgerror.CodeFeatureNotSupported, "Unicode"},
		{`SELECT B'101'`, pgerror.CodeFeatureNotSupported, "bit string"},
		{`SELECT * FROM a FULL JOIN b ON true`, pgerror.CodeFeatureNotSupported, "FULL JOIN"},
		{`SELECT * FROM a FULL OUTER JOIN b ON true`, pgerror.CodeFeatureNotSupported, "FULL JOIN"},
		{`SELECT x::int[]`, pgerror.CodeFeatureNotSupported, "array"},
		{`CREATE TEMP TABLE t (a int)`, pgerror.CodeFeatureNotSupported, "temporary"},
		{`SELECT 1 RETURNING id`, pgerror.CodeFeatureNotSupported, "RETURNING"},
		{`UPDATE t SET a = 1 ON CONFLICT DO NOTHING`, pgerror.CodeFeatureNotSupported, "ON CONFLICT"},
		{`INSERT INTO t VALUES (1) ON CONFLICT ((a + 1)) DO NOTHING`, pgerror.CodeFeatureNotSupported, "expressions"},
		{`INSERT INTO t VALUES (1) ON CONFLICT (a) WHERE a > 1 DO NOTHING`, pgerror.CodeFeatureNotSupported, "partial"},
		{`INSERT INTO t VALUES (1) ON CONFLICT (a) DO SOMETHING`, pgerror.CodeSyntaxError, `"do"`},
		{`SAVEPOINT s`, pgerror.CodeFeatureNotSupported, "savepoint"},
		{`ROLLBACK TO SAVEPOINT s`, pgerror.CodeFeatureNotSupported, "savepoint"},
		{`COPY t FROM '/tmp/f'`, pgerror.CodeFeatureNotSupported, "COPY"},
		{`ALTER TABLE t ALTER COLUMN a SET NOT NULL`, pgerror.CodeFeatureNotSupported, "ALTER COLUMN"},
		{`ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)`, pgerror.CodeFeatureNotSupported, "CONSTRAINT"},
		{`ALTER TABLE t ADD CONSTRAINT c UNIQUE USING INDEX i`, pgerror.CodeFeatureNotSupported, "UNIQUE"},
		{`SET LOCAL x = 1`, pgerror.CodeFeatureNotSupported, "LOCAL"},
		{`SELECT 'abc`, pgerror.CodeSyntaxError, "unterminated"},
		{`SELECT "abc`, pgerror.CodeSyntaxError, "unterminated"},
		{`SELECT /* abc`, pgerror.CodeSyntaxError, "unterminated"},
		{"SELECT `a`", pgerror.CodeSyntaxError, "syntax"},
		{`SELECT ::int`, pgerror.CodeSyntaxError, "::"},
		{`SELECT a FROM t LIMIT 1, 2`, pgerror.CodeSyntaxError, "LIMIT #,#"},
		{`SELECT E'\xff'`, pgerror.CodeCharacterNotInRepertoire, "UTF8"},
		{`BEGIN ISOLATION LEVEL CHAOS`, pgerror.CodeSyntaxError, "chaos"},
	} {
		_, err := Translate(tc.in)
		if err == nil {
			t.Errorf("%s: no error", tc.in)
			continue
		}
		pe := pgerror.Flatten(err)
		if pe.Code != tc.code || !strings.Contains(strings.ToLower(pe.Message), strings.ToLower(tc.msg)) {
			t.Errorf("%s: got %s %q, want %s containing %q", tc.in, pe.Code, pe.Message, tc.code, tc.msg)
		}
	}
}

func TestParse(t *testing.T) {
	p := NewParser()
	for _, q := range []string{
		`CREATE TABLE t (id INT PRIMARY KEY, s TEXT DEFAULT 'a' || 'b', n INT DEFAULT -1 NOT NULL)`,
		`SELECT a || b, "Mixed" FROM t WHERE a::int = $1 AND NOT b IS NULL ORDER BY a DESC LIMIT 3 OFFSET 1`,
		`INSERT INTO t (a, b) VALUES ($1, DEFAULT), (2, 'x')`,
		`UPDATE t SET a = a + 1 WHERE id = 1`,
		`BEGIN READ ONLY; COMMIT; END; ROLLBACK`,
		`SET application_name = 'x'; SHOW application_name; RESET ALL`,
		`SELECT CAST($1 AS bigint), version(), current_user, current_database(), now(), current_timestamp`,
		`SELECT * FROM t FOR UPDATE`,
		`EXPLAIN SELECT * FROM t WHERE id = 1`,
		`CREATE DATABASE d; DROP DATABASE IF EXISTS d; DROP TABLE IF EXISTS t`,
		`SELECT count(*), sum(a), min(a), max(a) FROM t`,
		`SELECT f(1, 2) FROM t LIMIT 1 OFFSET 2`,
		`SELECT a FROM t WHERE b IN (SELECT c FROM u LIMIT 1) AND d IN (1, 2)`,
	} {
		if _, err := p.Parse(q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := p.Parse(`SELEC 1`); pgerror.Code(err) != pgerror.CodeSyntaxError {
		t.Errorf("SELEC: %v", err)
	}
}

func nospace(s string) string { return strings.ReplaceAll(s, " ", "") }

func TestSyntaxErrorPosition(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		in, msg string
		pos     int32
	}{
		{`SELEC 1`, `syntax error at or near "SELEC"`, 1},
		{`SELECT 1 FROM`, `syntax error at end of input`, 14},
		{`SELECT $1::int FROM t WHERE WHERE`, `syntax error at or near "WHERE"`, 29},
		{"SELECT 1;\n  SELECT (2", `syntax error at end of input`, 22},
	} {
		_, err := p.Parse(tc.in)
		pe := pgerror.Flatten(err)
		if pe == nil || pe.Code != pgerror.CodeSyntaxError || pe.Message != tc.msg || pe.Position != tc.pos {
			t.Errorf("%q: got %+v, want %q at %d", tc.in, pe, tc.msg, tc.pos)
		}
	}
}

// TestHugeExponent: a literal's exponent is written out only when the
// result is short; 1e999999999 stays a (float) literal instead of becoming
// a gigabyte of zeros.
func TestHugeExponent(t *testing.T) {
	for _, q := range []string{"SELECT 1e999999999", "SELECT 1e-999999999", "SELECT 123456789e55", "SELECT 1e59"} {
		st, err := Translate(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if len(st[0].SQL) > 100 {
			t.Errorf("%s became %d bytes", q, len(st[0].SQL))
		}
	}
}
