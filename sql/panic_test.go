package sql

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridiandb/meridian/txn"
)

// panicDB hands out transactions whose Insert panics, after inserting,
// while armed: a bug in the middle of a statement that holds locks.
type panicDB struct {
	txn.DB
	armed atomic.Bool
}

func (d *panicDB) Begin(ctx context.Context, opts txn.Options) (txn.Txn, error) {
	tx, err := d.DB.Begin(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &panicTxn{Txn: tx, db: d}, nil
}

type panicTxn struct {
	txn.Txn
	db *panicDB
}

func (t *panicTxn) Insert(ctx context.Context, key, value []byte) error {
	if err := t.Txn.Insert(ctx, key, value); err != nil {
		return err
	}
	if t.db.armed.Load() {
		panic("injected")
	}
	return nil
}

// TestPanicReleasesLocks: a statement outside a transaction block that
// panics after taking a lock (the connection handler recovers and closes
// the connection) must not leave the lock behind: the same insert from
// another session then succeeds instead of waiting forever.
func TestPanicReleasesLocks(t *testing.T) {
	// The deadline only turns a hang into a failure.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := &panicDB{DB: openStore(t)}
	srv, err := NewServer(ctx, Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := srv.NewSession(ctx, SessionArgs{})
	b, _ := srv.NewSession(ctx, SessionArgs{})
	mustExec(t, a, "CREATE TABLE t (id INT PRIMARY KEY)")
	db.armed.Store(true)
	func() {
		defer func() {
			if r := recover(); r != "injected" {
				t.Fatalf("recovered %v, want the injected panic", r)
			}
		}()
		_ = a.ExecSimple(ctx, "INSERT INTO t VALUES (1)", &rowsWriter{})
	}()
	db.armed.Store(false)
	if err := b.ExecSimple(ctx, "INSERT INTO t VALUES (1)", &rowsWriter{}); err != nil {
		t.Fatalf("insert after the panic: %v", err)
	}
}
