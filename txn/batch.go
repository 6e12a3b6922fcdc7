package txn

import (
	"context"
	"errors"

	"github.com/meridiandb/meridian/kv"
)

// Bulk is implemented by transactions with fast paths for bulk loads (COPY,
// ALTER TABLE ... ADD PRIMARY KEY). It is optional: callers go through the
// functions LockSpan and InsertBatch below, which fall back to the plain
// Txn methods for a Txn without it.
//
// The fast paths change what a load costs, not what it means: the writes
// are still buffered until Commit and made durable atomically with the rest
// of the transaction, and every key is still checked for a live value.
type Bulk interface {
	// LockSpan takes an exclusive lock on [start, end): on every key in
	// it, present or not, until the transaction ends. Later locks inside
	// the span are then granted at once, without a lock of their own in the
	// lock table. Other transactions can neither read nor write the span
	// meanwhile, so callers take it only for a span they are about to
	// rewrite in bulk.
	LockSpan(ctx context.Context, start, end []byte) error
	// InsertBatch is Insert of each pair in order, with the reads of all
	// of them in one request. At the first key that holds a live value it
	// stops and returns that key's index and ErrKeyExists: the pairs before
	// it are inserted, it and the ones after are not. On success it
	// returns len(kvs) and nil. Unlike Insert, it keeps the Key and Value
	// slices of the pairs it inserts instead of copying them: the caller
	// must not modify them afterwards.
	InsertBatch(ctx context.Context, kvs []KeyValue) (int, error)
	// DeleteBatch is Delete of each key, with the locks in one request.
	// Like InsertBatch it keeps the key slices: the caller must not modify
	// them afterwards.
	DeleteBatch(ctx context.Context, keys [][]byte) error
	// PutBatch is Put of each pair, with the locks in one request. Like
	// InsertBatch it keeps the slices.
	PutBatch(ctx context.Context, kvs []KeyValue) error
}

// LockSpan takes an exclusive lock on [start, end) if tx supports it (see
// Bulk); otherwise it does nothing, and each write locks its own key as
// usual.
func LockSpan(ctx context.Context, tx Txn, start, end []byte) error {
	if b, ok := tx.(Bulk); ok {
		return b.LockSpan(ctx, start, end)
	}
	return nil
}

// InsertBatch inserts kvs in order through tx (see Bulk.InsertBatch), one
// Insert at a time if tx does not implement Bulk.
func InsertBatch(ctx context.Context, tx Txn, kvs []KeyValue) (int, error) {
	if b, ok := tx.(Bulk); ok {
		return b.InsertBatch(ctx, kvs)
	}
	for i, p := range kvs {
		if err := tx.Insert(ctx, p.Key, p.Value); err != nil {
			return i, err
		}
	}
	return len(kvs), nil
}

// DeleteBatch deletes keys through tx (see Bulk.DeleteBatch), one Delete
// at a time if tx does not implement Bulk.
func DeleteBatch(ctx context.Context, tx Txn, keys [][]byte) error {
	if b, ok := tx.(Bulk); ok {
		return b.DeleteBatch(ctx, keys)
	}
	for _, k := range keys {
		if err := tx.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// PutBatch puts each pair through tx (see Bulk.PutBatch), one Put at a
// time if tx does not implement Bulk.
func PutBatch(ctx context.Context, tx Txn, kvs []KeyValue) error {
	if b, ok := tx.(Bulk); ok {
		return b.PutBatch(ctx, kvs)
	}
	for _, p := range kvs {
		if err := tx.Put(ctx, p.Key, p.Value); err != nil {
			return err
		}
	}
	return nil
}

var _ Bulk = (*kvTxn)(nil)

func (t *kvTxn) DeleteBatch(ctx context.Context, keys [][]byte) error {
	kvs := make([]KeyValue, len(keys))
	for i, k := range keys {
		kvs[i].Key = k
	}
	return t.writeBatch(ctx, kvs, true)
}

func (t *kvTxn) PutBatch(ctx context.Context, kvs []KeyValue) error {
	return t.writeBatch(ctx, kvs, false)
}

// writeBatch buffers a put of each pair (a delete of each key with del),
// keeping the slices, after one request locks the keys not yet buffered.
func (t *kvTxn) writeBatch(ctx context.Context, kvs []KeyValue, del bool) error {
	if t.done {
		return ErrTxnDone
	}
	if t.meta.ReadOnly {
		return ErrReadOnly
	}
	// Invariant (kvTxn.writes): an exclusive lock on every buffered key.
	reqs := make([]kv.Request, 0, len(kvs))
	locks := make([]kv.LockRequest, len(kvs))
	buffered := make([]bool, len(kvs))
	for i, p := range kvs {
		if _, buffered[i] = t.writes.get(p.Key); buffered[i] {
			continue
		}
		locks[i] = kv.LockRequest{Span: kv.Span{Key: p.Key}, Strength: kv.LockExclusive}
		reqs = append(reqs, &locks[i])
	}
	if len(reqs) > 0 {
		if _, err := t.send(ctx, reqs...); err != nil {
			return err
		}
	}
	for i, p := range kvs {
		if buffered[i] {
			t.writes.put(p.Key, p.Value, del)
		} else if w, ok := t.writes.insertNew(p.Key, p.Value, del); !ok {
			// Given twice: the later write wins, as with Put and Delete.
			t.writes.overwrite(w, p.Value, del)
		}
	}
	return t.maybeStage(ctx)
}

func (t *kvTxn) LockSpan(ctx context.Context, start, end []byte) error {
	if t.done {
		return ErrTxnDone
	}
	if t.meta.ReadOnly {
		return ErrReadOnly
	}
	if len(start) == 0 || string(start) >= string(end) {
		return errors.New("txn: LockSpan needs a non-empty span")
	}
	_, err := t.send(ctx, &kv.LockRequest{Span: kv.Span{Key: start, EndKey: end}, Strength: kv.LockExclusive})
	return err
}

// InsertBatch sends one batch of exclusive-locking reads for the keys not
// already buffered, then walks the pairs in order as Insert would. A key
// given twice is read twice; its second occurrence finds the first in the
// buffer and is the duplicate.
func (t *kvTxn) InsertBatch(ctx context.Context, kvs []KeyValue) (int, error) {
	if t.done {
		return 0, ErrTxnDone
	}
	if t.meta.ReadOnly {
		return 0, ErrReadOnly
	}
	reqs := make([]kv.Request, 0, len(kvs))
	gets := make([]kv.GetRequest, len(kvs))
	read := make([]int, len(kvs)) // index in the responses, or -1
	for i, p := range kvs {
		read[i] = -1
		if _, ok := t.writes.get(p.Key); ok {
			continue
		}
		gets[i] = kv.GetRequest{Key: p.Key, KeyLocking: kv.LockExclusive}
		read[i] = len(reqs)
		reqs = append(reqs, &gets[i])
	}
	var resps []kv.Response
	if len(reqs) > 0 {
		var err error
		if resps, err = t.send(ctx, reqs...); err != nil {
			return 0, err
		}
	}
	for i, p := range kvs {
		if read[i] < 0 {
			// Buffered before the batch (writes leave the buffer only in
			// maybeStage, below).
			if w, _ := t.writes.get(p.Key); !w.Delete {
				return i, ErrKeyExists
			}
			t.writes.put(p.Key, p.Value, false)
			continue
		}
		if resps[read[i]].(*kv.GetResponse).Found {
			return i, ErrKeyExists
		}
		if _, ok := t.writes.insertNew(p.Key, p.Value, false); !ok { // keeps the slices
			// Put by an earlier pair of this batch.
			return i, ErrKeyExists
		}
	}
	if err := t.maybeStage(ctx); err != nil {
		return len(kvs), err
	}
	return len(kvs), nil
}
