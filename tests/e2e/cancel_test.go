package e2e

import (
	"context"
	"testing"
	"time"
)

// A statement blocked on a lock held by another transaction is cancelled
// by a CancelRequest; the lock holder then commits.
func TestCancelBlockedStatement(t *testing.T) {
	n := startNode(t)
	ctx := testCtx(t)
	holder := connect(t, n.SQLAddr())
	waiter := connect(t, n.SQLAddr())
	mustExec(t, holder, `CREATE TABLE c (id INT PRIMARY KEY, v INT)`)
	mustExec(t, holder, `INSERT INTO c VALUES (1, 0)`)

	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE c SET v = 1 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}

	errc := make(chan error, 1)
	go func() {
		// Younger than the holder, so it waits (wound-wait) until cancelled.
		_, err := waiter.Exec(context.Background(), `UPDATE c SET v = 2 WHERE id = 1`)
		errc <- err
	}()
	// The cancel request may arrive before the statement starts (it is then
	// ignored, as in PostgreSQL), so send it until the statement ends.
	var werr error
	waitFor(t, 20*time.Second, "cancelling the blocked statement", func() error {
		select {
		case werr = <-errc:
			return nil
		default:
		}
		if err := waiter.PgConn().CancelRequest(ctx); err != nil {
			return err
		}
		select {
		case werr = <-errc:
			return nil
		default:
			return context.DeadlineExceeded
		}
	})
	if sqlState(werr) != "57014" {
		t.Fatalf("blocked statement ended with %v, want 57014", werr)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := waiter.QueryRow(ctx, `SELECT v FROM c WHERE id = 1`).Scan(&v); err != nil || v != 1 {
		t.Fatalf("after cancel: v=%d %v", v, err)
	}
}
