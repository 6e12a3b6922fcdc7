package mvcc_test

import (
	"errors"
	"fmt"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/mvcc"
)

func Example() {
	e, err := mvcc.Open(mvcc.Config{InMemory: true})
	if err != nil {
		panic(err)
	}
	defer e.Close()
	ts := func(s int64) clock.Timestamp { return clock.Timestamp{WallTime: s * 1e9} }

	// A committed write and a transaction's intent, applied atomically.
	b := e.NewBatch()
	_ = mvcc.Put(b, []byte("k"), ts(5), []byte("v5"), mvcc.WriteOptions{})
	txn := &mvcc.TxnMeta{ID: mvcc.TxnID{1}, WriteTimestamp: ts(10)}
	_ = mvcc.Put(b, []byte("k"), ts(10), []byte("v10"), mvcc.WriteOptions{Txn: txn})
	if err := b.Commit(true); err != nil {
		panic(err)
	}

	v, _, _ := mvcc.Get(e, []byte("k"), ts(7), mvcc.ReadOptions{})
	fmt.Printf("at 7: %s\n", v.Bytes)
	_, _, err = mvcc.Get(e, []byte("k"), ts(12), mvcc.ReadOptions{})
	var wi *mvcc.WriteIntentError
	fmt.Println("at 12 blocked by intent:", errors.As(err, &wi))
	v, _, _ = mvcc.Get(e, []byte("k"), ts(12), mvcc.ReadOptions{Txn: txn})
	fmt.Printf("txn sees its own write: %s\n", v.Bytes)

	// Commit the intent at 11.
	b = e.NewBatch()
	_, _ = mvcc.ResolveIntent(b, []byte("k"), *txn, mvcc.Committed, ts(11), nil)
	_ = b.Commit(true)
	v, _, _ = mvcc.Get(e, []byte("k"), ts(12), mvcc.ReadOptions{})
	fmt.Printf("at 12: %s @%s\n", v.Bytes, v.Timestamp)
	// Output:
	// at 7: v5
	// at 12 blocked by intent: true
	// txn sees its own write: v10
	// at 12: v10 @11.000000000,0
}
