package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/kv"
	"github.com/meridiandb/meridian/mvcc"
	"github.com/meridiandb/meridian/rangeservice/concurrency"
)

// sendReadWrite evaluates a batch of a read-write transaction: locks, then
// reads; EndTxn last.
func (s *Store) sendReadWrite(ctx context.Context, ba *kv.BatchRequest) ([]kv.Response, error) {
	txn := *ba.Txn
	resps := make([]kv.Response, len(ba.Requests))
	for i := 0; i < len(ba.Requests); i++ {
		r := ba.Requests[i]
		var (
			resp kv.Response
			err  error
		)
		if n := getRun(ba.Requests[i:]); n > 1 {
			if err := s.lockedGets(ctx, txn, ba.Requests[i:i+n], resps[i:i+n]); err != nil {
				return nil, err
			}
			i += n - 1
			continue
		}
		switch r := r.(type) {
		case *kv.GetRequest:
			resp, err = s.lockedGet(ctx, txn, r)
		case *kv.ScanRequest:
			resp, err = s.lockedScan(ctx, txn, r)
		case *kv.LockRequest:
			err = s.acquire(ctx, txn, r.Span, r.Strength)
			resp = &kv.LockResponse{}
		case *kv.StageRequest:
			err = s.stage(txn, r)
			resp = &kv.StageResponse{}
		case *kv.EndTxnRequest:
			// Validate put EndTxn last; the batch's outcome is its outcome.
			// A commit refuses a wounded transaction itself; an abort after
			// reads in the same batch must not return unprotected reads.
			if i > 0 && !r.Commit {
				if err := s.locks.Check(txn.ID); err != nil {
					s.locks.Release(txn.ID)
					s.staging.discard(txn.ID)
					return nil, err
				}
			}
			return resps, s.endTxn(ctx, txn, r, &resps[i])
		default:
			err = fmt.Errorf("%w: %s in a read-write transaction", kv.ErrInvalidRequest, r.Method())
		}
		if err != nil {
			return nil, err
		}
		resps[i] = resp
	}
	// Our locks may have been released by a wound after they were granted;
	// reads made since then are not protected. Refuse them.
	if err := s.locks.Check(txn.ID); err != nil {
		return nil, err
	}
	return resps, nil
}

// stage adds r's writes to the transaction's staged writes. The
// transaction must hold locks (it locks each key before writing it), so a
// Stage of a transaction the lock table does not know has come after its
// EndTxn, or from a client that broke the protocol: its staging area would
// never be dropped. The check is made again after the writes, for an
// EndTxn that overtakes the Stage: either it released the transaction
// before the second check, which then drops the area, or after, and its
// own discard, which follows its release, does.
func (s *Store) stage(txn kv.TxnMeta, r *kv.StageRequest) error {
	if !s.locks.Known(txn.ID) {
		return fmt.Errorf("%w: Stage of transaction %s, which holds no locks", kv.ErrInvalidRequest, txn.ID)
	}
	err := s.staging.stage(txn.ID, r.Writes)
	if !s.locks.Known(txn.ID) {
		s.staging.discard(txn.ID)
		return fmt.Errorf("%w: transaction %s ended during its Stage", kv.ErrInvalidRequest, txn.ID)
	}
	return err
}

func (s *Store) acquire(ctx context.Context, txn kv.TxnMeta, sp kv.Span, str kv.Strength) error {
	return s.locks.Acquire(ctx, concurrency.Request{Txn: txn, Span: sp, Strength: str})
}

func (s *Store) lockedGet(ctx context.Context, txn kv.TxnMeta, r *kv.GetRequest) (*kv.GetResponse, error) {
	if err := s.acquire(ctx, txn, kv.Span{Key: r.Key}, max(kv.LockShared, r.KeyLocking)); err != nil {
		return nil, err
	}
	// The transaction's own staged write of the key, if any, is newer than
	// every committed version.
	if st := s.staging.get(txn.ID); st != nil {
		v, del, found, err := st.lookup(r.Key)
		if err != nil || found {
			return &kv.GetResponse{Value: v, Found: found && !del}, err
		}
	}
	// Under the lock, the newest committed version is the one to read: any
	// writer of the key applied its commit before releasing its exclusive
	// lock. Now() is above every commit timestamp taken so far.
	return s.get(r.Key, s.clock.Now())
}

// getRun returns how many requests at the start of reqs are Gets.
func getRun(reqs []kv.Request) int {
	n := 0
	for n < len(reqs) {
		if _, ok := reqs[n].(*kv.GetRequest); !ok {
			break
		}
		n++
	}
	return n
}

// lockedGets is lockedGet of each of reqs (all Gets) into resps, with one
// engine iterator for the reads (a bulk insert checks a batch of keys this
// way). Every lock is taken before the first read: the iterator sees the
// engine as of its creation, which then holds the newest version of every
// key, as one lockedGet after another would see.
func (s *Store) lockedGets(ctx context.Context, txn kv.TxnMeta, reqs []kv.Request, resps []kv.Response) error {
	for _, r := range reqs {
		r := r.(*kv.GetRequest)
		if err := s.acquire(ctx, txn, kv.Span{Key: r.Key}, max(kv.LockShared, r.KeyLocking)); err != nil {
			return err
		}
	}
	ts := s.clock.Now()
	err := s.withEngine(func(eng *mvcc.Engine) error {
		g, err := mvcc.NewGetter(eng, ts, mvcc.ReadOptions{})
		if err != nil {
			return err
		}
		for i, r := range reqs {
			v, ok, err := g.Get(r.(*kv.GetRequest).Key)
			if err != nil {
				_ = g.Close()
				return err
			}
			resps[i] = &kv.GetResponse{Value: v.Bytes, Found: ok}
		}
		return g.Close()
	})
	if err != nil {
		return mvccErr(err)
	}
	if st := s.staging.get(txn.ID); st != nil {
		keys := make([][]byte, len(reqs))
		for i, r := range reqs {
			keys[i] = r.(*kv.GetRequest).Key
		}
		return st.lookupAll(keys, func(i int, v []byte, del bool) {
			r := &kv.GetResponse{Found: !del}
			if !del {
				r.Value = bytes.Clone(v)
			}
			resps[i] = r
		})
	}
	return nil
}

func (s *Store) lockedScan(ctx context.Context, txn kv.TxnMeta, r *kv.ScanRequest) (*kv.ScanResponse, error) {
	// The whole span is locked, even when MaxKeys will stop the scan early:
	// simple and correct (a tighter lock is a later optimisation).
	//
	// A locking scan of the whole span returns every row in it, to be
	// locked exclusively: one exclusive lock on the span is the same
	// protection (and keeps inserts out, as the shared one would), takes
	// one lock-table entry instead of one per row (an UPDATE of a million
	// rows), and, taken before reading, makes two such scans queue instead
	// of both taking the shared lock and deadlocking on their upgrades.
	whole := r.KeyLocking == kv.LockExclusive && r.MaxKeys == 0
	str := kv.LockShared
	if whole {
		str = kv.LockExclusive
	}
	if err := s.acquire(ctx, txn, kv.Span{Key: r.Key, EndKey: r.EndKey}, str); err != nil {
		return nil, err
	}
	var resp *kv.ScanResponse
	var err error
	if st := s.staging.get(txn.ID); st != nil {
		resp, err = s.stagedScan(r, s.clock.Now(), st)
	} else {
		resp, err = s.scan(r, s.clock.Now())
	}
	if err != nil {
		return nil, err
	}
	if r.KeyLocking == kv.LockExclusive && !whole {
		// The shared span lock keeps every other writer out, so the rows
		// cannot change while we upgrade them.
		for _, row := range resp.Rows {
			if err := s.acquire(ctx, txn, kv.Span{Key: row.Key}, kv.LockExclusive); err != nil {
				return nil, err
			}
		}
	}
	return resp, nil
}

func (s *Store) get(key []byte, ts clock.Timestamp) (*kv.GetResponse, error) {
	var resp kv.GetResponse
	err := s.withEngine(func(eng *mvcc.Engine) error {
		v, ok, err := mvcc.Get(eng, key, ts, mvcc.ReadOptions{})
		resp = kv.GetResponse{Value: v.Bytes, Found: ok}
		return err
	})
	if err != nil {
		return nil, mvccErr(err)
	}
	return &resp, nil
}

func (s *Store) scan(r *kv.ScanRequest, ts clock.Timestamp) (*kv.ScanResponse, error) {
	var resp kv.ScanResponse
	err := s.withEngine(func(eng *mvcc.Engine) error {
		res, err := mvcc.Scan(eng, r.Key, r.EndKey, ts, mvcc.ScanOptions{MaxKeys: r.MaxKeys, Reverse: r.Reverse})
		if err != nil {
			return err
		}
		resp.Rows = make([]kv.KeyValue, len(res.KVs))
		for i, kvs := range res.KVs {
			resp.Rows[i] = kv.KeyValue{Key: kvs.Key, Value: kvs.Value}
		}
		return nil
	})
	if err != nil {
		return nil, mvccErr(err)
	}
	return &resp, nil
}

// mvccErr marks mvcc's refusals of bad input as invalid requests.
func mvccErr(err error) error {
	for _, bad := range []error{mvcc.ErrEmptyKey, mvcc.ErrKeyTooLarge, mvcc.ErrValueTooLarge, mvcc.ErrInvalidArgument} {
		if errors.Is(err, bad) {
			return fmt.Errorf("%w: %w", kv.ErrInvalidRequest, err)
		}
	}
	return err
}

// endTxn commits or aborts txn; it always releases the transaction's locks.
func (s *Store) endTxn(ctx context.Context, txn kv.TxnMeta, r *kv.EndTxnRequest, resp *kv.Response) error {
	// The staged writes go with the transaction, committed or not (a
	// failed commit is not retried: the client aborts).
	defer s.staging.discard(txn.ID)
	if !r.Commit {
		s.locks.Release(txn.ID)
		*resp = &kv.EndTxnResponse{}
		return nil
	}
	if err := ctx.Err(); err != nil {
		// Nothing is written yet: the commit is refused, not ambiguous.
		s.locks.Release(txn.ID)
		return err
	}
	if err := s.locks.BeginCommit(txn); err != nil {
		s.locks.Release(txn.ID)
		return err
	}
	var ts clock.Timestamp
	var err error
	if st := s.staging.get(txn.ID); st != nil {
		ts, err = s.applyStaged(ctx, st, r.Writes)
	} else {
		ts, err = s.apply(r.Writes)
	}
	if err == nil && s.knobs.OnCommit != nil {
		at := ts
		if at.IsEmpty() {
			at = s.clock.Now()
		}
		s.knobs.OnCommit(txn.ID, at)
	}
	s.locks.Release(txn.ID)
	if err != nil {
		return err
	}
	*resp = &kv.EndTxnResponse{CommitTimestamp: ts}
	if ts.IsEmpty() {
		return nil
	}
	// Acknowledge only once the commit timestamp is in the past on every
	// clock. The locks are already released: in one process one HLC orders
	// everything, and a later reader gets a timestamp above ts anyway.
	// (Later: the coordinator overlaps this wait with replication.)
	if err := s.clock.CommitWait(ctx, ts); err != nil {
		return fmt.Errorf("store: committed at %s, but commit wait interrupted: %w", ts, err)
	}
	return nil
}

// apply writes the writes at a fresh commit timestamp in one synced batch.
// It returns the empty timestamp when there is nothing to write.
func (s *Store) apply(writes []kv.Write) (clock.Timestamp, error) {
	if len(writes) == 0 {
		return clock.Timestamp{}, nil
	}
	// At most one write per key: a second version at the same timestamp
	// would be refused by mvcc.
	writes = lastWritePerKey(writes)
	first, last := writes[0].Key, writes[0].Key
	for _, w := range writes[1:] {
		if bytes.Compare(w.Key, first) < 0 {
			first = w.Key
		}
		if bytes.Compare(w.Key, last) > 0 {
			last = w.Key
		}
	}
	var ts clock.Timestamp
	err := s.withEngine(func(eng *mvcc.Engine) error {
		c := s.inflight.begin(s.clock, first, last)
		defer s.inflight.end(c)
		ts = c.ts
		slot := c.slot
		// One write per key, at a timestamp above every version: what
		// mvcc.CommitWriter is for (an unindexed batch, one iterator for
		// the conflict checks).
		size := 0
		for _, w := range writes {
			size += len(w.Key) + len(w.Value)
		}
		b, err := eng.NewCommitWriter(ts, mvcc.CommitSizeHint(size, len(writes)))
		if err != nil {
			return err
		}
		defer b.Close()
		for _, w := range writes {
			var err error
			if w.Delete {
				err = b.Delete(w.Key)
			} else {
				err = b.Put(w.Key, w.Value)
			}
			if err != nil {
				return mvccErr(err)
			}
		}
		if err := mvcc.PutLocal(b.Writer(), highWaterKey(slot), ts.Encode(nil)); err != nil {
			return err
		}
		if s.knobs.BeforeCommitBatch != nil {
			s.knobs.BeforeCommitBatch(ts)
		}
		return b.Commit(true)
	})
	return ts, err
}

// sendReadOnly evaluates reads at the transaction's snapshot, without locks.
func (s *Store) sendReadOnly(ctx context.Context, ba *kv.BatchRequest) ([]kv.Response, error) {
	t := ba.Txn.ReadTimestamp
	if t.IsEmpty() {
		return nil, fmt.Errorf("%w: read-only transaction without a read timestamp", kv.ErrInvalidRequest)
	}
	// Every commit from now on takes a timestamp above t; wait out those
	// that took one at or below it.
	if err := s.clock.Update(t); err != nil {
		return nil, err
	}
	if err := s.inflight.waitClosed(ctx, t, readSpans(ba.Requests)); err != nil {
		return nil, err
	}
	resps := make([]kv.Response, len(ba.Requests))
	for i, r := range ba.Requests {
		var err error
		switch r := r.(type) {
		case *kv.GetRequest:
			resps[i], err = s.get(r.Key, t)
		case *kv.ScanRequest:
			resps[i], err = s.scan(r, t)
		case *kv.EndTxnRequest:
			resps[i] = &kv.EndTxnResponse{}
		default:
			err = fmt.Errorf("%w: %s in a read-only transaction", kv.ErrInvalidRequest, r.Method())
		}
		if err != nil {
			return nil, err
		}
	}
	return resps, nil
}

// readSpans returns the spans reqs read.
func readSpans(reqs []kv.Request) []kv.Span {
	spans := make([]kv.Span, 0, len(reqs))
	for _, r := range reqs {
		switch r := r.(type) {
		case *kv.GetRequest:
			spans = append(spans, kv.Span{Key: r.Key})
		case *kv.ScanRequest:
			spans = append(spans, kv.Span{Key: r.Key, EndKey: r.EndKey})
		}
	}
	return spans
}

// sendNonTxn runs a non-transactional batch as a one-shot transaction,
// retrying (with the same priority) when it is wounded.
func (s *Store) sendNonTxn(ctx context.Context, ba *kv.BatchRequest) ([]kv.Response, error) {
	now := s.clock.Now()
	prio := max(now.WallTime, 1)
	for {
		txn := kv.TxnMeta{ID: kv.NewTxnID(), Priority: prio, ReadTimestamp: now}
		resps, err := s.oneShot(ctx, txn, ba.Requests)
		if errors.Is(err, kv.ErrTxnAborted) {
			continue
		}
		return resps, err
	}
}

func (s *Store) oneShot(ctx context.Context, txn kv.TxnMeta, reqs []kv.Request) (_ []kv.Response, retErr error) {
	defer func() {
		if retErr != nil {
			s.locks.Release(txn.ID)
		}
	}()
	resps := make([]kv.Response, len(reqs))
	var writes []kv.Write
	for i, r := range reqs {
		var err error
		switch r := r.(type) {
		case *kv.GetRequest:
			resps[i], err = s.lockedGet(ctx, txn, r)
		case *kv.ScanRequest:
			resps[i], err = s.lockedScan(ctx, txn, r)
		case *kv.PutRequest:
			err = s.acquire(ctx, txn, kv.Span{Key: r.Key}, kv.LockExclusive)
			writes = append(writes, kv.Write{Key: r.Key, Value: r.Value})
			resps[i] = &kv.PutResponse{}
		case *kv.DeleteRequest:
			err = s.acquire(ctx, txn, kv.Span{Key: r.Key}, kv.LockExclusive)
			writes = append(writes, kv.Write{Key: r.Key, Delete: true})
			resps[i] = &kv.DeleteResponse{}
		default:
			err = fmt.Errorf("%w: %s in a non-transactional batch", kv.ErrInvalidRequest, r.Method())
		}
		if err != nil {
			return nil, err
		}
	}
	var end kv.Response
	if err := s.endTxn(ctx, txn, &kv.EndTxnRequest{Commit: true, Writes: writes}, &end); err != nil {
		return nil, err
	}
	return resps, nil
}

// lastWritePerKey keeps the last write of each key, as if applied in order.
// Writes in strictly ascending key order (a transaction's buffer, however
// large) are returned as they are, without a map.
func lastWritePerKey(ws []kv.Write) []kv.Write {
	ascending := true
	for i := 1; i < len(ws) && ascending; i++ {
		ascending = bytes.Compare(ws[i-1].Key, ws[i].Key) < 0
	}
	if ascending {
		return ws
	}
	seen := make(map[string]bool, len(ws))
	out := make([]kv.Write, 0, len(ws))
	for i := len(ws) - 1; i >= 0; i-- {
		if !seen[string(ws[i].Key)] {
			seen[string(ws[i].Key)] = true
			out = append(out, ws[i])
		}
	}
	return out
}

// stagedScan is scan for a transaction with staged writes: the committed
// rows at ts with the staged writes over them (a staged put replaces or
// adds a row, a staged delete hides one), up to r.MaxKeys rows. With a
// limit the committed rows are read a page at a time, merged with one
// iterator over the staged writes, so the limit bounds the work whatever
// lies staged in the span.
func (s *Store) stagedScan(r *kv.ScanRequest, ts clock.Timestamp, st *stagedTxn) (*kv.ScanResponse, error) {
	var out []kv.KeyValue
	full := func() bool { return r.MaxKeys > 0 && int64(len(out)) >= r.MaxKeys }
	// first reports whether a comes before b in the scan's order.
	first := func(a, b []byte) bool {
		if r.Reverse {
			return bytes.Compare(a, b) > 0
		}
		return bytes.Compare(a, b) < 0
	}
	err := s.withEngine(func(eng *mvcc.Engine) error {
		return st.read(r.Key, r.EndKey, func(it *pebble.Iterator) error {
			var ok bool
			if r.Reverse {
				ok = it.Last()
			} else {
				ok = it.First()
			}
			// takeStaged adds the staged write at it (unless a delete) and
			// moves it on.
			takeStaged := func() error {
				v, del, err := stagedAt(it)
				if err != nil {
					return err
				}
				if !del {
					out = append(out, kv.KeyValue{Key: bytes.Clone(it.Key()), Value: append([]byte{}, v...)})
				}
				if r.Reverse {
					ok = it.Prev()
				} else {
					ok = it.Next()
				}
				return nil
			}
			span := &mvcc.Span{Key: r.Key, EndKey: r.EndKey}
			for span != nil && !full() {
				var page int64
				if r.MaxKeys > 0 {
					page = r.MaxKeys - int64(len(out))
				}
				res, err := mvcc.Scan(eng, span.Key, span.EndKey, ts, mvcc.ScanOptions{MaxKeys: page, Reverse: r.Reverse})
				if err != nil {
					return mvccErr(err)
				}
				for _, row := range res.KVs {
					for ok && first(it.Key(), row.Key) && !full() {
						if err := takeStaged(); err != nil {
							return err
						}
					}
					if full() {
						return nil
					}
					if ok && bytes.Equal(it.Key(), row.Key) {
						if err := takeStaged(); err != nil { // replaces or hides the row
							return err
						}
					} else {
						out = append(out, kv.KeyValue{Key: row.Key, Value: row.Value})
					}
				}
				// Staged writes before the resume span's first row are
				// taken in the next round, before that row.
				span = res.ResumeSpan
			}
			for ok && !full() {
				if err := takeStaged(); err != nil {
					return err
				}
			}
			return it.Error()
		})
	})
	if err != nil {
		return nil, err
	}
	return &kv.ScanResponse{Rows: out}, nil
}

// applyStaged commits a transaction with staged writes: writes (the rest
// of its client's buffer) join the staged ones, and every staged write
// becomes a version at a fresh commit timestamp, through sstables ingested
// at once (mvcc.IngestWriter) rather than a batch, so that a commit of any
// size needs bounded memory.
func (s *Store) applyStaged(ctx context.Context, st *stagedTxn, writes []kv.Write) (clock.Timestamp, error) {
	if err := st.write(writes); err != nil {
		return clock.Timestamp{}, err
	}
	first, last, err := st.bounds()
	if err != nil {
		return clock.Timestamp{}, err
	}
	var ts clock.Timestamp
	err = s.withEngine(func(eng *mvcc.Engine) error {
		c := s.inflight.begin(s.clock, first, last)
		defer s.inflight.end(c)
		ts = c.ts
		slot := c.slot
		iw, err := eng.NewIngestWriter(ts)
		if err != nil {
			return err
		}
		defer iw.Close()
		// Staged writes are keyed by user key, one per key: in the
		// ascending order IngestWriter needs.
		err = st.read(nil, nil, func(it *pebble.Iterator) error {
			for ok := it.First(); ok; ok = it.Next() {
				v, del, err := stagedAt(it)
				if err != nil {
					return err
				}
				if del {
					err = iw.Delete(it.Key())
				} else {
					err = iw.Put(it.Key(), v)
				}
				if err != nil {
					return mvccErr(err)
				}
			}
			return it.Error()
		})
		if err != nil {
			return err
		}
		// The high-water mark goes first, in a synced batch of its own: it
		// is above every version once the sstables land, and only keeps
		// later timestamps higher if they never do.
		b := eng.NewBatch()
		if err := mvcc.PutLocal(b, highWaterKey(slot), ts.Encode(nil)); err != nil {
			b.Close()
			return err
		}
		if err := b.Commit(true); err != nil {
			return err
		}
		if s.knobs.BeforeCommitBatch != nil {
			s.knobs.BeforeCommitBatch(ts)
		}
		// Past its checks the commit is not to be interrupted.
		return iw.Commit(context.WithoutCancel(ctx))
	})
	return ts, err
}
