package store

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/meridiandb/meridian/kv"
	"github.com/meridiandb/meridian/mvcc"
)

// staging keeps the writes transactions send ahead of their commit
// (kv.StageRequest) until EndTxn commits or discards them: a transaction
// too large for its client's memory (a COPY of millions of rows) moves its
// writes here as it goes, and the store's memory stays bounded too.
//
// Each transaction with staged writes gets a Pebble instance of its own in
// a directory of its own, without a write-ahead log: staged writes need not
// survive a crash, since a crash ends every transaction, and Open empties
// the directory. Pebble gives ordered iteration and point reads over more
// data than fits in memory (the transaction reads its own staged writes and
// the commit iterates them in key order), and dropping a transaction's
// instance and directory frees its space at once.
//
// Only the transaction's own requests read its staged writes, and a
// transaction sends one request at a time (the txn.Txn contract), so a
// stagedTxn is not shared by concurrent readers and writers except for
// discard, which stagedTxn's mutex orders against them.
type staging struct {
	fs    vfs.FS
	dir   string
	cache *pebble.Cache

	mu   sync.Mutex
	txns map[kv.TxnID]*stagedTxn // guarded by mu
	seq  int                     // guarded by mu: names directories
	// n is len(txns), read without mu: the reads of every transaction ask
	// for its staged writes, and almost none has any.
	n atomic.Int64
}

// stagingDirName is the directory, inside the store's, that holds the
// staging instances.
const stagingDirName = "staging"

// stagingMemTableSize bounds what a staging instance holds in memory
// before it flushes to disk.
const stagingMemTableSize = 16 << 20

// stagingCacheSize is the block cache the staging instances share: large
// enough for the index and filter blocks of a large transaction's staged
// writes, which each bulk insert's duplicate checks read.
const stagingCacheSize = 64 << 20

// Staged value layout: a tag byte, then the value of a put.
const (
	stagedPut    = 'p'
	stagedDelete = 'd'
)

// openStaging returns the staging area under dir on fs, emptied.
func openStaging(fs vfs.FS, dir string) (*staging, error) {
	dir = fs.PathJoin(dir, stagingDirName)
	if err := fs.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("store: clearing %s: %w", dir, err)
	}
	return &staging{fs: fs, dir: dir, cache: pebble.NewCache(stagingCacheSize), txns: make(map[kv.TxnID]*stagedTxn)}, nil
}

// stagedTxn is one transaction's staged writes.
type stagedTxn struct {
	mu  sync.RWMutex
	db  *pebble.DB // guarded by mu; nil once discarded
	dir string
}

// errDiscarded is returned when a transaction's staged writes were
// discarded under a request of it (the transaction ended meanwhile).
var errDiscarded = errors.New("store: the transaction's staged writes were discarded")

// get returns the transaction's staged writes, or nil if it has none.
func (s *staging) get(id kv.TxnID) *stagedTxn {
	// A transaction's staged writes are created by its own requests, one
	// at a time, so its reads see them created without mu.
	if s.n.Load() == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.txns[id]
}

// stage adds writes to id's staged writes, creating them if needed.
func (s *staging) stage(id kv.TxnID, writes []kv.Write) error {
	if len(writes) == 0 {
		return nil
	}
	st, err := s.getOrCreate(id)
	if err != nil {
		return err
	}
	return st.write(writes)
}

func (s *staging) getOrCreate(id kv.TxnID) (*stagedTxn, error) {
	s.mu.Lock()
	if st := s.txns[id]; st != nil || s.txns == nil {
		s.mu.Unlock()
		if st == nil {
			return nil, ErrClosed
		}
		return st, nil
	}
	s.seq++
	dir := s.fs.PathJoin(s.dir, fmt.Sprintf("%06d", s.seq))
	// Our reference keeps the cache alive if close runs meanwhile.
	s.cache.Ref()
	defer s.cache.Unref()
	s.mu.Unlock()
	// Opened outside mu, which every EndTxn takes (discard).
	opts := &pebble.Options{
		FS:           s.fs,
		Cache:        s.cache,
		DisableWAL:   true,
		MemTableSize: stagingMemTableSize,
		Logger:       mvcc.QuietLogger,
	}
	// Most lookups are of keys not staged (a bulk load checks each new
	// key): bloom filters answer them without reading data blocks.
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		_ = s.fs.RemoveAll(dir)
		return nil, fmt.Errorf("store: opening a staging area: %w", err)
	}
	st := &stagedTxn{db: db, dir: dir}
	s.mu.Lock()
	closed, other := s.txns == nil, s.txns[id]
	if !closed && other == nil {
		s.txns[id] = st
		s.n.Store(int64(len(s.txns)))
	}
	s.mu.Unlock()
	switch {
	case closed:
		s.drop(st)
		return nil, ErrClosed
	case other != nil:
		// Created by another request of the transaction meanwhile,
		// against the one-request-at-a-time contract.
		s.drop(st)
		return other, nil
	}
	return st, nil
}

// discard drops id's staged writes, if any.
func (s *staging) discard(id kv.TxnID) {
	s.mu.Lock()
	st := s.txns[id]
	delete(s.txns, id)
	s.n.Store(int64(len(s.txns)))
	s.mu.Unlock()
	if st != nil {
		s.drop(st)
	}
}

func (s *staging) drop(st *stagedTxn) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.db == nil {
		return
	}
	_ = st.db.Close()
	st.db = nil
	if err := s.fs.RemoveAll(st.dir); err != nil {
		mvcc.QuietLogger.Errorf("store: removing staging area %s: %v", st.dir, err)
	}
}

// close discards every transaction's staged writes; stage fails afterwards.
func (s *staging) close() {
	s.mu.Lock()
	txns := s.txns
	s.txns = nil
	s.n.Store(0)
	s.mu.Unlock()
	for _, st := range txns {
		s.drop(st)
	}
	s.cache.Unref()
}

func (st *stagedTxn) write(writes []kv.Write) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if st.db == nil {
		return errDiscarded
	}
	b := st.db.NewBatch()
	defer b.Close()
	var v []byte
	for _, w := range writes {
		v = appendStaged(v[:0], w)
		if err := b.Set(w.Key, v, nil); err != nil {
			return err
		}
	}
	return b.Commit(pebble.NoSync)
}

func appendStaged(dst []byte, w kv.Write) []byte {
	if w.Delete {
		return append(dst, stagedDelete)
	}
	return append(append(dst, stagedPut), w.Value...)
}

// decodeStaged decodes a staged value; the value aliases b.
func decodeStaged(key, b []byte) (value []byte, del bool, err error) {
	if len(b) == 0 || (b[0] != stagedPut && b[0] != stagedDelete) {
		return nil, false, fmt.Errorf("store: corrupt staged value for %q", key)
	}
	return b[1:], b[0] == stagedDelete, nil
}

// stagedAt decodes the staged write at it, which must be valid; value
// aliases the iterator's and is valid until it moves.
func stagedAt(it *pebble.Iterator) (value []byte, del bool, err error) {
	raw, err := it.ValueAndErr()
	if err != nil {
		return nil, false, err
	}
	return decodeStaged(it.Key(), raw)
}

// lookup returns the staged write of key: found reports whether there is
// one, del whether it is a delete. value is a copy.
func (st *stagedTxn) lookup(key []byte) (value []byte, del, found bool, err error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if st.db == nil {
		return nil, false, false, errDiscarded
	}
	raw, closer, err := st.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, false, nil
	}
	if err != nil {
		return nil, false, false, err
	}
	defer closer.Close()
	v, del, err := decodeStaged(key, raw)
	if err != nil {
		return nil, false, false, err
	}
	if !del {
		value = append([]byte{}, v...)
	}
	return value, del, true, nil
}

// lookupAll is lookup of each of keys, with one iterator: a bulk insert
// checks a batch of keys at a time, and an iterator seeked from key to key
// reuses the blocks and filters it loaded where a Get per key would set up
// the whole LSM each time. fn is called for each key staged, with its
// index in keys; value aliases the iterator's and is valid only during
// the call.
func (st *stagedTxn) lookupAll(keys [][]byte, fn func(i int, value []byte, del bool)) error {
	return st.read(nil, nil, func(it *pebble.Iterator) error {
		for i, k := range keys {
			// The default comparer's prefix is the whole key: a seek for
			// exactly k, which the bloom filters can rule out.
			if !it.SeekPrefixGE(k) {
				if err := it.Error(); err != nil {
					return err
				}
				continue
			}
			v, del, err := stagedAt(it)
			if err != nil {
				return err
			}
			fn(i, v, del)
		}
		return nil
	})
}

// read runs fn with an iterator over the staged writes in [lo, hi) (nil
// bounds: unbounded), holding off discard meanwhile.
func (st *stagedTxn) read(lo, hi []byte, fn func(it *pebble.Iterator) error) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if st.db == nil {
		return errDiscarded
	}
	it, err := st.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	err = fn(it)
	return errors.Join(err, it.Close())
}

// bounds returns the smallest and the greatest staged key.
func (st *stagedTxn) bounds() (first, last []byte, err error) {
	err = st.read(nil, nil, func(it *pebble.Iterator) error {
		if !it.First() {
			return errors.Join(it.Error(), errors.New("store: no staged writes"))
		}
		first = bytes.Clone(it.Key())
		if !it.Last() {
			return it.Error()
		}
		last = bytes.Clone(it.Key())
		return nil
	})
	return first, last, err
}
