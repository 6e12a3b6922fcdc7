package sql

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/txn"
)

// The catalog cache lets read-only transactions skip the storage reads of
// the catalog's system keys (namespace entries and descriptors: four point
// reads for a one-table query, most of a point SELECT's cost) without
// seeing a catalog other than their snapshot's.
//
// # Protocol
//
// Every transaction the Server begins goes through catalogDB. A read-write
// transaction that writes a catalog key (a system key other than a
// sequence's value, see seqValPrefix) announces it (start, before the
// write is sent) and announces its end once Commit or Rollback returned
// (finish). Both bump a generation; start/finish pairs are counted as
// writers in flight. Both live in one atomic word, the state.
//
// A read-only transaction loads the state before it begins (s1). When
// s1 has no writer in flight, what it reads of a catalog key at its read
// timestamp ts0 is stored as an entry tagged (s1, ts0). A read-only
// transaction with read timestamp ts uses the entry when the state it
// loads at the read equals s1 and ts0 <= ts.
//
// Why that is the value at ts: equal states mean no start or finish
// happened between the filler's load and the reader's, and s1 had no
// writer in flight. So each catalog writer D either finished before the
// filler's load, or started after the reader's. In the first case D's
// commit timestamp was taken before D finished, hence before ts0 was
// taken (after the load), so ts0's snapshot shows D, and so does ts >= ts0.
// In the second case D's commit timestamp is taken after its start, hence
// after the reader's load, hence after ts was taken (at Begin, before any
// read): neither the entry nor the snapshot at ts shows D. So no commit
// touching the catalog lies in (ts0, ts].
//
// Read-write transactions never use the cache: their reads take shared
// locks, which is what orders DDL against DML, and the cache would skip
// them.
//
// HAZARD: this needs every catalog write to go through this Server's
// DB (true of a node: one Server serves all of its sessions) and commit
// timestamps from the clock the read timestamps come from (one process).
// A second Server over the same store, or SQL served by several nodes,
// would read stale descriptors; that calls for descriptor leases instead.

// Fields of catalogCache.state.
const (
	stateWritersBits = 20
	stateWritersMask = 1<<stateWritersBits - 1
	stateGenUnit     = 1 << stateWritersBits
)

// catalogCache holds system keys as read-only transactions read them.
type catalogCache struct {
	// state is gen<<stateWritersBits | writers in flight.
	state atomic.Uint64

	mu sync.Mutex
	// at is the state every entry was filled in. Invariant: entries were
	// read by transactions that loaded state == at before they began.
	at      uint64               // guarded by mu
	entries map[string]cachedKey // guarded by mu
	// objs are databases and tables as resolved by name from the keys in
	// entries (plan.go): a lookup is a function of the keys it reads, so
	// the same rule keeps it valid, and it saves building the keys and
	// copying the decoded descriptor.
	objs map[objKey]cachedObj // guarded by mu
}

// objKey names a resolved object: a database (kind 'd', name) or a table
// (kind 't', db, name).
type objKey struct {
	kind byte
	db   catalog.ID
	name string
}

type cachedObj struct {
	// obj is a *catalog.Database or *catalog.Table never handed out
	// (callers get copies), or nil when the name resolved to nothing.
	obj any
	ts  clock.Timestamp
}

type cachedKey struct {
	value []byte
	found bool
	// ts is the read timestamp of the transaction that read it; the entry
	// is valid for read timestamps at or above it.
	ts clock.Timestamp
}

// maxCachedKeys bounds the cache; when full it starts over.
const maxCachedKeys = 8192

// systemPrefix is the first byte of every catalog key (namespace entries,
// descriptors, the id counter, sequence state); table data sorts after.
var systemPrefix = catalog.SequenceValueKey(0)[0]

func isSystemKey(k []byte) bool { return len(k) > 0 && k[0] == systemPrefix }

// seqValPrefix starts the keys of sequence values (catalog.SequenceValueKey
// without its id). They are system keys but no catalog: nothing planned or
// resolved reads them, and nextval writes one on every reservation (every
// INSERT into a SERIAL column, with the default CACHE 1), which would
// otherwise empty the cache and every kept plan each time. So their writes
// are not announced, and read-only transactions read them from storage.
var seqValPrefix = func() []byte {
	k := catalog.SequenceValueKey(0)
	return k[:len(k)-len(rowenc.AppendKey(nil, rowenc.Int(0), rowenc.Ascending))]
}()

// isCatalogKey reports whether k is a key the cache keeps and catalog
// writers announce: a system key other than a sequence's value.
func isCatalogKey(k []byte) bool { return isSystemKey(k) && !bytes.HasPrefix(k, seqValPrefix) }

// spansSystem reports whether [start, end) holds system keys.
func spansSystem(start, end []byte) bool {
	return string(start) < string([]byte{systemPrefix + 1}) && (len(end) == 0 || string(end) > string([]byte{systemPrefix}))
}

func (c *catalogCache) startWriter() { c.state.Add(stateGenUnit + 1) }

// finishWriter subtracts one writer and adds a generation.
func (c *catalogCache) finishWriter() { c.state.Add(stateGenUnit - 1) }

func (c *catalogCache) lookup(key []byte, ts clock.Timestamp) (cachedKey, bool) {
	s := c.state.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != s || c.entries == nil {
		return cachedKey{}, false
	}
	e, ok := c.entries[string(key)]
	if !ok || ts.Less(e.ts) {
		return cachedKey{}, false
	}
	return e, true
}

func (c *catalogCache) lookupObj(k objKey, ts clock.Timestamp) (any, bool) {
	s := c.state.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != s || c.objs == nil {
		return nil, false
	}
	e, ok := c.objs[k]
	if !ok || ts.Less(e.ts) {
		return nil, false
	}
	return e.obj, true
}

// fillObj records an object resolved by a read-only transaction that
// loaded state begun before it began, at ts. obj must not be changed
// afterwards.
func (c *catalogCache) fillObj(begun uint64, k objKey, obj any, ts clock.Timestamp) {
	if begun&stateWritersMask != 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.reset(begun) {
		return
	}
	if e, ok := c.objs[k]; ok && e.ts.LessEq(ts) {
		return
	}
	if len(c.objs) >= maxCachedKeys {
		clear(c.objs)
	}
	c.objs[k] = cachedObj{obj: obj, ts: ts}
}

// reset makes the maps the ones of state begun, unless the state moved
// on; it reports whether entries of begun may be added. c.mu is held.
func (c *catalogCache) reset(begun uint64) bool {
	if c.at == begun && c.entries != nil {
		return true
	}
	if c.state.Load() != begun {
		return false // the entries would be stale for every later reader
	}
	c.at, c.entries, c.objs = begun, make(map[string]cachedKey), make(map[objKey]cachedObj)
	return true
}

// fill records what a read-only transaction that loaded state begun
// before it began read at ts.
func (c *catalogCache) fill(begun uint64, key, value []byte, found bool, ts clock.Timestamp) {
	if begun&stateWritersMask != 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.reset(begun) {
		return
	}
	if e, ok := c.entries[string(key)]; ok && e.ts.LessEq(ts) {
		return
	}
	if len(c.entries) >= maxCachedKeys {
		clear(c.entries)
	}
	c.entries[string(key)] = cachedKey{value: clone(value), found: found, ts: ts}
}

// catalogDB is the DB the Server runs transactions on: the one it was
// configured with, plus the catalog cache's bookkeeping.
type catalogDB struct {
	db    txn.DB
	cache *catalogCache
}

var _ txn.DB = (*catalogDB)(nil)

func (d *catalogDB) Begin(ctx context.Context, opts txn.Options) (txn.Txn, error) {
	begun := d.cache.state.Load() // before the read timestamp is taken
	tx, err := d.db.Begin(ctx, opts)
	if err != nil {
		return nil, err
	}
	if opts.ReadOnly {
		return &cachedReadTxn{Txn: tx, cache: d.cache, begun: begun}, nil
	}
	return &trackedTxn{Txn: tx, cache: d.cache, begun: begun}, nil
}

// Exclusive forwards the test stores' one-transaction-at-a-time flag (see
// runSeqTxn).
func (d *catalogDB) Exclusive() bool {
	x, ok := d.db.(interface{ Exclusive() bool })
	return ok && x.Exclusive()
}

// cachedReadTxn is a read-only transaction whose system-key Gets go
// through the cache.
type cachedReadTxn struct {
	txn.Txn
	cache *catalogCache
	begun uint64
}

// Unwrap gives txn.Options.Parent the transaction underneath.
func (t *cachedReadTxn) Unwrap() txn.Txn { return t.Txn }

func (t *cachedReadTxn) Get(ctx context.Context, key []byte) ([]byte, bool, error) {
	if !isCatalogKey(key) {
		return t.Txn.Get(ctx, key)
	}
	ts := t.Txn.ReadTimestamp()
	if e, ok := t.cache.lookup(key, ts); ok {
		if !e.found {
			return nil, false, nil
		}
		return clone(e.value), true, nil
	}
	v, found, err := t.Txn.Get(ctx, key)
	if err == nil {
		t.cache.fill(t.begun, key, v, found, ts)
	}
	return v, found, err
}

// trackedTxn is a read-write transaction that announces its writes of
// system keys to the cache.
type trackedTxn struct {
	txn.Txn
	cache *catalogCache
	// begun is the state loaded before the transaction began.
	begun uint64
	// writer is set from the first system-key write until the transaction
	// ended (and the cache was told).
	writer bool
}

// Unwrap gives txn.Options.Parent the transaction underneath.
func (t *trackedTxn) Unwrap() txn.Txn { return t.Txn }

func (t *trackedTxn) touch(system bool) {
	if system && !t.writer {
		t.writer = true
		t.cache.startWriter()
	}
}

func (t *trackedTxn) end() {
	if t.writer {
		t.writer = false
		t.cache.finishWriter()
	}
}

func (t *trackedTxn) Put(ctx context.Context, key, value []byte) error {
	t.touch(isCatalogKey(key))
	return t.Txn.Put(ctx, key, value)
}

func (t *trackedTxn) Insert(ctx context.Context, key, value []byte) error {
	t.touch(isCatalogKey(key))
	return t.Txn.Insert(ctx, key, value)
}

func (t *trackedTxn) Delete(ctx context.Context, key []byte) error {
	t.touch(isCatalogKey(key))
	return t.Txn.Delete(ctx, key)
}

func (t *trackedTxn) DeleteRange(ctx context.Context, start, end []byte) (int64, error) {
	t.touch(spansSystem(start, end))
	return t.Txn.DeleteRange(ctx, start, end)
}

func (t *trackedTxn) Commit(ctx context.Context) error {
	defer t.end()
	return t.Txn.Commit(ctx)
}

func (t *trackedTxn) Rollback(ctx context.Context) error {
	defer t.end()
	return t.Txn.Rollback(ctx)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// sameCatalogSince reports whether tx, a transaction of a catalogDB, sees
// the catalog of the current state (returned): no catalog writer was in
// flight when it began, and none started or finished since. Its reads of
// the catalog then agree with any transaction that begins while the state
// stays the same.
func sameCatalogSince(tx txn.Txn) (uint64, bool) {
	var begun uint64
	var c *catalogCache
	switch t := tx.(type) {
	case *cachedReadTxn:
		begun, c = t.begun, t.cache
	case *trackedTxn:
		begun, c = t.begun, t.cache
	default:
		return 0, false
	}
	return begun, begun&stateWritersMask == 0 && c.state.Load() == begun
}
