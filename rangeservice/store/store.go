package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/kv"
	"github.com/meridiandb/meridian/mvcc"
	"github.com/meridiandb/meridian/rangeservice/concurrency"
)

// MemoryDir as Config.Dir opens a fresh in-memory store (the
// "meridian://memory" data source of the embedded driver).
const MemoryDir = "meridian://memory"

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("store: closed")

// The commit high-water mark keeps commit timestamps above every version on
// disk across a restart, even if the physical clock went back: each commit
// batch also writes its timestamp to a high-water key, and Open folds the
// greatest of them into the HLC.
//
// One key is not enough: concurrent commits take their timestamps in one
// order but their batches may reach Pebble in another, and a batch with a
// lower timestamp applied last would leave the mark below a version on disk.
// So each in-flight commit holds a slot (inflightCommits.begin) and writes
// the key of its slot. A slot is reused only after its previous commit
// applied, by a commit that took its timestamp later, so each slot's key
// only grows and the greatest over all slots is the greatest commit
// timestamp. There are as many slots as commits were ever in flight at once.
//
// Layout: slot 0 is the key "commit-high-water" (the single key of earlier
// versions), slot n > 0 is "commit-high-water/<n in decimal>"; all of them
// sort in [highWaterLower, highWaterUpper).
func highWaterKey(slot int) mvcc.LocalKey {
	if slot == 0 {
		return highWaterLower
	}
	return mvcc.StoreLocalKey(highWaterPrefix + "/" + strconv.Itoa(slot))
}

const highWaterPrefix = "commit-high-water"

var (
	highWaterLower = mvcc.StoreLocalKey(highWaterPrefix)
	highWaterUpper = mvcc.StoreLocalKey(highWaterPrefix + "0") // '/' < '0'
)

// recoverHighWater returns the greatest commit timestamp on disk (empty if
// none).
func recoverHighWater(eng *mvcc.Engine) (clock.Timestamp, error) {
	var hw clock.Timestamp
	err := mvcc.ScanLocal(eng, highWaterLower, highWaterUpper, func(_, value []byte) error {
		ts, err := clock.DecodeTimestamp(value)
		hw = hw.Forward(ts)
		return err
	})
	return hw, err
}

// Config configures a Store.
type Config struct {
	// Dir is the data directory, or MemoryDir for a fresh in-memory store.
	Dir string
	// InMemory opens a fresh in-memory store whatever Dir says.
	InMemory bool
	// FS overrides the filesystem (tests: vfs.NewMem to reopen a memory
	// store, crashable filesystems).
	FS vfs.FS
	// CacheSize is the engine's block cache in bytes; zero means mvcc's
	// default.
	CacheSize int64
	// Clock orders commits. Default: an HLC on the wall clock with ε = 0.
	// One node orders every transaction with this one clock, so no clock
	// uncertainty is involved and the commit wait is immediate; a node of a
	// cluster passes its HLC whose ε comes from measured offsets.
	Clock clock.Clock
	// Knobs are testing hooks.
	Knobs TestingKnobs
}

// TestingKnobs are hooks for tests.
type TestingKnobs struct {
	// Locks are the lock table's hooks (e.g. learning that a request waits).
	Locks concurrency.TestingKnobs
	// OnSnapshotWait, if set, is called when a read-only batch at read
	// timestamp t starts waiting for in-flight commits at or below t.
	OnSnapshotWait func(t clock.Timestamp)
	// OnCommit, if set, is called once a read-write transaction's commit
	// succeeded, before its locks are released, with the timestamp it is
	// serialized at: its commit timestamp, or for a commit without writes a
	// timestamp taken while it still held every lock. History checkers use
	// it to order transactions.
	OnCommit func(txn kv.TxnID, ts clock.Timestamp)
	// BeforeCommitBatch, if set, is called after a commit took its
	// timestamp ts and built its batch, just before the batch is committed
	// to the engine. Tests use it to reorder concurrent commits.
	BeforeCommitBatch func(ts clock.Timestamp)
}

func (c *Config) validate() error {
	if c.Dir == MemoryDir {
		c.Dir, c.InMemory = "", true
	}
	if c.Dir == "" && !c.InMemory && c.FS == nil {
		return fmt.Errorf("store: config needs Dir (or %s)", MemoryDir)
	}
	if c.Clock == nil {
		hlc, err := clock.NewHLC(clock.Config{Uncertainty: clock.FixedUncertainty(0)})
		if err != nil {
			return err
		}
		c.Clock = hlc
	}
	return nil
}

// Store is a single-node KV store. It is safe for concurrent use.
//
// Lock order: closeMu before inflight.mu; the lock table's own mutex is
// never held while taking either (Manager calls return before they are
// taken).
type Store struct {
	clock clock.Clock
	locks *concurrency.Manager
	knobs TestingKnobs

	// closeMu is held shared around every engine access and exclusively by
	// Close, so that Close does not pull the engine from under a read or a
	// commit. It is not held while waiting for locks.
	closeMu sync.RWMutex
	eng     *mvcc.Engine // guarded by closeMu
	closed  bool         // guarded by closeMu

	inflight inflightCommits

	// staging holds transactions' staged writes (kv.StageRequest).
	staging *staging
}

var _ kv.Sender = (*Store)(nil)

// Open opens (creating if needed) the store described by cfg.
func Open(cfg Config) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	eng, err := mvcc.Open(mvcc.Config{Dir: cfg.Dir, InMemory: cfg.InMemory, FS: cfg.FS, CacheSize: cfg.CacheSize})
	if err != nil {
		return nil, err
	}
	stg, err := openStaging(stagingFS(cfg))
	if err != nil {
		_ = eng.Close()
		return nil, err
	}
	s := &Store{clock: cfg.Clock, locks: concurrency.NewManager(), eng: eng, knobs: cfg.Knobs, staging: stg}
	s.inflight.onWait = cfg.Knobs.OnSnapshotWait
	s.locks.Knobs = cfg.Knobs.Locks
	s.inflight.init()
	hw, err := recoverHighWater(eng)
	if err == nil && !hw.IsEmpty() {
		err = s.clock.Update(hw)
	}
	if err != nil {
		stg.close()
		_ = eng.Close()
		return nil, fmt.Errorf("store: recovering the commit high-water mark: %w", err)
	}
	return s, nil
}

// stagingFS returns where a store of cfg keeps its staging areas: beside
// the engine's files, or in memory for an in-memory store.
func stagingFS(cfg Config) (vfs.FS, string) {
	switch {
	case cfg.Dir == "":
		// In memory (the engine's directory is its own choice): never a
		// relative path on a given filesystem, which Open would empty.
		return vfs.NewMem(), ""
	case cfg.FS != nil:
		return cfg.FS, cfg.Dir
	}
	return vfs.Default, cfg.Dir
}

// Close closes the engine. Transactions must have finished; Send fails with
// ErrClosed afterwards. Idempotent.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if !s.closed {
		s.staging.close()
	}
	s.closed = true
	return s.eng.Close()
}

// Clock returns the store's clock; transactions over this store take their
// timestamps from it (txn.NewDB(s, s.Clock())).
func (s *Store) Clock() clock.Clock { return s.clock }

// Engine returns the MVCC engine, for tooling and future wiring (range state,
// GC). Writes through it bypass the lock table.
func (s *Store) Engine() *mvcc.Engine { return s.eng }

// LockTable returns the lock table, for debugging output.
func (s *Store) LockTable() *concurrency.Manager { return s.locks }

// ClosedTimestamp returns a timestamp at or below which no commit is in
// flight now: snapshot reads at or below it see every commit they ever will.
// (Later: the range's safe time, published to followers.)
func (s *Store) ClosedTimestamp() clock.Timestamp {
	return s.inflight.closed(s.clock)
}

// Send implements kv.Sender.
func (s *Store) Send(ctx context.Context, ba *kv.BatchRequest) (*kv.BatchResponse, error) {
	if err := ba.Validate(); err != nil {
		return nil, err
	}
	s.closeMu.RLock()
	closed := s.closed
	s.closeMu.RUnlock()
	if closed {
		return nil, ErrClosed
	}
	var (
		resps []kv.Response
		err   error
	)
	switch {
	case ba.Txn == nil:
		resps, err = s.sendNonTxn(ctx, ba)
	case ba.Txn.ReadOnly:
		resps, err = s.sendReadOnly(ctx, ba)
	default:
		resps, err = s.sendReadWrite(ctx, ba)
	}
	if err != nil {
		return nil, err
	}
	return &kv.BatchResponse{Responses: resps, Now: s.clock.Now()}, nil
}

// withEngine runs fn with the engine, unless the store is closed.
func (s *Store) withEngine(fn func(eng *mvcc.Engine) error) error {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return fn(s.eng)
}

// inflightCommits tracks commit timestamps taken but not yet applied,
// with the keys each commit writes: a snapshot read at t waits only for
// the in-flight commits at or below t that write keys it reads, and the
// closed timestamp is just below the smallest of them all. It also hands
// out the high-water slots (see highWaterKey).
//
// Waiting only for commits that overlap matters for large commits: one
// that ingests a million rows takes seconds to write its sstables, and
// every snapshot read that starts meanwhile reads above its timestamp.
// Those reading other keys need not see it, so they need not wait.
type inflightCommits struct {
	mu sync.Mutex
	// commits are the in-flight commits.
	commits map[*inflightCommit]struct{} // guarded by mu
	// changed is closed (and replaced) whenever an in-flight commit ends.
	changed chan struct{} // guarded by mu
	// free are the high-water slots no in-flight commit holds; nslots is
	// how many were ever handed out. Invariant: an in-flight commit holds
	// exactly one slot, and slots in free are held by none.
	free   []int // guarded by mu
	nslots int   // guarded by mu
	onWait func(clock.Timestamp)
}

// inflightCommit is a commit between inflightCommits.begin and end.
type inflightCommit struct {
	ts   clock.Timestamp
	slot int
	// first and last are the smallest and the greatest key the commit
	// writes.
	first, last []byte
}

// overlaps reports whether c writes a key that sp may hold.
func (c *inflightCommit) overlaps(sp kv.Span) bool {
	if sp.IsPoint() {
		return bytes.Compare(c.first, sp.Key) <= 0 && bytes.Compare(sp.Key, c.last) <= 0
	}
	return bytes.Compare(c.first, sp.EndKey) < 0 && bytes.Compare(sp.Key, c.last) <= 0
}

func (f *inflightCommits) init() {
	f.commits = make(map[*inflightCommit]struct{})
	f.changed = make(chan struct{})
}

// begin takes a commit timestamp from clk and registers it with the keys
// [first, last] the commit writes, atomically with respect to waitClosed,
// and hands out a high-water slot. The caller must call end once the
// commit is applied (or failed).
func (f *inflightCommits) begin(clk clock.Clock, first, last []byte) *inflightCommit {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &inflightCommit{first: first, last: last}
	if n := len(f.free); n > 0 {
		c.slot, f.free = f.free[n-1], f.free[:n-1]
	} else {
		c.slot = f.nslots
		f.nslots++
	}
	// The timestamp is taken after the slot's previous holder ended, so it
	// is above that holder's: each slot's key only grows.
	c.ts = clk.Now()
	f.commits[c] = struct{}{}
	return c
}

func (f *inflightCommits) end(c *inflightCommit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.commits, c)
	f.free = append(f.free, c.slot)
	close(f.changed)
	f.changed = make(chan struct{})
}

// minLocked returns the smallest timestamp of the in-flight commits that
// write in one of spans (of any, if spans is nil).
func (f *inflightCommits) minLocked(spans []kv.Span) (clock.Timestamp, bool) {
	var m clock.Timestamp
	found := false
	for c := range f.commits {
		if found && !c.ts.Less(m) {
			continue
		}
		hit := spans == nil
		for _, sp := range spans {
			if hit = c.overlaps(sp); hit {
				break
			}
		}
		if hit {
			m, found = c.ts, true
		}
	}
	return m, found
}

func (f *inflightCommits) closed(clk clock.Clock) clock.Timestamp {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.minLocked(nil); ok {
		return m.Prev()
	}
	// Every later commit takes a timestamp above this one.
	return clk.Now()
}

// waitClosed returns once no commit at a timestamp <= t that writes in
// one of spans is in flight. The caller must first make sure later commits
// take timestamps > t (fold t into the clock).
func (f *inflightCommits) waitClosed(ctx context.Context, t clock.Timestamp, spans []kv.Span) error {
	for {
		f.mu.Lock()
		m, ok := f.minLocked(spans)
		ch := f.changed
		f.mu.Unlock()
		if !ok || t.Less(m) {
			return nil
		}
		if f.onWait != nil {
			f.onWait(t)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
