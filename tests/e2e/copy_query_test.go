package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCopyQuery runs COPY (query) TO STDOUT in text, CSV with a header and
// binary, checks the refusals keep their SQLSTATEs and the connection
// usable, and writes a file with psql's \copy (select ...) to. The expected
// text is what PostgreSQL 15 sends for the same statements.
func TestCopyQuery(t *testing.T) {
	n := startNode(t)
	c := connect(t, n.SQLAddr())
	ctx := testCtx(t)
	mustExec(t, c, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT, d DATE)")
	mustExec(t, c, "INSERT INTO t VALUES (1, 'a,b', '2020-01-02'), (2, NULL, NULL), (3, e'tab\\tx', NULL)")
	mustExec(t, c, "CREATE SEQUENCE q_seq")

	for _, tc := range []struct{ sql, want, tag string }{
		{"COPY (SELECT * FROM t ORDER BY id DESC) TO STDOUT",
			"3\ttab\\tx\t\\N\n2\t\\N\t\\N\n1\ta,b\t2020-01-02\n", "COPY 3"},
		{`COPY (SELECT id, v AS "Val" FROM t WHERE id < 3 ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)`,
			"id,Val\n1,\"a,b\"\n2,\n", "COPY 2"},
		{"COPY (SELECT 1 AS a UNION ALL SELECT 2) TO STDOUT CSV HEADER", "a\n1\n2\n", "COPY 2"},
		{"COPY (SELECT count(*) FROM t) TO STDOUT", "3\n", "COPY 1"},
		// PostgreSQL 15 takes HEADER in the text format too.
		{"COPY (SELECT 1, 'a\tb' AS \"x\ty\") TO STDOUT (FORMAT text, HEADER)", "?column?\tx\\ty\n1\ta\\tb\n", "COPY 1"},
		{"COPY (SELECT id FROM t WHERE false) TO STDOUT (FORMAT csv, HEADER true)", "id\n", "COPY 0"},
		// nextval writes and FOR UPDATE locks, so these must not run read-only.
		{"COPY (SELECT nextval('q_seq')) TO STDOUT", "1\n", "COPY 1"},
		{"COPY (SELECT id FROM t ORDER BY id FOR UPDATE) TO STDOUT", "1\n2\n3\n", "COPY 3"},
	} {
		var out bytes.Buffer
		tag, err := c.PgConn().CopyTo(ctx, &out, tc.sql)
		if err != nil || tag.String() != tc.tag || out.String() != tc.want {
			t.Errorf("%s: tag %q err %v, data %q; want %q", tc.sql, tag, err, out.String(), tc.want)
		}
	}

	// Binary: the PGCOPY header, one tuple of an int4 and a NULL, the trailer.
	var out bytes.Buffer
	if _, err := c.PgConn().CopyTo(ctx, &out, "COPY (SELECT 7, NULL::text) TO STDOUT (FORMAT binary)"); err != nil {
		t.Fatal(err)
	}
	want := append([]byte("PGCOPY\n\xff\r\n\x00"), 0, 0, 0, 0, 0, 0, 0, 0,
		0, 2, 0, 0, 0, 4, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("binary COPY (query): %q, want %q", out.Bytes(), want)
	}

	for _, tc := range []struct{ sql, code string }{
		{"COPY (INSERT INTO t VALUES (9) RETURNING id) TO STDOUT", "0A000"},
		{"COPY (SELECT $1) TO STDOUT", "42P02"},
		{"COPY (SELECT 1) FROM STDIN", "42601"},
		{"COPY (SELECT nosuch FROM t) TO STDOUT", "42703"},
		{"COPY (VALUES (1)) TO STDOUT", "0A000"},
	} {
		_, err := c.PgConn().CopyTo(ctx, &out, tc.sql)
		if sqlState(err) != tc.code {
			t.Errorf("%s: %v, want SQLSTATE %s", tc.sql, err, tc.code)
		}
	}
	var cnt int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&cnt); err != nil || cnt != 3 {
		t.Fatalf("after the refusals: %d %v", cnt, err)
	}
	// ... and a text-format header on the way in is skipped.
	if tag, err := c.PgConn().CopyFrom(ctx, strings.NewReader("id\tv\n4\tfour\n"), "COPY t (id, v) FROM STDIN (FORMAT text, HEADER)"); err != nil || tag.String() != "COPY 1" {
		t.Fatalf("COPY FROM with a text header: %v %v", tag, err)
	}
	mustExec(t, c, "DELETE FROM t WHERE id = 4")

	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Log("psql is not installed; skipping the \\copy part")
		return
	}
	file := filepath.Join(t.TempDir(), "out.csv")
	cmd := exec.CommandContext(ctx, psql, "-X", "-v", "ON_ERROR_STOP=1", pgURL(n.SQLAddr()),
		"-c", `\copy (select id, v from t order by 1) to '`+file+`' csv header`)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "COPY 3") {
		t.Fatalf("psql \\copy (select): %v\n%s", err, b)
	}
	data, err := os.ReadFile(file)
	if err != nil || string(data) != "id,v\n1,\"a,b\"\n2,\n3,tab\tx\n" {
		t.Fatalf("\\copy (select) wrote %q, %v", data, err)
	}
}
