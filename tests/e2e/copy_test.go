package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestCopy loads and dumps a table through the COPY sub-protocol: pgx's
// CopyFrom, COPY TO STDOUT in text and CSV, a bad row, and psql's \copy.
func TestCopy(t *testing.T) {
	n := startNode(t)
	c := connect(t, n.SQLAddr())
	ctx := testCtx(t)
	mustExec(t, c, "CREATE TABLE t (a INT PRIMARY KEY, b TEXT, c INT)")

	// pgx's CopyFrom speaks the binary format (copy_binary_test.go has
	// more); pgconn's CopyFrom streams text.
	nb, err := c.CopyFrom(ctx, pgx.Identifier{"t"}, []string{"a"}, pgx.CopyFromRows([][]any{{int32(-1)}}))
	if err != nil || nb != 1 {
		t.Fatalf("binary CopyFrom: %d %v", nb, err)
	}
	mustExec(t, c, "DELETE FROM t WHERE a = -1")
	var src strings.Builder
	for i := 0; i < 2500; i++ {
		fmt.Fprintf(&src, "%d\trow\\t%d\t\\N\n", i, i)
	}
	tag0, err := c.PgConn().CopyFrom(ctx, strings.NewReader(src.String()), "COPY t (a, b, c) FROM STDIN")
	if err != nil || tag0.String() != "COPY 2500" {
		t.Fatalf("CopyFrom: %v, %v", tag0, err)
	}
	var cnt int
	var b string
	if err := c.QueryRow(ctx, "SELECT count(*), max(b) FROM t WHERE c IS NULL").Scan(&cnt, &b); err != nil || cnt != 2500 {
		t.Fatalf("count: %d %v", cnt, err)
	}

	var out bytes.Buffer
	tag, err := c.PgConn().CopyTo(ctx, &out, "COPY t TO STDOUT")
	if err != nil || tag.String() != "COPY 2500" {
		t.Fatalf("COPY TO: %v %v", tag, err)
	}
	if first := strings.SplitN(out.String(), "\n", 2)[0]; first != `0	row\t0	\N` {
		t.Fatalf("first text line %q", first)
	}
	out.Reset()
	if _, err := c.PgConn().CopyTo(ctx, &out, "COPY t (a, b) TO STDOUT WITH (FORMAT csv, HEADER)"); err != nil {
		t.Fatal(err)
	}
	if lines := strings.SplitN(out.String(), "\n", 3); lines[0] != "a,b" || lines[1] != "0,row\t0" {
		t.Fatalf("csv lines %q", lines[:2])
	}

	// A bad row fails the whole COPY with 22P02 and the line; the
	// connection stays usable and nothing was written.
	_, err = c.PgConn().CopyFrom(ctx, strings.NewReader("5000\tok\t1\nxyz\tbad\t2\n"), "COPY t FROM STDIN")
	if sqlState(err) != "22P02" || !strings.Contains(fmt.Sprint(err), "integer") {
		t.Fatalf("bad row: %v", err)
	}
	if !strings.Contains(errDetail(err), "line 2") {
		t.Fatalf("bad row detail %q", errDetail(err))
	}
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&cnt); err != nil || cnt != 2500 {
		t.Fatalf("after failed COPY: %d %v", cnt, err)
	}
	// Duplicate key mid-copy: 23505.
	_, err = c.PgConn().CopyFrom(ctx, strings.NewReader("1\tdup\t1\n"), "COPY t FROM STDIN")
	if sqlState(err) != "23505" {
		t.Fatalf("dup: %v", err)
	}
	// Column list with a default filled in; CSV with quotes and NULL.
	mustExec(t, c, "CREATE TABLE s (id SERIAL PRIMARY KEY, v TEXT, w TEXT)")
	tag2, err := c.PgConn().CopyFrom(ctx, strings.NewReader("v,w\n\"a,b\",\n\"q\"\"q\",x\n"), "COPY s (v, w) FROM STDIN WITH (FORMAT csv, HEADER true, FREEZE)")
	if err != nil || tag2.String() != "COPY 2" {
		t.Fatalf("csv copy: %v %v", tag2, err)
	}
	var v string
	var wnull bool
	if err := c.QueryRow(ctx, "SELECT v, w IS NULL FROM s WHERE id = 1").Scan(&v, &wnull); err != nil || v != "a,b" || !wnull {
		t.Fatalf("csv row: %q %v %v", v, wnull, err)
	}

	// psql's \copy, both ways.
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Log("psql is not installed; skipping the \\copy part")
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "%d,\"x %d\",%d\n", 10000+i, i, i)
	}
	if err := os.WriteFile(in, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(dir, "out.txt")
	cmd := exec.CommandContext(ctx, psql, "-X", "-v", "ON_ERROR_STOP=1", pgURL(n.SQLAddr()),
		"-c", `\copy t from '`+in+`' csv`, "-c", `\copy t to '`+outFile+`'`)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "COPY 1000") {
		t.Fatalf("psql \\copy: %v\n%s", err, b)
	}
	data, err := os.ReadFile(outFile)
	if err != nil || strings.Count(string(data), "\n") != 3500 {
		t.Fatalf("\\copy to: %d lines, %v", strings.Count(string(data), "\n"), err)
	}
}

func errDetail(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Detail
	}
	return ""
}

// TestSequences checks nextval's uniqueness under concurrency, that a
// rollback does not give values back, and SERIAL read back two ways.
func TestSequences(t *testing.T) {
	n := startNode(t)
	c := connect(t, n.SQLAddr())
	ctx := testCtx(t)
	mustExec(t, c, "CREATE SEQUENCE s CACHE 5")
	const workers, each = 4, 50
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc, err := pgx.Connect(ctx, pgURL(n.SQLAddr()))
			if err != nil {
				errs <- err
				return
			}
			defer cc.Close(context.Background())
			for i := 0; i < each; i++ {
				var v int64
				if err := cc.QueryRow(ctx, "SELECT nextval('s')").Scan(&v); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seen[v] {
					errs <- fmt.Errorf("value %d handed out twice", v)
				}
				seen[v] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != workers*each {
		t.Fatalf("%d distinct values", len(seen))
	}

	// Not transactional: a rolled-back nextval is not handed out again.
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var inTx, after int64
	if err := tx.QueryRow(ctx, "SELECT nextval('s')").Scan(&inTx); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback(ctx)
	if err := c.QueryRow(ctx, "SELECT nextval('s')").Scan(&after); err != nil || after == inTx || seen[after] {
		t.Fatalf("after rollback: %d (rolled back %d) %v", after, inTx, err)
	}

	mustExec(t, c, "CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT)")
	var id1, id2, cur int64
	if err := c.QueryRow(ctx, "INSERT INTO items (name) VALUES ($1) RETURNING id", "a").Scan(&id1); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(ctx, "INSERT INTO items (name) VALUES ('b') RETURNING id").Scan(&id2); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(ctx, "SELECT currval(pg_get_serial_sequence('items', 'id'))").Scan(&cur); err != nil {
		t.Fatal(err)
	}
	if id1 != 1 || id2 != 2 || cur != 2 {
		t.Fatalf("serial: %d %d currval %d", id1, id2, cur)
	}
}
