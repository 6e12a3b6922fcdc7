package txn_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/kv"
	"github.com/meridiandb/meridian/rangeservice/store"
	"github.com/meridiandb/meridian/txn"
)

// This file is a randomized end-to-end check of the transaction API:
// concurrent workers run random transactions (Get, GetForUpdate, Scan in
// both directions with limits, Put, Insert, Delete, DeleteRange; read-only
// ones interleaved), every write writes a unique value, and a checker then
// verifies the recorded history: replaying the committed read-write
// transactions in commit-timestamp order (the store reports the timestamp
// through TestingKnobs.OnCommit) must reproduce every value each of them
// read, read-only transactions must read exactly the state at their
// ReadTimestamp, and the order must respect real time (a transaction that
// began after another was acknowledged is ordered after it).

type opKind uint8

const (
	opGet opKind = iota
	opGetForUpdate
	opScan
	opPut
	opInsert
	opDelete
	opDeleteRange
	numOpKinds
)

// histOp is one operation of a transaction and what it returned.
type histOp struct {
	kind     opKind
	key, end string
	scan     txn.ScanOptions
	value    string // Put, Insert
	// Results.
	found  bool     // Get: found; Insert: ErrKeyExists
	got    string   // Get
	rows   []string // Scan: "k=v"
	n      int64    // DeleteRange
	failed bool     // the op returned an error (the txn then did not commit)
}

func (o *histOp) String() string {
	switch o.kind {
	case opGet, opGetForUpdate:
		return fmt.Sprintf("get(%s, fu=%v) = %q,%v", o.key, o.kind == opGetForUpdate, o.got, o.found)
	case opScan:
		return fmt.Sprintf("scan[%s,%s) %+v = %v", o.key, o.end, o.scan, o.rows)
	case opPut:
		return fmt.Sprintf("put(%s, %s)", o.key, o.value)
	case opInsert:
		return fmt.Sprintf("insert(%s, %s) exists=%v", o.key, o.value, o.found)
	case opDelete:
		return fmt.Sprintf("delete(%s)", o.key)
	case opDeleteRange:
		return fmt.Sprintf("deleterange[%s,%s) = %d", o.key, o.end, o.n)
	}
	return "?"
}

// histTxn is one committed transaction.
type histTxn struct {
	id       string
	readOnly bool
	ops      []*histOp
	ts       clock.Timestamp
	// begin is taken before Begin, end after Commit returned, from one
	// global counter: end(a) < begin(b) means a was acknowledged before b
	// began.
	begin, end int64
}

type history struct {
	// Outcomes of the attempts, for the log.
	retries, cancels, ambiguous atomic.Int64

	mu      sync.Mutex
	txns    []*histTxn
	commits map[string]clock.Timestamp // by hex TxnID, from OnCommit
}

// model is the database state the checker replays.
type model map[string]string

// view is a transaction's view: the state under its buffered writes (nil =
// deleted).
type view struct {
	state model
	buf   map[string]*string
}

func (v *view) get(k string) (string, bool) {
	if p, ok := v.buf[k]; ok {
		if p == nil {
			return "", false
		}
		return *p, true
	}
	s, ok := v.state[k]
	return s, ok
}

func (v *view) live(lo, hi string) []string {
	var keys []string
	seen := map[string]bool{}
	for _, m := range []map[string]bool{keysOf(v.state), keysOfBuf(v.buf)} {
		for k := range m {
			if k >= lo && k < hi && !seen[k] {
				seen[k] = true
				if _, ok := v.get(k); ok {
					keys = append(keys, k)
				}
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func keysOf(m model) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func keysOfBuf(m map[string]*string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// replay checks tx's results against state and returns an error describing
// the first mismatch; it applies tx's writes to state.
func (tx *histTxn) replay(state model) error {
	v := &view{state: state, buf: map[string]*string{}}
	for i, o := range tx.ops {
		switch o.kind {
		case opGet, opGetForUpdate:
			want, ok := v.get(o.key)
			if ok != o.found || want != o.got {
				return fmt.Errorf("op %d %s: want %q,%v", i, o, want, ok)
			}
		case opScan:
			keys := v.live(o.key, o.end)
			if o.scan.Reverse {
				slices.Reverse(keys)
			}
			if o.scan.MaxKeys > 0 && int64(len(keys)) > o.scan.MaxKeys {
				keys = keys[:o.scan.MaxKeys]
			}
			want := make([]string, 0, len(keys))
			for _, k := range keys {
				val, _ := v.get(k)
				want = append(want, k+"="+val)
			}
			if !slices.Equal(want, o.rows) {
				return fmt.Errorf("op %d %s: want %v", i, o, want)
			}
		case opPut:
			val := o.value
			v.buf[o.key] = &val
		case opInsert:
			_, ok := v.get(o.key)
			if ok != o.found {
				return fmt.Errorf("op %d %s: want exists=%v", i, o, ok)
			}
			if !ok {
				val := o.value
				v.buf[o.key] = &val
			}
		case opDelete:
			v.buf[o.key] = nil
		case opDeleteRange:
			keys := v.live(o.key, o.end)
			if int64(len(keys)) != o.n {
				return fmt.Errorf("op %d %s: want %d (%v)", i, o, len(keys), keys)
			}
			for _, k := range keys {
				v.buf[k] = nil
			}
		}
	}
	for k, p := range v.buf {
		if p == nil {
			delete(state, k)
		} else {
			state[k] = *p
		}
	}
	return nil
}

// check verifies the history: serializable in timestamp order, and that
// order consistent with real time.
func (h *history) check() error {
	txns := slices.Clone(h.txns)
	slices.SortFunc(txns, func(a, b *histTxn) int { return a.ts.Compare(b.ts) })
	state := model{}
	maxBegin, maxBeginTxn := int64(-1), (*histTxn)(nil)
	for i, tx := range txns {
		if tx.ts.IsEmpty() {
			return fmt.Errorf("txn %s (read-only %v) has no timestamp", tx.id, tx.readOnly)
		}
		if i > 0 && txns[i-1].ts == tx.ts {
			return fmt.Errorf("txns %s and %s share timestamp %s", txns[i-1].id, tx.id, tx.ts)
		}
		if err := tx.replay(state); err != nil {
			return fmt.Errorf("txn %s (read-only %v) at %s is not explained by the serial order: %v\nops: %v",
				tx.id, tx.readOnly, tx.ts, err, tx.ops)
		}
		if tx.end < maxBegin {
			return fmt.Errorf("real time: txn %s (ts %s, read-only %v) was acknowledged before txn %s began, yet is ordered after it (ts %s)",
				tx.id, tx.ts, tx.readOnly, maxBeginTxn.id, maxBeginTxn.ts)
		}
		if tx.begin > maxBegin {
			maxBegin, maxBeginTxn = tx.begin, tx
		}
	}
	return nil
}

type workload struct {
	keys    int
	workers int
	txns    int // per worker
	maxOps  int
	// rollbackPct of the read-write transactions roll back instead of
	// committing.
	rollbackPct int
	// cancelPct of the attempts run under a context with a short random
	// deadline.
	cancelPct int
}

func histKey(i int) string { return fmt.Sprintf("k%02d", i) }

// runHistory runs w against db and returns the history of committed
// transactions.
func runHistory(t *testing.T, db txn.DB, h *history, w workload, seed uint64) {
	t.Helper()
	var seq, vals atomic.Int64
	var wg sync.WaitGroup
	for g := range w.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(g)))
			for range w.txns {
				ro := rng.IntN(5) == 0
				rollback := !ro && rng.IntN(100) < w.rollbackPct
				nops := 1 + rng.IntN(w.maxOps)
				prio := int64(0)
				for {
					ctx, cancel := context.WithCancel(context.Background())
					if rng.IntN(100) < w.cancelPct {
						// Cancelled at a random point: while waiting for a
						// lock, before an operation, or during the commit.
						ctx, cancel = context.WithTimeout(context.Background(), time.Duration(rng.IntN(300))*time.Microsecond)
					}
					rec := &histTxn{readOnly: ro, begin: seq.Add(1)}
					tx, err := db.Begin(ctx, txn.Options{ReadOnly: ro, Priority: prio})
					if err != nil {
						cancel()
						if ctx.Err() != nil {
							continue
						}
						t.Error(err)
						return
					}
					rec.id = tx.ID()
					if ro {
						rec.ts = tx.ReadTimestamp()
					}
					err = runOps(ctx, tx, rec, rng, nops, &vals, w.keys)
					if err == nil && rollback {
						if err := tx.Rollback(ctx); err != nil {
							t.Error(err)
						}
						cancel()
						break
					}
					if err == nil {
						err = tx.Commit(ctx)
					}
					rec.end = seq.Add(1)
					_ = tx.Rollback(ctx)
					cancel()
					h.mu.Lock()
					_, committed := h.commits[rec.id]
					h.mu.Unlock()
					switch {
					case err == nil:
						h.add(rec)
					case errors.Is(err, txn.ErrAmbiguousCommit):
						h.ambiguous.Add(1)
						// Not acknowledged: in the history (with no real-time
						// end) if the store says it committed.
						if committed {
							rec.end = math.MaxInt64
							h.add(rec)
						}
					case committed:
						t.Errorf("txn %s committed but Commit returned %v, not ambiguous", rec.id, err)
						return
					case errors.Is(err, context.DeadlineExceeded):
						h.cancels.Add(1)
					case errors.Is(err, txn.ErrRetryable):
						h.retries.Add(1)
						var re *txn.RetryableError
						if errors.As(err, &re) {
							prio = re.Priority
						}
						continue
					default:
						t.Errorf("txn %s: %v", rec.id, err)
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	for _, tx := range h.txns {
		if !tx.readOnly {
			tx.ts = h.commits[tx.id]
		}
	}
}

func (h *history) add(rec *histTxn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.txns = append(h.txns, rec)
}

func runOps(ctx context.Context, tx txn.Txn, rec *histTxn, rng *rand.Rand, nops int, vals *atomic.Int64, nkeys int) error {
	for range nops {
		o := &histOp{kind: opKind(rng.IntN(int(numOpKinds)))}
		if rec.readOnly {
			o.kind = []opKind{opGet, opScan}[rng.IntN(2)]
		}
		o.key = histKey(rng.IntN(nkeys))
		a, b := rng.IntN(nkeys+1), rng.IntN(nkeys+1)
		if a > b {
			a, b = b, a
		}
		if a == b {
			b++
		}
		lo, hi := histKey(a), histKey(b)
		o.value = fmt.Sprintf("v%d", vals.Add(1))
		rec.ops = append(rec.ops, o)
		var err error
		switch o.kind {
		case opGet, opGetForUpdate:
			var v []byte
			if o.kind == opGet {
				v, o.found, err = tx.Get(ctx, []byte(o.key))
			} else {
				v, o.found, err = tx.GetForUpdate(ctx, []byte(o.key))
			}
			o.got = string(v)
		case opScan:
			o.key, o.end = lo, hi
			o.scan = txn.ScanOptions{MaxKeys: int64(rng.IntN(4)), Reverse: rng.IntN(2) == 0, ForUpdate: !rec.readOnly && rng.IntN(3) == 0}
			var rows []txn.KeyValue
			rows, err = tx.Scan(ctx, []byte(lo), []byte(hi), o.scan)
			for _, r := range rows {
				o.rows = append(o.rows, string(r.Key)+"="+string(r.Value))
			}
		case opPut:
			err = tx.Put(ctx, []byte(o.key), []byte(o.value))
		case opInsert:
			err = tx.Insert(ctx, []byte(o.key), []byte(o.value))
			if errors.Is(err, txn.ErrKeyExists) {
				o.found, err = true, nil
			}
		case opDelete:
			err = tx.Delete(ctx, []byte(o.key))
		case opDeleteRange:
			o.key, o.end = lo, hi
			o.n, err = tx.DeleteRange(ctx, []byte(lo), []byte(hi))
		}
		if err != nil {
			o.failed = true
			return err
		}
	}
	return nil
}

func newHistoryStore(t *testing.T, h *history, knobs store.TestingKnobs, opts ...txn.DBOption) txn.DB {
	t.Helper()
	h.commits = map[string]clock.Timestamp{}
	knobs.OnCommit = func(id kv.TxnID, ts clock.Timestamp) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.commits[hex.EncodeToString(id[:])] = ts
	}
	s, err := store.Open(store.Config{Dir: store.MemoryDir, Knobs: knobs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	t.Cleanup(func() {
		if got := s.LockTable().String(); got != "empty\n" {
			t.Errorf("locks left after the workload:\n%s", got)
		}
	})
	return txn.NewDB(countStages(t, s, len(opts) > 0), s.Clock(), opts...)
}

func TestHistorySerializable(t *testing.T) {
	for _, w := range []struct {
		name string
		w    workload
	}{
		{"hot", workload{keys: 4, workers: 6, txns: 60, maxOps: 4, rollbackPct: 10}},
		{"spread", workload{keys: 16, workers: 8, txns: 60, maxOps: 6, rollbackPct: 10}},
		{"cancel", workload{keys: 6, workers: 8, txns: 60, maxOps: 5, rollbackPct: 5, cancelPct: 30}},
	} {
		t.Run(w.name, func(t *testing.T) {
			stagingModes(t, func(t *testing.T, opts ...txn.DBOption) {
				for seed := range uint64(histSeeds) {
					h := &history{}
					db := newHistoryStore(t, h, store.TestingKnobs{}, opts...)
					runHistory(t, db, h, w.w, seed)
					if t.Failed() {
						return
					}
					if err := h.check(); err != nil {
						t.Fatal(err)
					}
					var ro int
					for _, tx := range h.txns {
						if tx.readOnly {
							ro++
						}
					}
					t.Logf("seed %d: %d committed (%d read-only); %d retries, %d cancelled, %d ambiguous",
						seed, len(h.txns), ro, h.retries.Load(), h.cancels.Load(), h.ambiguous.Load())
				}
			})
		})
	}
}

// TestHistoryCheckerCatchesAnomaly makes sure the checker is not vacuous.
func TestHistoryCheckerCatchesAnomaly(t *testing.T) {
	ts := func(w int64) clock.Timestamp { return clock.Timestamp{WallTime: w} }
	// A lost update: both read the initial (absent) k and write it.
	lost := &history{txns: []*histTxn{
		{id: "a", ts: ts(1), begin: 0, end: 3, ops: []*histOp{{kind: opGet, key: "k"}, {kind: opPut, key: "k", value: "a"}}},
		{id: "b", ts: ts(2), begin: 1, end: 4, ops: []*histOp{{kind: opGet, key: "k"}, {kind: opPut, key: "k", value: "b"}}},
	}}
	if err := lost.check(); err == nil || !strings.Contains(err.Error(), "serial order") {
		t.Fatalf("lost update not caught: %v", err)
	}
	// A stale order: b was acknowledged before a began, but ordered after.
	stale := &history{txns: []*histTxn{
		{id: "a", ts: ts(1), begin: 2, end: 3},
		{id: "b", ts: ts(2), begin: 0, end: 1},
	}}
	if err := stale.check(); err == nil || !strings.Contains(err.Error(), "real time") {
		t.Fatalf("real-time violation not caught: %v", err)
	}
}

var histSeeds = 3 // raised by hand for a longer soak

// crashPoint is a crash image of the store taken during a workload.
type crashPoint struct {
	fs vfs.FS
	// applied are the transactions whose commit was applied (synced) before
	// the image was taken: all of them must survive.
	applied map[string]bool
	// below: commits that may be in the image are those applied before it
	// or in flight while it was taken, all at timestamps below this.
	below clock.Timestamp
}

// TestHistoryCrash takes crash images of the store (keeping a random part
// of the unsynced data) while a concurrent workload runs, then recovers
// each: the recovered state must be exactly the result of replaying, in
// timestamp order, every commit applied before the image plus some subset
// of the commits in flight at that moment (atomic, durable once
// acknowledged), and the recovered clock must be above every version.
//
// With staging, every commit with writes goes through ingested sstables
// (after a synced high-water batch), and an image may catch other workers'
// ingestions in flight (TestStagedCommitUnderCrash in rangeservice/store
// takes an image just before one, deterministically).
func TestHistoryCrash(t *testing.T) { stagingModes(t, testHistoryCrash) }

func testHistoryCrash(t *testing.T, opts ...txn.DBOption) {
	const every = 40 // take an image after every so many commits
	fs := vfs.NewCrashableMem()
	h := &history{commits: map[string]clock.Timestamp{}}
	var (
		order  []string // commits in the order they were applied
		images []crashPoint
		s      *store.Store
		rng    = rand.New(rand.NewPCG(7, 7))
	)
	var knobs store.TestingKnobs
	knobs.OnCommit = func(id kv.TxnID, ts clock.Timestamp) {
		h.mu.Lock()
		defer h.mu.Unlock()
		key := hex.EncodeToString(id[:])
		h.commits[key] = ts
		order = append(order, key)
		if len(order)%every != 0 {
			return
		}
		cp := crashPoint{applied: map[string]bool{}}
		for _, k := range order {
			cp.applied[k] = true
		}
		cp.fs = fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
		cp.below = s.Clock().Now()
		images = append(images, cp)
	}
	s, err := store.Open(store.Config{Dir: "data", FS: fs, Knobs: knobs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db := txn.NewDB(countStages(t, s, len(opts) > 0), s.Clock(), opts...)
	runHistory(t, db, h, workload{keys: 8, workers: 6, txns: 80, maxOps: 4, rollbackPct: 5}, 1)
	if t.Failed() {
		return
	}
	if err := h.check(); err != nil {
		t.Fatal(err)
	}
	byID := map[string]*histTxn{}
	for _, tx := range h.txns {
		byID[tx.id] = tx
	}
	if len(images) < 2 {
		t.Fatalf("only %d crash images", len(images))
	}
	for n, cp := range images {
		r, err := store.Open(store.Config{Dir: "data", FS: cp.fs})
		if err != nil {
			t.Fatal(err)
		}
		br, err := r.Send(context.Background(), &kv.BatchRequest{Requests: []kv.Request{
			&kv.ScanRequest{Key: []byte("k"), EndKey: []byte("l")}}})
		if err != nil {
			t.Fatal(err)
		}
		got := model{}
		for _, row := range br.Responses[0].(*kv.ScanResponse).Rows {
			got[string(row.Key)] = string(row.Value)
		}
		var base, maybe []*histTxn
		var maxApplied clock.Timestamp
		for id, ts := range h.commits {
			tx := byID[id]
			switch {
			case cp.applied[id]:
				base = append(base, tx)
				maxApplied = maxApplied.Forward(ts)
			case ts.Less(cp.below):
				maybe = append(maybe, tx)
			}
		}
		if len(maybe) > 12 {
			t.Fatalf("image %d: %d commits in flight, too many to try", n, len(maybe))
		}
		found := false
		for mask := 0; mask < 1<<len(maybe) && !found; mask++ {
			set := slices.Clone(base)
			for i, tx := range maybe {
				if mask&(1<<i) != 0 {
					set = append(set, tx)
				}
			}
			slices.SortFunc(set, func(a, b *histTxn) int { return a.ts.Compare(b.ts) })
			state := model{}
			ok := true
			for _, tx := range set {
				if tx.replay(state) != nil {
					ok = false // reads a write the subset lacks: not a possible prefix
					break
				}
			}
			found = ok && fmt.Sprint(map[string]string(state)) == fmt.Sprint(map[string]string(got))
		}
		if !found {
			t.Fatalf("image %d (%d applied, %d in flight): recovered state %v is not explained by the applied commits plus any subset of those in flight",
				n, len(base), len(maybe), got)
		}
		if now := r.Clock().Now(); !maxApplied.Less(now) {
			t.Fatalf("image %d: recovered clock %s not above the applied commit at %s", n, now, maxApplied)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d crash images checked, %d commits", len(images), len(h.commits))
}
