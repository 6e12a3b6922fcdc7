// Package memdb is a test-only txn.DB: an in-memory map where each
// transaction holds one global lock from Begin to Commit or Rollback, which
// makes every history trivially serializable. Read-only transactions take
// the lock too. The SQL tests run on the real store (rangeservice/store)
// as well; this fake stays for what the real one cannot do on demand:
// injected retryable conflicts (FailCommits, FailWrites) and a Begin that
// blocks until its context ends (statement_timeout).
//
// Begin waits for the lock and honours ctx, so tests with several sessions
// must not interleave two open transactions in one goroutine.
package memdb

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/txn"
)

// DB is the in-memory database.
type DB struct {
	lock chan struct{} // holds one token; a transaction owns it while open
	mu   sync.Mutex    // guards data (held only briefly)
	data map[string][]byte
	seq  atomic.Int64
	// FailCommits, when positive, makes that many next commits fail with a
	// retryable error (for testing retries).
	FailCommits atomic.Int64
	// FailWrites, when positive, makes that many next writes fail with a
	// retryable error that aborts their transaction.
	FailWrites atomic.Int64
}

var _ txn.DB = (*DB)(nil)

// New returns an empty DB.
func New() *DB {
	db := &DB{lock: make(chan struct{}, 1), data: map[string][]byte{}}
	db.lock <- struct{}{}
	return db
}

// Begin implements txn.DB.
func (db *DB) Begin(ctx context.Context, opts txn.Options) (txn.Txn, error) {
	select {
	case <-db.lock:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	n := db.seq.Add(1)
	return &Txn{db: db, id: n, opts: opts, writes: map[string][]byte{},
		ts: clock.Timestamp{WallTime: 1_700_000_000_000_000_000 + n*1_000_000}}, nil
}

// Txn is a transaction of DB.
type Txn struct {
	db     *DB
	id     int64
	ts     clock.Timestamp
	opts   txn.Options
	writes map[string][]byte // nil value = deleted
	done   bool
}

var _ txn.Txn = (*Txn)(nil)

func (t *Txn) ID() string                     { return fmt.Sprintf("memtxn-%d", t.id) }
func (t *Txn) ReadTimestamp() clock.Timestamp { return t.ts }

func (t *Txn) check(ctx context.Context) error {
	if t.done {
		return txn.ErrTxnDone
	}
	if err := ctx.Err(); err != nil {
		t.finish()
		return err
	}
	return nil
}

func (t *Txn) get(key []byte) ([]byte, bool) {
	if v, ok := t.writes[string(key)]; ok {
		return v, v != nil
	}
	t.db.mu.Lock()
	defer t.db.mu.Unlock()
	v, ok := t.db.data[string(key)]
	return v, ok
}

func (t *Txn) Get(ctx context.Context, key []byte) ([]byte, bool, error) {
	if err := t.check(ctx); err != nil {
		return nil, false, err
	}
	v, ok := t.get(key)
	return bytes.Clone(v), ok, nil
}

func (t *Txn) GetForUpdate(ctx context.Context, key []byte) ([]byte, bool, error) {
	return t.Get(ctx, key)
}

func (t *Txn) Scan(ctx context.Context, start, end []byte, opts txn.ScanOptions) ([]txn.KeyValue, error) {
	if err := t.check(ctx); err != nil {
		return nil, err
	}
	in := func(k string) bool {
		return k >= string(start) && (end == nil || k < string(end))
	}
	keys := map[string]bool{}
	t.db.mu.Lock()
	for k := range t.db.data {
		if in(k) {
			keys[k] = true
		}
	}
	t.db.mu.Unlock()
	for k := range t.writes {
		if in(k) {
			keys[k] = true
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	if opts.Reverse {
		for i, j := 0, len(sorted)-1; i < j; i, j = i+1, j-1 {
			sorted[i], sorted[j] = sorted[j], sorted[i]
		}
	}
	var out []txn.KeyValue
	for _, k := range sorted {
		v, ok := t.get([]byte(k))
		if !ok {
			continue
		}
		out = append(out, txn.KeyValue{Key: []byte(k), Value: bytes.Clone(v)})
		if opts.MaxKeys > 0 && int64(len(out)) >= opts.MaxKeys {
			break
		}
	}
	return out, nil
}

func (t *Txn) write(ctx context.Context, key, value []byte) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if t.opts.ReadOnly {
		return txn.ErrReadOnly
	}
	if t.db.FailWrites.Load() > 0 && t.db.FailWrites.Add(-1) >= 0 {
		t.finish()
		return &txn.RetryableError{Reason: "injected write conflict", Priority: 9}
	}
	if value == nil {
		t.writes[string(key)] = nil
	} else {
		t.writes[string(key)] = append([]byte{}, value...)
	}
	return nil
}

func (t *Txn) Put(ctx context.Context, key, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return t.write(ctx, key, value)
}

func (t *Txn) Insert(ctx context.Context, key, value []byte) error {
	if err := t.check(ctx); err != nil {
		return err
	}
	if _, ok := t.get(key); ok {
		return txn.ErrKeyExists
	}
	if value == nil {
		value = []byte{}
	}
	return t.write(ctx, key, value)
}

func (t *Txn) Delete(ctx context.Context, key []byte) error { return t.write(ctx, key, nil) }

func (t *Txn) DeleteRange(ctx context.Context, start, end []byte) (int64, error) {
	kvs, err := t.Scan(ctx, start, end, txn.ScanOptions{})
	if err != nil {
		return 0, err
	}
	for _, kv := range kvs {
		if err := t.Delete(ctx, kv.Key); err != nil {
			return 0, err
		}
	}
	return int64(len(kvs)), nil
}

func (t *Txn) finish() {
	if !t.done {
		t.done = true
		t.db.lock <- struct{}{}
	}
}

func (t *Txn) Commit(ctx context.Context) error {
	if t.done {
		return txn.ErrTxnDone
	}
	if t.db.FailCommits.Load() > 0 && t.db.FailCommits.Add(-1) >= 0 {
		t.finish()
		return &txn.RetryableError{Reason: "injected", Priority: 7}
	}
	t.db.mu.Lock()
	for k, v := range t.writes {
		if v == nil {
			delete(t.db.data, k)
		} else {
			t.db.data[k] = v
		}
	}
	t.db.mu.Unlock()
	t.finish()
	return nil
}

func (t *Txn) Rollback(ctx context.Context) error {
	t.finish()
	return nil
}

// Exclusive reports that one transaction at a time can be open, so the
// SQL engine must not start a second one while a statement's is open
// (nextval does that on a real store).
func (db *DB) Exclusive() bool { return true }
