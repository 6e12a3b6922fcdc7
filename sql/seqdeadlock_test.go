package sql

import (
	"context"
	"testing"
	"time"

	"github.com/meridiandb/meridian/rangeservice/concurrency"
	"github.com/meridiandb/meridian/rangeservice/store"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/txn"
)

// TestSequenceDeadlock: session A read sequence s's descriptor in its open
// transaction (nextval, which keeps a shared lock on it); session B's ALTER
// SEQUENCE waits for A. A's next nextval reserves values in a transaction
// of its own, which queues behind B's request: A waits for its own
// reservation, which waits for B, which waits for A. No lock request shows
// A's wait, so the table must learn it from txn.Options.Parent; without it
// the three hang. B, the youngest, gets 40001 and A goes on.
func TestSequenceDeadlock(t *testing.T) {
	// The deadline only turns a hang into a failure; nothing waits for it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	parked := make(chan concurrency.Request, 16)
	cfg := store.Config{InMemory: true}
	cfg.Knobs.Locks.OnWait = func(r concurrency.Request, _ concurrency.WaiterID) {
		select {
		case parked <- r:
		default:
		}
	}
	st, err := store.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := NewServer(ctx, Config{DB: txn.NewDB(st, st.Clock())})
	if err != nil {
		t.Fatal(err)
	}
	setup, _ := srv.NewSession(ctx, SessionArgs{})
	mustExec(t, setup, "CREATE SEQUENCE s")

	a, _ := srv.NewSession(ctx, SessionArgs{})
	b, _ := srv.NewSession(ctx, SessionArgs{})
	mustExec(t, a, "BEGIN")
	if w := mustExec(t, a, "SELECT nextval('s')"); len(w.got) != 1 || w.got[0][0].String() != "1" {
		t.Fatalf("first nextval: %v", w.got)
	}
	mustExec(t, b, "BEGIN")
	alter := make(chan error, 1)
	go func() { alter <- b.ExecSimple(ctx, "ALTER SEQUENCE s RESTART WITH 100", &rowsWriter{}) }()
	<-parked // B's ALTER waits for A's lock on the descriptor

	w := &rowsWriter{}
	if err := a.ExecSimple(ctx, "SELECT nextval('s')", w); err != nil {
		t.Fatalf("A's second nextval: %v", err)
	}
	if len(w.got) != 1 || w.got[0][0].String() != "2" {
		t.Fatalf("second nextval: %v", w.got)
	}
	if err := <-alter; pgerror.Code(err) != pgerror.CodeSerializationFailure {
		t.Fatalf("B's ALTER: %v, want 40001", err)
	}
	mustExec(t, b, "ROLLBACK")
	mustExec(t, a, "COMMIT")
}
