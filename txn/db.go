package txn

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/kv"
)

// NewDB returns a DB whose transactions send their requests to sender and
// take their timestamps (and default priorities) from clk, which must be
// the clock of the store behind sender when both live in one process. Over
// a single-node store:
//
//	s, err := store.Open(store.Config{Dir: dir}) // or Dir: store.MemoryDir
//	db := txn.NewDB(s, s.Clock())
//	defer s.Close() // after the last transaction finished
//
// How a transaction maps onto kv requests:
//   - Begin: ReadTimestamp = clk.Now(); Priority = Options.Priority, or the
//     ReadTimestamp's wall time (older = smaller = wins wound-wait).
//   - Get, Scan: read requests; the server takes shared locks first (a span
//     lock for a scan). Read-only transactions read the snapshot at
//     ReadTimestamp without locks instead.
//   - GetForUpdate, Scan with ForUpdate: the same with exclusive locks.
//   - Put, Delete: an exclusive lock request for the key when it is first
//     written, then the write is buffered. Insert reads the key under an
//     exclusive lock first. DeleteRange scans with exclusive key locks and
//     buffers a delete per live key.
//   - Reads merge the buffer over what the server returns (read-your-writes,
//     deletes hide keys).
//   - Commit: one EndTxn with every buffered write. Rollback: EndTxn abort.
//   - A *kv.TxnAbortedError (wounded) becomes a *RetryableError carrying the
//     transaction's priority; the transaction is then rolled back.
//   - A transaction whose buffered writes grow past a threshold (see
//     StageAfter) sends them ahead in a StageRequest and empties its
//     buffer: the server keeps them on disk for it. Its reads then merge
//     what is left in the buffer over the server's answers, which include
//     the staged writes.
func NewDB(sender kv.Sender, clk clock.Clock, opts ...DBOption) DB {
	db := &kvDB{sender: sender, clock: clk, stageBytes: DefaultStageBytes}
	for _, o := range opts {
		o(db)
	}
	return db
}

// DefaultStageBytes is how much memory a transaction's buffered writes
// may take before they are staged at the server.
const DefaultStageBytes = 8 << 20

// A DBOption configures NewDB.
type DBOption func(*kvDB)

// StageAfter sets the size of buffered writes (about the bytes of keys
// and values) past which a transaction stages them at the server instead
// of holding them until commit. Tests make it small to stage every few
// writes.
func StageAfter(bytes int) DBOption {
	return func(db *kvDB) { db.stageBytes = max(bytes, 1) }
}

type kvDB struct {
	sender     kv.Sender
	clock      clock.Clock
	stageBytes int
}

func (db *kvDB) Begin(ctx context.Context, opts Options) (Txn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ts := db.clock.Now()
	prio := opts.Priority
	if prio == 0 {
		prio = max(ts.WallTime, 1)
	}
	meta := kv.TxnMeta{ID: kv.NewTxnID(), Priority: prio, ReadTimestamp: ts, ReadOnly: opts.ReadOnly}
	if p, ok := Unwrap(opts.Parent).(*kvTxn); ok && p.db == db {
		meta.Parent = p.meta.ID
	}
	return &kvTxn{db: db, meta: meta}, nil
}

// kvTxn is a Txn over a kv.Sender. Used by one goroutine at a time (the Txn
// contract), so it has no mutex.
type kvTxn struct {
	db   *kvDB
	meta kv.TxnMeta
	// done is set once the transaction committed, rolled back or failed.
	done bool
	// sent is set once a request went to the server: from then on the
	// server may hold locks (or a tombstone) for the transaction and must be
	// told when it ends.
	sent bool
	// writes buffers the writes until Commit, or until they grow enough to
	// be staged at the server (maybeStage): a write leaves the buffer only
	// for the server's staging area, whose contents the server merges into
	// the transaction's reads. So the buffer over the server's answers is
	// always the transaction's own view.
	// Invariant: the server holds an exclusive lock on every key in writes
	// (and on every key staged).
	writes writeBuffer
}

// maybeStage sends the buffered writes to the server's staging area once
// they take more than the DB's threshold, and empties the buffer.
func (t *kvTxn) maybeStage(ctx context.Context) error {
	if t.writes.size < t.db.stageBytes {
		return nil
	}
	if _, err := t.send(ctx, &kv.StageRequest{Writes: t.writes.list()}); err != nil {
		// The write that brought us here is buffered, but its caller gets
		// an error: roll back rather than let a later Commit write it.
		if !t.done {
			_ = t.finish(ctx)
		}
		return err
	}
	t.writes.reset()
	return nil
}

var _ Txn = (*kvTxn)(nil)

func (t *kvTxn) ID() string                     { return hex.EncodeToString(t.meta.ID[:]) }
func (t *kvTxn) ReadTimestamp() clock.Timestamp { return t.meta.ReadTimestamp }

// send sends reqs in one batch and maps errors: a wound becomes a
// *RetryableError and a context error rolls the transaction back.
func (t *kvTxn) send(ctx context.Context, reqs ...kv.Request) ([]kv.Response, error) {
	if t.done {
		return nil, ErrTxnDone
	}
	t.sent = t.sent || !t.meta.ReadOnly
	br, err := t.db.sender.Send(ctx, &kv.BatchRequest{Txn: &t.meta, Requests: reqs})
	if err != nil {
		switch {
		case errors.Is(err, kv.ErrTxnAborted):
			t.finish(ctx)
			return nil, t.retryable(err)
		case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			t.finish(ctx)
		}
		return nil, err
	}
	// In process the sender shares our clock and this changes nothing; a
	// remote server's reading that is beyond the offset bound is not folded
	// in, and the next timestamp we take is simply not above it.
	_ = t.db.clock.Update(br.Now)
	return br.Responses, nil
}

func (t *kvTxn) retryable(err error) error {
	return &RetryableError{Reason: err.Error(), Priority: t.meta.Priority}
}

// finish marks the transaction done and, if the server may know it, tells
// the server to forget it (releasing its locks). ctx may have ended.
func (t *kvTxn) finish(ctx context.Context) error {
	t.done = true
	if !t.sent {
		return nil
	}
	t.sent = false
	ba := &kv.BatchRequest{Txn: &t.meta, Requests: []kv.Request{&kv.EndTxnRequest{Commit: false}}}
	_, err := t.db.sender.Send(context.WithoutCancel(ctx), ba)
	return err
}

func (t *kvTxn) Get(ctx context.Context, key []byte) ([]byte, bool, error) {
	return t.get(ctx, key, kv.LockNone)
}

func (t *kvTxn) GetForUpdate(ctx context.Context, key []byte) ([]byte, bool, error) {
	if t.meta.ReadOnly {
		return nil, false, ErrReadOnly
	}
	return t.get(ctx, key, kv.LockExclusive)
}

func (t *kvTxn) get(ctx context.Context, key []byte, str kv.Strength) ([]byte, bool, error) {
	if t.done {
		return nil, false, ErrTxnDone
	}
	if w, ok := t.writes.get(key); ok {
		// Buffered: the exclusive lock is already held.
		if w.Delete {
			return nil, false, nil
		}
		return clone(w.Value), true, nil
	}
	resps, err := t.send(ctx, &kv.GetRequest{Key: key, KeyLocking: str})
	if err != nil {
		return nil, false, err
	}
	r := resps[0].(*kv.GetResponse)
	return r.Value, r.Found, nil
}

func (t *kvTxn) Put(ctx context.Context, key, value []byte) error {
	return t.write(ctx, key, value, false)
}

func (t *kvTxn) Delete(ctx context.Context, key []byte) error {
	return t.write(ctx, key, nil, true)
}

func (t *kvTxn) write(ctx context.Context, key, value []byte, del bool) error {
	if t.done {
		return ErrTxnDone
	}
	if t.meta.ReadOnly {
		return ErrReadOnly
	}
	if _, ok := t.writes.get(key); !ok {
		if _, err := t.send(ctx, &kv.LockRequest{Span: kv.Span{Key: key}, Strength: kv.LockExclusive}); err != nil {
			return err
		}
	}
	t.writes.put(key, value, del)
	return t.maybeStage(ctx)
}

func (t *kvTxn) Insert(ctx context.Context, key, value []byte) error {
	if t.done {
		return ErrTxnDone
	}
	if t.meta.ReadOnly {
		return ErrReadOnly
	}
	if w, ok := t.writes.get(key); ok {
		if !w.Delete {
			return ErrKeyExists
		}
	} else {
		// Read under the exclusive lock: no one can insert it after we looked.
		resps, err := t.send(ctx, &kv.GetRequest{Key: key, KeyLocking: kv.LockExclusive})
		if err != nil {
			return err
		}
		if resps[0].(*kv.GetResponse).Found {
			return ErrKeyExists
		}
	}
	t.writes.put(key, value, false)
	return t.maybeStage(ctx)
}

// deleteRangePage is how many keys DeleteRange reads at a time.
const deleteRangePage = 1000

// DeleteRange takes one exclusive lock on the span, since it deletes every
// key there and no one may insert meanwhile: the scans under it then take
// no lock of their own per key, and the lock table does not grow with the
// span. It reads the span a page at a time and stages the deletes as they
// grow (maybeStage), so its memory is bounded too: dropping a table of
// millions of rows is a loop, not a load.
func (t *kvTxn) DeleteRange(ctx context.Context, start, end []byte) (int64, error) {
	if t.done {
		return 0, ErrTxnDone
	}
	if t.meta.ReadOnly {
		return 0, ErrReadOnly
	}
	if len(start) == 0 {
		start = []byte{0} // the smallest key: keys are non-empty
	}
	if string(start) >= string(end) {
		return 0, nil
	}
	if err := t.LockSpan(ctx, start, end); err != nil {
		return 0, err
	}
	var n int64
	for lo := start; ; {
		// Keys deleted by earlier pages are hidden by the buffer, or by
		// the server if staged; the next page starts after them anyway.
		rows, err := t.Scan(ctx, lo, end, ScanOptions{MaxKeys: deleteRangePage})
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			t.writes.put(r.Key, nil, true)
		}
		n += int64(len(rows))
		if err := t.maybeStage(ctx); err != nil {
			return n, err
		}
		if len(rows) < deleteRangePage {
			return n, nil
		}
		lo = append(rows[len(rows)-1].Key, 0)
	}
}

func (t *kvTxn) Scan(ctx context.Context, start, end []byte, opts ScanOptions) ([]KeyValue, error) {
	if t.done {
		return nil, ErrTxnDone
	}
	if opts.ForUpdate && t.meta.ReadOnly {
		return nil, ErrReadOnly
	}
	if opts.MaxKeys < 0 {
		return nil, fmt.Errorf("%w: negative MaxKeys %d", kv.ErrInvalidRequest, opts.MaxKeys)
	}
	str := kv.LockNone
	if opts.ForUpdate {
		str = kv.LockExclusive
	}
	if len(start) == 0 {
		start = []byte{0} // the smallest key: keys are non-empty
	}
	if string(start) >= string(end) {
		return nil, nil
	}
	var out []KeyValue
	lo, hi := string(start), string(end)
	for {
		limit := int64(0)
		if opts.MaxKeys > 0 {
			limit = opts.MaxKeys - int64(len(out))
		}
		resps, err := t.send(ctx, &kv.ScanRequest{
			Key: []byte(lo), EndKey: []byte(hi), MaxKeys: limit, Reverse: opts.Reverse, KeyLocking: str,
		})
		if err != nil {
			return nil, err
		}
		rows := resps[0].(*kv.ScanResponse).Rows
		// [covLo, covHi) is the part of [lo, hi) the server scanned
		// completely; buffered writes there are merged now, the rest after
		// the next round.
		covLo, covHi := lo, hi
		exhausted := limit == 0 || int64(len(rows)) < limit
		if !exhausted {
			last := string(rows[len(rows)-1].Key)
			if opts.Reverse {
				covLo = last
			} else {
				covHi = last + "\x00"
			}
		}
		out = append(out, mergeRows(rows, t.writes.span(covLo, covHi), opts.Reverse)...)
		if opts.MaxKeys > 0 && int64(len(out)) >= opts.MaxKeys {
			return out[:opts.MaxKeys], nil
		}
		if exhausted {
			return out, nil
		}
		if opts.Reverse {
			hi = covLo
		} else {
			lo = covHi
		}
		if lo >= hi {
			return out, nil
		}
	}
}

// mergeRows overlays the buffered writes ws (ascending, all inside the span
// the server scanned) on the server's rows (ascending, or descending when
// reverse): a buffered put replaces or adds a row, a buffered delete hides
// one.
func mergeRows(rows []kv.KeyValue, ws []*kv.Write, reverse bool) []KeyValue {
	out := make([]KeyValue, 0, len(rows)+len(ws))
	emit := func(w *kv.Write) {
		if !w.Delete {
			out = append(out, KeyValue{Key: clone(w.Key), Value: clone(w.Value)})
		}
	}
	// Walk both in output order.
	wi, step := 0, 1
	if reverse {
		wi, step = len(ws)-1, -1
	}
	before := func(a, b []byte) bool { // a comes before b in output order
		if reverse {
			return string(a) > string(b)
		}
		return string(a) < string(b)
	}
	for _, r := range rows {
		for wi >= 0 && wi < len(ws) && before(ws[wi].Key, r.Key) {
			emit(ws[wi])
			wi += step
		}
		if wi >= 0 && wi < len(ws) && string(ws[wi].Key) == string(r.Key) {
			emit(ws[wi])
			wi += step
			continue
		}
		out = append(out, KeyValue{Key: r.Key, Value: r.Value})
	}
	for ; wi >= 0 && wi < len(ws); wi += step {
		emit(ws[wi])
	}
	return out
}

func (t *kvTxn) Commit(ctx context.Context) error {
	if t.done {
		return ErrTxnDone
	}
	if !t.sent {
		// Read-only, or nothing sent: no locks, nothing to write.
		t.done = true
		return nil
	}
	if err := ctx.Err(); err != nil {
		// The caller gave up before the commit started: roll back rather
		// than commit behind its back (or report a commit that surely
		// happened as ambiguous).
		_ = t.finish(ctx)
		return err
	}
	ba := &kv.BatchRequest{Txn: &t.meta, Requests: []kv.Request{&kv.EndTxnRequest{Commit: true, Writes: t.writes.list()}}}
	br, err := t.db.sender.Send(ctx, ba)
	if err == nil {
		t.done, t.sent = true, false
		_ = t.db.clock.Update(br.Now)
		return nil
	}
	// Make sure the server forgets the transaction. An abort never undoes
	// a commit that did happen: it only releases locks.
	_ = t.finish(ctx)
	switch {
	case errors.Is(err, kv.ErrTxnAborted):
		return t.retryable(err)
	case errors.Is(err, kv.ErrInvalidRequest):
		// Refused before anything was written (a key or value too large).
		return err
	}
	return fmt.Errorf("%w: %w", ErrAmbiguousCommit, err)
}

func (t *kvTxn) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	return t.finish(ctx)
}

func clone(b []byte) []byte { return append([]byte{}, b...) }
