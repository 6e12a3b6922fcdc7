package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAlterSequenceDurable checks that ALTER SEQUENCE lives in the store,
// not in one session's or process's memory: a RESTART made on one
// connection is what another connection's nextval sees, a rolled-back
// RESTART changes nothing (as in PostgreSQL), and the state survives a
// restart of the node.
func TestAlterSequenceDurable(t *testing.T) {
	dir := t.TempDir()
	n := startNodeAt(t, dir)
	a := connect(t, n.SQLAddr())
	b := connect(t, n.SQLAddr())
	ctx := testCtx(t)
	nextval := func(who string, q func() (int64, error)) int64 {
		t.Helper()
		v, err := q()
		if err != nil {
			t.Fatalf("%s: nextval: %v", who, err)
		}
		return v
	}
	mustExec(t, a, "CREATE TABLE owner (id INT PRIMARY KEY)")
	mustExec(t, a, "CREATE SEQUENCE s OWNED BY owner.id")
	scan := func(q string) func() (int64, error) {
		return func() (v int64, err error) { err = b.QueryRow(ctx, q).Scan(&v); return }
	}
	if v := nextval("b", scan("SELECT nextval('s')")); v != 1 {
		t.Fatalf("first nextval %d", v)
	}
	mustExec(t, a, "ALTER SEQUENCE s RESTART WITH 50 INCREMENT BY 10")
	if v := nextval("b", scan("SELECT nextval('s')")); v != 50 {
		t.Fatalf("after RESTART WITH 50 on another connection: %d", v)
	}
	tx, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "ALTER SEQUENCE s RESTART WITH 1000"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if v := nextval("b", scan("SELECT nextval('s')")); v != 60 {
		t.Fatalf("after a rolled-back RESTART: %d, want 60", v)
	}
	a.Close(ctx)
	b.Close(ctx)

	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	n2 := startNodeAt(t, dir)
	c := connect(t, n2.SQLAddr())
	var v int64
	if err := c.QueryRow(ctx, "SELECT nextval('s')").Scan(&v); err != nil || v != 70 {
		t.Fatalf("after the node restarted: %d %v, want 70", v, err)
	}
	// The ownership was stored too: dropping the table drops the sequence.
	mustExec(t, c, "DROP TABLE owner")
	if _, err := c.Exec(ctx, "SELECT nextval('s')"); sqlState(err) != "42P01" {
		t.Fatalf("nextval after DROP TABLE of the owner: %v, want 42P01", err)
	}
}

// TestSequenceInTransaction uses sequences in the transaction that created
// or altered them, which holds their keys' locks: nextval and setval must
// then work in that transaction instead of waiting on it (a hang before).
// Each step is bounded by a deadline so that a regression fails, not hangs.
func TestSequenceInTransaction(t *testing.T) {
	n := startNode(t)
	c := connect(t, n.SQLAddr())
	step := func(what string, f func(ctx context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(testCtx(t), 20*time.Second)
		defer cancel()
		if err := f(ctx); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// One simple-protocol string is one implicit transaction.
	step("CREATE TABLE with SERIAL and INSERT in one implicit transaction", func(ctx context.Context) error {
		_, err := c.PgConn().Exec(ctx, "CREATE TABLE a (id SERIAL PRIMARY KEY, v INT); INSERT INTO a (v) VALUES (1), (2)").ReadAll()
		return err
	})
	var ids []int64
	step("BEGIN; CREATE SEQUENCE; nextval; ALTER ... RESTART; nextval; setval; nextval; COMMIT", func(ctx context.Context) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		for _, q := range []string{"CREATE SEQUENCE s", "SELECT nextval('s')", "ALTER SEQUENCE s RESTART WITH 50", "SELECT nextval('s')",
			"SELECT setval('s', 70)", "SELECT nextval('s')"} {
			var v int64
			if strings.HasPrefix(q, "SELECT") {
				if err := tx.QueryRow(ctx, q).Scan(&v); err != nil {
					return err
				}
				ids = append(ids, v)
			} else if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return tx.Commit(ctx)
	})
	if fmt.Sprint(ids) != "[1 50 70 71]" {
		t.Fatalf("values in the creating transaction: %v, want [1 50 70 71]", ids)
	}
	var v int64
	step("nextval after COMMIT, from another connection", func(ctx context.Context) error {
		return connect(t, n.SQLAddr()).QueryRow(ctx, "SELECT nextval('s')").Scan(&v)
	})
	if v != 72 {
		t.Fatalf("nextval after commit: %d, want 72", v)
	}
	step("count the SERIAL rows", func(ctx context.Context) error {
		return c.QueryRow(ctx, "SELECT max(id) FROM a").Scan(&v)
	})
	if v != 2 {
		t.Fatalf("SERIAL ids: max %d, want 2", v)
	}
}
