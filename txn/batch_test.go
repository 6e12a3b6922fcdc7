package txn_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/meridiandb/meridian/txn"
)

// TestInsertBatch checks InsertBatch against Insert one key at a time: it
// stops at the first key holding a live value (committed, buffered, or
// given earlier in the same batch) with that key's index, keeps the pairs
// before it, and inserts over a buffered delete.
func TestInsertBatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	kvs := func(keys ...string) []txn.KeyValue {
		var out []txn.KeyValue
		for _, k := range keys {
			out = append(out, txn.KeyValue{Key: []byte(k), Value: []byte("v" + k)})
		}
		return out
	}
	tx := e.begin(txn.Options{})
	if err := tx.Put(ctx, []byte("c"), []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name  string
		setup func(txn.Txn)
		keys  []txn.KeyValue
		n     int
		dup   bool
	}{
		{"all new", nil, kvs("a", "b", "d"), 3, false},
		{"committed", nil, kvs("a", "b", "c", "d"), 2, true},
		{"twice in the batch", nil, kvs("a", "b", "a", "d"), 2, true},
		{"buffered", func(tx txn.Txn) { _ = tx.Put(ctx, []byte("b"), []byte("x")) }, kvs("a", "b"), 1, true},
		{"over a buffered delete", func(tx txn.Txn) { _ = tx.Delete(ctx, []byte("c")) }, kvs("a", "c"), 2, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx := e.begin(txn.Options{})
			defer func() { _ = tx.Rollback(ctx) }()
			if c.setup != nil {
				c.setup(tx)
			}
			n, err := txn.InsertBatch(ctx, tx, c.keys)
			if n != c.n || errors.Is(err, txn.ErrKeyExists) != c.dup || (err != nil && !c.dup) {
				t.Fatalf("InsertBatch = %d, %v; want %d, duplicate %v", n, err, c.n, c.dup)
			}
			for i, p := range c.keys[:n] {
				if v, ok, err := tx.Get(ctx, p.Key); err != nil || !ok || string(v) != string(p.Value) {
					t.Fatalf("pair %d: %q %v %v", i, v, ok, err)
				}
			}
		})
	}

	// A big batch under LockSpan commits, and another transaction then
	// sees every key.
	tx = e.begin(txn.Options{})
	if err := txn.LockSpan(ctx, tx, []byte("k"), []byte("l")); err != nil {
		t.Fatal(err)
	}
	var big []txn.KeyValue
	for i := 0; i < 3000; i++ {
		big = append(big, txn.KeyValue{Key: []byte(fmt.Sprintf("k%05d", i)), Value: []byte(fmt.Sprint(i))})
	}
	if n, err := txn.InsertBatch(ctx, tx, big); n != len(big) || err != nil {
		t.Fatalf("big batch: %d %v", n, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// DeleteBatch: buffered and committed keys, and a missing one.
	tx = e.begin(txn.Options{})
	if err := tx.Put(ctx, []byte("k00001"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := txn.DeleteBatch(ctx, tx, [][]byte{[]byte("k00000"), []byte("k00001"), []byte("k99999")}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	big = big[2:]
	rtx := e.begin(txn.Options{ReadOnly: true})
	rows, err := rtx.Scan(ctx, []byte("k"), []byte("l"), txn.ScanOptions{})
	if err != nil || len(rows) != len(big) {
		t.Fatalf("scan after commit: %d rows, %v", len(rows), err)
	}
	if err := txn.LockSpan(ctx, rtx, []byte("k"), []byte("l")); !errors.Is(err, txn.ErrReadOnly) {
		t.Fatalf("LockSpan in a read-only transaction: %v", err)
	}
}
