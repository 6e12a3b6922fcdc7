package store

import (
	"context"
	"errors"
	"fmt"
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

// highWaterKey holds the highest commit timestamp the store has written. It
// is written in every commit batch and folded into the HLC on Open, so that
// commits after a restart get timestamps above every version on disk even if
// the physical clock went back.
var highWaterKey = mvcc.StoreLocalKey("commit-high-water")

// Config configures a Store.
type Config struct {
	// Dir is the data directory, or MemoryDir for a fresh in-memory store.
	Dir string
	// InMemory opens a fresh in-memory store whatever Dir says.
	InMemory bool
	// FS overrides the filesystem (tests: vfs.NewMem to reopen a memory
	// store, crashable filesystems).
	FS vfs.FS
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

	// closeMu is held shared around every engine access and exclusively by
	// Close, so that Close does not pull the engine from under a read or a
	// commit. It is not held while waiting for locks.
	closeMu sync.RWMutex
	eng     *mvcc.Engine // guarded by closeMu
	closed  bool         // guarded by closeMu

	inflight inflightCommits
}

var _ kv.Sender = (*Store)(nil)

// Open opens (creating if needed) the store described by cfg.
func Open(cfg Config) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	eng, err := mvcc.Open(mvcc.Config{Dir: cfg.Dir, InMemory: cfg.InMemory, FS: cfg.FS})
	if err != nil {
		return nil, err
	}
	s := &Store{clock: cfg.Clock, locks: concurrency.NewManager(), eng: eng}
	s.inflight.onWait = cfg.Knobs.OnSnapshotWait
	s.locks.Knobs = cfg.Knobs.Locks
	s.inflight.init()
	raw, ok, err := mvcc.GetLocal(eng, highWaterKey)
	if err == nil && ok {
		var hw clock.Timestamp
		if hw, err = clock.DecodeTimestamp(raw); err == nil {
			err = s.clock.Update(hw)
		}
	}
	if err != nil {
		_ = eng.Close()
		return nil, fmt.Errorf("store: recovering the commit high-water mark: %w", err)
	}
	return s, nil
}

// Close closes the engine. Transactions must have finished; Send fails with
// ErrClosed afterwards. Idempotent.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
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

// inflightCommits tracks commit timestamps taken but not yet applied: the
// closed timestamp is just below the smallest of them.
type inflightCommits struct {
	mu sync.Mutex
	// ts counts in-flight commits by timestamp.
	ts map[clock.Timestamp]int // guarded by mu
	// changed is closed (and replaced) whenever an in-flight commit ends.
	changed chan struct{} // guarded by mu
	onWait  func(clock.Timestamp)
}

func (f *inflightCommits) init() {
	f.ts = make(map[clock.Timestamp]int)
	f.changed = make(chan struct{})
}

// begin takes a commit timestamp from clk and registers it, atomically with
// respect to waitClosed. The caller must call end(ts) once the commit is
// applied (or failed).
func (f *inflightCommits) begin(clk clock.Clock) clock.Timestamp {
	f.mu.Lock()
	defer f.mu.Unlock()
	ts := clk.Now()
	f.ts[ts]++
	return ts
}

func (f *inflightCommits) end(ts clock.Timestamp) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ts[ts]--; f.ts[ts] == 0 {
		delete(f.ts, ts)
	}
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *inflightCommits) minLocked() (clock.Timestamp, bool) {
	var m clock.Timestamp
	found := false
	for ts := range f.ts {
		if !found || ts.Less(m) {
			m, found = ts, true
		}
	}
	return m, found
}

func (f *inflightCommits) closed(clk clock.Clock) clock.Timestamp {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.minLocked(); ok {
		return m.Prev()
	}
	// Every later commit takes a timestamp above this one.
	return clk.Now()
}

// waitClosed returns once no commit at a timestamp <= t is in flight. The
// caller must first make sure later commits take timestamps > t (fold t
// into the clock).
func (f *inflightCommits) waitClosed(ctx context.Context, t clock.Timestamp) error {
	for {
		f.mu.Lock()
		m, ok := f.minLocked()
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
