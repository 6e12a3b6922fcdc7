package difftest

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestSequenceScript runs one script of sequence DDL, sequence functions
// and catalog queries on both servers, statement by statement, and
// compares every result (errors by SQLSTATE). The script's order matters:
// each statement sees the state the ones before it left.
func TestSequenceScript(t *testing.T) {
	pgURL := startPostgres(t)
	mURL := startMeridian(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pg, m := connect(t, pgURL), connect(t, mURL)
	script := []string{
		"CREATE TABLE t (id SERIAL PRIMARY KEY, v TEXT, w INT)",
		"CREATE SEQUENCE a1",
		"SELECT nextval('a1'), nextval('a1'), nextval('a1')",
		"ALTER SEQUENCE a1 MAXVALUE 2",
		"ALTER SEQUENCE a1 RESTART",
		"SELECT nextval('a1'), currval('a1')",
		"ALTER SEQUENCE a1 MAXVALUE 10 RESTART WITH 5",
		"SELECT nextval('a1')",
		"ALTER SEQUENCE a1 INCREMENT BY -1 MINVALUE -3",
		"SELECT nextval('a1'), nextval('a1')",
		"ALTER SEQUENCE a1 AS smallint",
		"ALTER SEQUENCE a1 AS text",
		"ALTER SEQUENCE a1 OWNED BY t.w",
		"SELECT pg_get_serial_sequence('t', 'w'), pg_get_serial_sequence('t', 'id')",
		"ALTER SEQUENCE a1 OWNED BY t.nosuch",
		"ALTER SEQUENCE a1 OWNED BY nosuch.id",
		"ALTER SEQUENCE a1 OWNED BY id",
		"ALTER SEQUENCE a1 CACHE 0",
		"ALTER SEQUENCE a1 INCREMENT 2 INCREMENT 3",
		"ALTER SEQUENCE nosuch RESTART",
		"ALTER SEQUENCE IF EXISTS nosuch RESTART",
		"SELECT setval('a1', 3, false)",
		"ALTER SEQUENCE a1 MINVALUE 3",
		"SELECT nextval('a1'), nextval('a1')",
		"SELECT nextval('a1')",
		"ALTER SEQUENCE a1 NO MINVALUE CYCLE",
		"SELECT nextval('a1'), nextval('a1'), nextval('a1')",
		"ALTER SEQUENCE t_id_seq RESTART WITH 100 INCREMENT 10",
		"INSERT INTO t (v) VALUES ('x'), ('y') RETURNING id",
		"DROP SEQUENCE t_id_seq",
		"CREATE SEQUENCE c1 AS integer MAXVALUE 3000000000",
		"CREATE SEQUENCE c1 START 0",
		"CREATE SEQUENCE c1 INCREMENT BY 0",
		"CREATE SEQUENCE t",
		"CREATE SEQUENCE c1 MINVALUE -2 MAXVALUE -5",
		"CREATE SEQUENCE c2 AS smallint INCREMENT -1 START -10 CACHE 3",
		"CREATE SEQUENCE c3 OWNED BY t.v RESTART 7",
		"SELECT c.relname::text, c.relkind::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle " +
			"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid ORDER BY 1",
		"SELECT nextval('c2'), nextval('c3')",
		// Aliased: the column names and the oid type differ (see the README).
		"SELECT 't'::regclass::text AS a, 'a1'::regclass::text AS b, 'pg_class'::regclass::oid::bigint AS c",
		"SELECT relname::text FROM pg_catalog.pg_class WHERE oid = 't_pkey'::regclass",
		"SELECT 'nosuch'::regclass",
		"DROP TABLE t",
		"SELECT nextval('a1')",
		"SELECT nextval('c3')",
		"SELECT nextval('c2')",
		"SELECT quote_ident('abc'), quote_ident('A b'), quote_ident('select'), quote_ident('a\"b'), quote_ident('user'), quote_ident('_x1')",
		"SELECT pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint), pg_size_pretty(-15350::bigint), pg_size_pretty(20971520::bigint), pg_size_pretty(9223372036854775807::bigint)",
	}
	for _, q := range script {
		want, got := run(ctx, pg, q), run(ctx, m, q)
		if !same(want, got, true) {
			t.Errorf("%s\npostgres: %s\nmeridian: %s", q, want, got)
		}
	}
}

// TestCopyQuery compares the bytes of COPY (query) TO STDOUT in text, CSV
// and binary.
func TestCopyQuery(t *testing.T) {
	pgURL := startPostgres(t)
	mURL := startMeridian(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pg, m := connect(t, pgURL), connect(t, mURL)
	for _, q := range append(schema(), dataInserts(seed())...) {
		if _, err := pg.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		"COPY (SELECT * FROM t1 ORDER BY id) TO STDOUT",
		"COPY (SELECT id, s, f FROM t1 WHERE id < 10 ORDER BY id DESC) TO STDOUT WITH (FORMAT csv, HEADER)",
		"COPY (SELECT a, count(*) AS n FROM t1 GROUP BY a ORDER BY a) TO STDOUT (FORMAT text, HEADER, DELIMITER '|', NULL 'nil')",
		"COPY (SELECT id, a, s FROM t1 ORDER BY id LIMIT 5) TO STDOUT (FORMAT binary)",
		"COPY (SELECT 1 UNION ALL SELECT 2) TO STDOUT CSV",
	} {
		var a, b bytes.Buffer
		ta, ea := pg.PgConn().CopyTo(ctx, &a, q)
		tb, eb := m.PgConn().CopyTo(ctx, &b, q)
		if ea != nil || eb != nil {
			if errResult(ea).code != errResult(eb).code {
				t.Errorf("%s\npostgres: %v\nmeridian: %v", q, ea, eb)
			}
			continue
		}
		if ta.String() != tb.String() || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s\npostgres: %s %q\nmeridian: %s %q", q, ta, a.Bytes(), tb, b.Bytes())
		}
	}
}
