package mvcc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/meridiandb/meridian/clock"
)

// setIngestFileSize makes IngestWriters start a new sstable every n bytes
// for the rest of the test. Tests that call it must not run in parallel.
func setIngestFileSize(t testing.TB, n uint64) {
	old := ingestFileSize
	ingestFileSize = n
	t.Cleanup(func() { ingestFileSize = old })
}

// ingestTmpFiles lists the engine's ingest-tmp directory; a missing
// directory is an empty one.
func ingestTmpFiles(t testing.TB, e *Engine) []string {
	t.Helper()
	names, err := e.opts.FS.List(e.ingestDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return names
}

// tableCount is the number of sstables in the engine's LSM.
func tableCount(e *Engine) int64 {
	var n int64
	for _, l := range e.db.Metrics().Levels {
		n += l.TablesCount
	}
	return n
}

// tablesIngested is the number of sstables ingested into the LSM so far.
func tablesIngested(e *Engine) uint64 {
	var n uint64
	for _, l := range e.db.Metrics().Levels {
		n += l.TablesIngested
	}
	return n
}

// ingestOp is one write of a commit.
type ingestOp struct {
	key, val []byte
	tomb     bool
}

// randIngestKey draws a key of 1 to 4 bytes from {0x00, 0x01, 'a', 0xFF}:
// many keys contain 0x00 and many are prefixes of others.
func randIngestKey(rng *rand.Rand) []byte {
	const alphabet = "\x00\x01a\xff"
	k := make([]byte, 1+rng.Intn(4))
	for i := range k {
		k[i] = alphabet[rng.Intn(len(alphabet))]
	}
	return k
}

// ingestHistory is a random engine history: prior versions at wall times
// 1..9 (and possibly just below the commit timestamp), a few intents above
// the commit timestamp on keys the commit does not touch, then one commit
// at ts of distinct keys.
type ingestHistory struct {
	ts      clock.Timestamp
	flushAt int // flush the engine after this many prior batches
	prior   [][]priorOp
	intents [][]byte
	commit  []ingestOp // in random order
	probes  [][]byte   // keys to read: every key above, and some never written
}

type priorOp struct {
	key, val []byte
	ts       clock.Timestamp
	tomb     bool
}

func newIngestHistory(rng *rand.Rand) ingestHistory {
	h := ingestHistory{ts: clock.Timestamp{WallTime: 10, Logical: int32(rng.Intn(3))}}
	seen := map[string]bool{}
	probe := func(k []byte) {
		if !seen[string(k)] {
			seen[string(k)] = true
			h.probes = append(h.probes, k)
		}
	}
	wall := []clock.Timestamp{}
	for w := int64(1); w <= 9; w++ {
		if rng.Intn(2) == 0 {
			wall = append(wall, clock.Timestamp{WallTime: w})
		}
	}
	if h.ts.Logical > 0 && rng.Intn(2) == 0 {
		wall = append(wall, h.ts.Prev())
	}
	for _, ts := range wall {
		var batch []priorOp
		inBatch := map[string]bool{}
		for range rng.Intn(15) {
			k := randIngestKey(rng)
			if inBatch[string(k)] {
				continue
			}
			inBatch[string(k)] = true
			probe(k)
			batch = append(batch, priorOp{key: k, val: []byte(fmt.Sprintf("p%v-%d", ts, rng.Intn(100))), ts: ts, tomb: rng.Intn(4) == 0})
		}
		h.prior = append(h.prior, batch)
	}
	h.flushAt = rng.Intn(len(h.prior) + 2) // past the end: no flush
	intentKeys := map[string]bool{}
	for range rng.Intn(3) {
		k := randIngestKey(rng)
		if !intentKeys[string(k)] {
			intentKeys[string(k)] = true
			h.intents = append(h.intents, k)
			probe(k)
		}
	}
	inCommit := map[string]bool{}
	for range rng.Intn(80) {
		k := randIngestKey(rng)
		if inCommit[string(k)] || intentKeys[string(k)] {
			continue
		}
		inCommit[string(k)] = true
		probe(k)
		op := ingestOp{key: k, tomb: rng.Intn(4) == 0}
		if !op.tomb {
			op.val = make([]byte, rng.Intn(40)) // empty values too
			rng.Read(op.val)
		}
		h.commit = append(h.commit, op)
	}
	for range 5 {
		probe(randIngestKey(rng))
	}
	return h
}

// applyPrior writes h's prior versions and intents with Put and Delete.
func (h *ingestHistory) applyPrior(t *testing.T, e *Engine) {
	t.Helper()
	for i, batch := range h.prior {
		if i == h.flushAt {
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		b := e.NewBatch()
		for _, op := range batch {
			var err error
			if op.tomb {
				err = Delete(b, op.key, op.ts, WriteOptions{})
			} else {
				err = Put(b, op.key, op.ts, op.val, WriteOptions{})
			}
			if err != nil {
				t.Fatalf("prior %q at %v: %v", op.key, op.ts, err)
			}
		}
		if err := b.Commit(false); err != nil {
			t.Fatal(err)
		}
	}
	b := e.NewBatch()
	its := h.ts.Next().Next()
	for i, k := range h.intents {
		txn := &TxnMeta{ID: TxnID{byte(i + 1)}, WriteTimestamp: its}
		if err := Put(b, k, its, []byte("intent"), WriteOptions{Txn: txn}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
}

// readTimestamps are the timestamps at which two engines holding h are
// compared: every prior timestamp, around the commit's, and above all.
func (h *ingestHistory) readTimestamps() []clock.Timestamp {
	var tss []clock.Timestamp
	for w := int64(1); w <= 12; w++ {
		tss = append(tss, clock.Timestamp{WallTime: w})
	}
	return append(tss, h.ts.Prev(), h.ts, h.ts.Next(), clock.MaxTimestamp)
}

func renderGet(v Value, ok bool, err error) string {
	return fmt.Sprintf("%q@%v ok=%t err=%v", v.Bytes, v.Timestamp, ok, err)
}

func renderScan(res ScanResult, err error) string {
	var sb strings.Builder
	for _, kv := range res.KVs {
		fmt.Fprintf(&sb, "%q=%q@%v ", kv.Key, kv.Value, kv.Timestamp)
	}
	if res.ResumeSpan != nil {
		fmt.Fprintf(&sb, "resume [%q, %q) ", res.ResumeSpan.Key, res.ResumeSpan.EndKey)
	}
	fmt.Fprintf(&sb, "bytes=%d err=%v", res.NumBytes, err)
	return sb.String()
}

// diffEngines compares what Get, Scan and ComputeStats return on a and b
// and returns the first difference, "" if none.
func diffEngines(a, b *Engine, h *ingestHistory) string {
	for _, ts := range h.readTimestamps() {
		for _, k := range h.probes {
			ga := renderGet(Get(a, k, ts, ReadOptions{}))
			gb := renderGet(Get(b, k, ts, ReadOptions{}))
			if ga != gb {
				return fmt.Sprintf("Get(%q, %v):\n  commit %s\n  ingest %s", k, ts, ga, gb)
			}
		}
		spans := [][2][]byte{{nil, nil}, {[]byte("\x00"), []byte("a")}, {[]byte("\x00\x00"), []byte("\x00\x01")}, {[]byte("a"), nil}}
		for _, sp := range spans {
			for _, opts := range []ScanOptions{{}, {Reverse: true}, {MaxKeys: 3}, {Reverse: true, MaxKeys: 2}, {TargetBytes: 20}} {
				sa := renderScan(Scan(a, sp[0], sp[1], ts, opts))
				sb := renderScan(Scan(b, sp[0], sp[1], ts, opts))
				if sa != sb {
					return fmt.Sprintf("Scan([%q, %q), %v, %+v):\n  commit %s\n  ingest %s", sp[0], sp[1], ts, opts, sa, sb)
				}
			}
		}
	}
	sa, erra := ComputeStats(a, nil, nil)
	sb, errb := ComputeStats(b, nil, nil)
	if sa != sb || erra != nil || errb != nil {
		return fmt.Sprintf("ComputeStats:\n  commit %v %v\n  ingest %v %v", sa, erra, sb, errb)
	}
	return ""
}

// TestIngestWriterEquivalence writes random commits through CommitWriter
// into one engine and through IngestWriter into another holding the same
// prior versions, and checks that reads at every timestamp and the stats
// agree. Every third seed splits the commit into several sstables.
func TestIngestWriterEquivalence(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	multiFile := 0
	for seed := range seeds {
		rng := rand.New(rand.NewSource(int64(seed)))
		h := newIngestHistory(rng)
		fileSize := uint64(128 << 20)
		if seed%3 == 0 {
			fileSize = uint64(50 + rng.Intn(300))
		}
		func() {
			old := ingestFileSize
			ingestFileSize = fileSize
			defer func() { ingestFileSize = old }()

			ec, ei := newTestEngine(t), newTestEngine(t)
			h.applyPrior(t, ec)
			h.applyPrior(t, ei)

			cw, err := ec.NewCommitWriter(h.ts, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range h.commit { // CommitWriter takes any order
				if op.tomb {
					err = cw.Delete(op.key)
				} else {
					err = cw.Put(op.key, op.val)
				}
				if err != nil {
					t.Fatalf("seed %d: CommitWriter %q: %v", seed, op.key, err)
				}
			}
			if err := cw.Commit(false); err != nil {
				t.Fatal(err)
			}

			sorted := slices.Clone(h.commit)
			slices.SortFunc(sorted, func(a, b ingestOp) int { return bytes.Compare(a.key, b.key) })
			iw, err := ei.NewIngestWriter(h.ts)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range sorted {
				if op.tomb {
					err = iw.Delete(op.key)
				} else {
					err = iw.Put(op.key, op.val)
				}
				if err != nil {
					t.Fatalf("seed %d: IngestWriter %q: %v", seed, op.key, err)
				}
			}
			if iw.Count() != len(sorted) {
				t.Fatalf("seed %d: Count() = %d, want %d", seed, iw.Count(), len(sorted))
			}
			files := len(iw.paths) // the open one included
			if files > 1 {
				multiFile++
			}
			ingestsBefore := ei.db.Metrics().Ingest.Count
			if err := iw.Commit(context.Background()); err != nil {
				t.Fatalf("seed %d: Commit: %v", seed, err)
			}
			if left := ingestTmpFiles(t, ei); len(left) != 0 {
				t.Fatalf("seed %d: ingest-tmp after Commit: %q", seed, left)
			}
			wantIngests := ingestsBefore
			if len(h.commit) > 0 {
				wantIngests++
			}
			if got := ei.db.Metrics().Ingest.Count; got != wantIngests {
				t.Fatalf("seed %d: %d ingestions, want %d", seed, got, wantIngests)
			}

			// The commit itself, against the model.
			for _, op := range h.commit {
				v, ok, err := Get(ei, op.key, h.ts, ReadOptions{})
				if err != nil || ok == op.tomb || (ok && (!bytes.Equal(v.Bytes, op.val) || v.Timestamp != h.ts)) {
					t.Fatalf("seed %d: Get(%q) at the commit = %s, want %q tomb=%t", seed, op.key, renderGet(v, ok, err), op.val, op.tomb)
				}
			}
			if d := diffEngines(ec, ei, &h); d != "" {
				t.Fatalf("seed %d (%d commit writes, %d sstables): %s", seed, len(h.commit), files, d)
			}
			_ = ec.Close()
			_ = ei.Close()
		}()
	}
	if multiFile < seeds/10 {
		t.Fatalf("only %d of %d seeds ingested several sstables", multiFile, seeds)
	}
}

// TestIngestWriterManyFiles checks that a commit split into many sstables
// (one per few keys) is ingested whole, in one step: every key visible at
// the commit timestamp, none before, and the files gone from ingest-tmp.
func TestIngestWriterManyFiles(t *testing.T) {
	setIngestFileSize(t, 1<<10)
	e := newTestEngine(t)
	ts := clock.Timestamp{WallTime: 10}
	// Prior versions interleaved with the commit's keys, some in the
	// memtable, some flushed.
	b := e.NewBatch()
	for i := 0; i < 2000; i += 7 {
		if err := Put(b, []byte(fmt.Sprintf("k%05d", i)), clock.Timestamp{WallTime: 5}, []byte("old"), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if i == 1001 {
			if err := b.Commit(false); err != nil {
				t.Fatal(err)
			}
			if err := e.Flush(); err != nil {
				t.Fatal(err)
			}
			b = e.NewBatch()
		}
	}
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}

	w, err := e.NewIngestWriter(ts)
	if err != nil {
		t.Fatal(err)
	}
	val := bytes.Repeat([]byte("v"), 100)
	for i := 0; i < 2000; i++ {
		if err := w.Put([]byte(fmt.Sprintf("k%05d", i)), val); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(ingestTmpFiles(t, e)); n < 50 {
		t.Fatalf("%d sstables in ingest-tmp for 2000 keys of 100 bytes at 1 KiB a file", n)
	}
	files := len(w.paths)
	before := tablesIngested(e)
	if err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left := ingestTmpFiles(t, e); len(left) != 0 {
		t.Fatalf("ingest-tmp after Commit: %q", left)
	}
	res, err := Scan(e, nil, nil, ts, ScanOptions{})
	if err != nil || len(res.KVs) != 2000 {
		t.Fatalf("Scan at the commit: %d keys, %v", len(res.KVs), err)
	}
	for i, kv := range res.KVs {
		if string(kv.Key) != fmt.Sprintf("k%05d", i) || !bytes.Equal(kv.Value, val) || kv.Timestamp != ts {
			t.Fatalf("key %d: %q=%q@%v", i, kv.Key, kv.Value, kv.Timestamp)
		}
	}
	res, err = Scan(e, nil, nil, ts.Prev(), ScanOptions{})
	if err != nil || len(res.KVs) != (2000+6)/7 {
		t.Fatalf("Scan below the commit: %d keys, %v", len(res.KVs), err)
	}
	// The commit overlapped the memtable, so it may wait in the flushable
	// queue; after a flush, each of its sstables was ingested.
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	if added := tablesIngested(e) - before; added != uint64(files) {
		t.Fatalf("%d sstables written, %d ingested", files, added)
	}
}

// newMemIngestEngine opens an engine on fs in dir "db", with the test
// limits.
func newMemIngestEngine(t testing.TB, fs vfs.FS) *Engine {
	t.Helper()
	e, err := Open(Config{FS: fs, Dir: "db", MaxKeySize: 64, MaxValueSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// TestIngestWriterChecks checks the refusals of IngestWriter (keys not
// ascending, a version at or above the timestamp, an intent, an oversized
// value, a bad key) and that a refused writer closed without Commit leaves
// nothing visible and no file behind. A refused write is not written: the
// writer goes on and commits the others.
func TestIngestWriterChecks(t *testing.T) {
	setIngestFileSize(t, 256) // refusals in a second file too
	e := newMemIngestEngine(t, vfs.NewMem())
	ts := func(s int64) clock.Timestamp { return clock.Timestamp{WallTime: s} }
	b := e.NewBatch()
	for _, w := range []struct {
		key string
		at  int64
	}{{"old", 5}, {"new", 20}, {"same", 10}, {"same\x00", 3}} {
		if err := Put(b, []byte(w.key), ts(w.at), []byte(fmt.Sprint("v", w.at)), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := Put(b, []byte("in"), ts(7), []byte("x"), WriteOptions{Txn: &TxnMeta{ID: TxnID{9}, WriteTimestamp: ts(7)}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.NewIngestWriter(clock.Timestamp{}); !errors.Is(err, ErrZeroTimestamp) {
		t.Fatalf("NewIngestWriter(zero): %v", err)
	}

	isInvalid := func(err error) bool { return errors.Is(err, ErrInvalidArgument) }
	isTooOld := func(at int64) func(error) bool {
		return func(err error) bool {
			var e *WriteTooOldError
			return errors.As(err, &e) && e.ExistingTimestamp == ts(at) && e.WriteTimestamp == ts(10)
		}
	}
	isIntent := func(err error) bool {
		var e *WriteIntentError
		return errors.As(err, &e) && len(e.Intents) == 1 && string(e.Intents[0].Key) == "in" && e.Intents[0].Txn.ID == (TxnID{9})
	}
	big := make([]byte, 1025)
	for _, c := range []struct {
		name  string
		bad   func(w *IngestWriter) error
		check func(error) bool
	}{
		{"descending", func(w *IngestWriter) error { return w.Put([]byte("a\x00"), []byte("x")) }, isInvalid},
		{"repeated", func(w *IngestWriter) error { return w.Delete([]byte("b\x00")) }, isInvalid},
		{"prefix after longer", func(w *IngestWriter) error { return w.Put([]byte("b"), []byte("x")) }, isInvalid},
		{"newer version", func(w *IngestWriter) error { return w.Put([]byte("new"), []byte("x")) }, isTooOld(20)},
		{"version at ts", func(w *IngestWriter) error { return w.Delete([]byte("same")) }, isTooOld(10)},
		{"intent", func(w *IngestWriter) error { return w.Delete([]byte("in")) }, isIntent},
		{"value too large", func(w *IngestWriter) error { return w.Put([]byte("z"), big) }, func(err error) bool { return errors.Is(err, ErrValueTooLarge) }},
		{"empty key", func(w *IngestWriter) error { return w.Put(nil, []byte("x")) }, func(err error) bool { return errors.Is(err, ErrEmptyKey) }},
		{"key too large", func(w *IngestWriter) error { return w.Put(bytes.Repeat([]byte("z"), 65), nil) }, func(err error) bool { return errors.Is(err, ErrKeyTooLarge) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Written before the refusal: two files' worth.
			pre := []string{"a\x00\x00", "a\x00\x01", "b\x00"}
			for _, mode := range []string{"close", "commit"} {
				w, err := e.NewIngestWriter(ts(10))
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				for _, k := range pre {
					if err := w.Put([]byte(k), bytes.Repeat([]byte(mode), 60)); err != nil {
						t.Fatal(err)
					}
				}
				if err := c.bad(w); !c.check(err) {
					t.Fatalf("%s: got %v (%T)", mode, err, err)
				}
				if w.Count() != len(pre) {
					t.Fatalf("%s: Count() = %d after a refusal, want %d", mode, w.Count(), len(pre))
				}
				if n := len(ingestTmpFiles(t, e)); n < 2 {
					t.Fatalf("%s: %d files in ingest-tmp before Close", mode, n)
				}
				switch mode {
				case "close":
					w.Close()
					for _, k := range append(pre, "z", "a\x00", "b", "new", "same", "in") {
						v, ok, err := Get(e, []byte(k), ts(15), ReadOptions{})
						if err == nil && ok && v.Timestamp == ts(10) && k != "same" {
							t.Fatalf("after Close, %q is visible: %q", k, v.Bytes)
						}
					}
				case "commit":
					// Going on after a refusal: a later key, then Commit.
					if err := w.Put([]byte("zz"), []byte("after")); err != nil {
						t.Fatal(err)
					}
					if err := w.Commit(context.Background()); err != nil {
						t.Fatal(err)
					}
					for _, k := range append(pre, "zz") {
						if v, ok, err := Get(e, []byte(k), ts(10), ReadOptions{}); err != nil || !ok || v.Timestamp != ts(10) {
							t.Fatalf("after Commit, %q: %s", k, renderGet(v, ok, err))
						}
					}
					// The refused write is not there.
					for _, k := range []string{"a\x00", "b", "z"} {
						if v, ok, err := Get(e, []byte(k), ts(15), ReadOptions{}); err != nil || ok {
							t.Fatalf("refused %q visible: %s", k, renderGet(v, ok, err))
						}
					}
					if v, ok, err := Get(e, []byte("new"), ts(25), ReadOptions{}); err != nil || !ok || v.Timestamp != ts(20) {
						t.Fatalf("new: %s", renderGet(v, ok, err))
					}
				}
				if left := ingestTmpFiles(t, e); len(left) != 0 {
					t.Fatalf("%s: ingest-tmp: %q", mode, left)
				}
			}
			// Clear the committed versions for the next case: a fresh
			// engine would do, but the refusals need the prior ones.
			wb := e.NewBatch()
			for _, k := range append(pre, "zz") {
				if err := wb.ClearRaw(EncodeKey(nil, []byte(k), ts(10))); err != nil {
					t.Fatal(err)
				}
			}
			if err := wb.Commit(false); err != nil {
				t.Fatal(err)
			}
		})
	}

	// A refusal as the first write: no file is ever made.
	w, err := e.NewIngestWriter(ts(10))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Put([]byte("new"), nil); !isTooOld(20)(err) {
		t.Fatalf("first write over a newer version: %v", err)
	}
	if left := ingestTmpFiles(t, e); len(left) != 0 {
		t.Fatalf("ingest-tmp after a refused first write: %q", left)
	}
	if err := w.Commit(context.Background()); err != nil {
		t.Fatalf("Commit with only a refused write: %v", err)
	}
}

// TestIngestWriterCloseAndEmpty checks that Close without Commit discards
// everything (files included) and is idempotent, that a Commit without
// writes changes nothing, and that Close after Commit leaves the commit.
func TestIngestWriterCloseAndEmpty(t *testing.T) {
	setIngestFileSize(t, 512)
	e := newMemIngestEngine(t, vfs.NewMem())
	ts := clock.Timestamp{WallTime: 10}

	w, err := e.NewIngestWriter(ts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := w.Put([]byte(fmt.Sprintf("k%03d", i)), bytes.Repeat([]byte("x"), 30)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(ingestTmpFiles(t, e)); n < 3 {
		t.Fatalf("%d files before Close", n)
	}
	w.Close()
	w.Close()
	if left := ingestTmpFiles(t, e); len(left) != 0 {
		t.Fatalf("ingest-tmp after Close: %q", left)
	}
	res, err := Scan(e, nil, nil, clock.MaxTimestamp, ScanOptions{})
	if err != nil || len(res.KVs) != 0 {
		t.Fatalf("after Close: %d keys visible (%v)", len(res.KVs), err)
	}
	if tableCount(e) != 0 {
		t.Fatalf("after Close: %d tables", tableCount(e))
	}
	// Commit after Close: the writes are gone, whatever it returns.
	_ = w.Commit(context.Background())
	if res, err := Scan(e, nil, nil, clock.MaxTimestamp, ScanOptions{}); err != nil || len(res.KVs) != 0 {
		t.Fatalf("Commit after Close: %d keys visible (%v)", len(res.KVs), err)
	}

	// An empty commit.
	seqBefore := e.db.Metrics().Ingest.Count
	w, err = e.NewIngestWriter(ts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(context.Background()); err != nil {
		t.Fatalf("empty Commit: %v", err)
	}
	if got := e.db.Metrics().Ingest.Count; got != seqBefore {
		t.Fatalf("empty Commit ingested: %d ingestions, was %d", got, seqBefore)
	}
	if tableCount(e) != 0 || len(ingestTmpFiles(t, e)) != 0 {
		t.Fatalf("empty Commit: %d tables, ingest-tmp %q", tableCount(e), ingestTmpFiles(t, e))
	}

	// Close after Commit keeps the commit.
	w, err = e.NewIngestWriter(ts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Put([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if v, ok, err := Get(e, []byte("k"), ts, ReadOptions{}); err != nil || !ok || string(v.Bytes) != "v" {
		t.Fatalf("Close after Commit: %s", renderGet(v, ok, err))
	}
	if e.db.Metrics().Ingest.Count != seqBefore+1 {
		t.Fatalf("ingestions: %d, want %d", e.db.Metrics().Ingest.Count, seqBefore+1)
	}
}

const (
	ingestCrashDirEnv = "MERIDIAN_MVCC_INGEST_CRASH_DIR"
	ingestCrashKeys   = 150
)

func ingestCrashKey(i int) []byte { return []byte(fmt.Sprintf("ingest/%04d", i)) }

// ingestCrashCommit writes commit n: every key at wall time n, value n.
func ingestCrashCommit(e *Engine, n int, before func()) error {
	w, err := e.NewIngestWriter(clock.Timestamp{WallTime: int64(n)})
	if err != nil {
		return err
	}
	defer w.Close()
	val := []byte(strings.Repeat(strconv.Itoa(n)+".", 10))
	for i := range ingestCrashKeys {
		if err := w.Put(ingestCrashKey(i), val); err != nil {
			return err
		}
	}
	if before != nil {
		before()
	}
	return w.Commit(context.Background())
}

// checkIngestCrash checks an engine reopened after a crash: commits
// 1..visible are wholly visible and no later one at all, each key at
// commit n has commit n's value, and visible >= acked. It returns visible.
func checkIngestCrash(t *testing.T, e *Engine, acked int) int {
	t.Helper()
	if left := ingestTmpFiles(t, e); len(left) != 0 {
		t.Fatalf("ingest-tmp after Open: %q", left)
	}
	visible := 0
	for n := 1; ; n++ {
		res, err := Scan(e, nil, nil, clock.Timestamp{WallTime: int64(n)}, ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		want := strings.Repeat(strconv.Itoa(n)+".", 10)
		for _, kv := range res.KVs {
			if kv.Timestamp == (clock.Timestamp{WallTime: int64(n)}) {
				if string(kv.Value) != want {
					t.Fatalf("commit %d: %q = %q", n, kv.Key, kv.Value)
				}
				found++
			}
		}
		if found != 0 && found != ingestCrashKeys {
			t.Fatalf("commit %d partly visible: %d of %d keys", n, found, ingestCrashKeys)
		}
		if found == 0 {
			break
		}
		visible = n
	}
	if visible < acked {
		t.Fatalf("acknowledged commit %d lost: only %d visible", acked, visible)
	}
	// Nothing after the first missing commit.
	res, err := Scan(e, nil, nil, clock.MaxTimestamp, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range res.KVs {
		if kv.Timestamp.WallTime > int64(visible) {
			t.Fatalf("%q at %v visible after commit %d missing", kv.Key, kv.Timestamp, visible+1)
		}
	}
	return visible
}

// TestIngestCrashChild is the child half of TestIngestCrashRecovery: it
// makes ingested commits of several sstables forever, saying "commit n"
// before each Commit and "ack n" after it returns.
func TestIngestCrashChild(t *testing.T) {
	dir := os.Getenv(ingestCrashDirEnv)
	if dir == "" {
		t.Skip("child process of TestIngestCrashRecovery only")
	}
	ingestFileSize = 2 << 10 // several sstables per commit
	e, err := Open(Config{Dir: dir})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	for n := 1; ; n++ {
		if err := ingestCrashCommit(e, n, func() { fmt.Printf("commit %d\n", n) }); err != nil {
			fmt.Println("commit:", err)
			os.Exit(2)
		}
		fmt.Printf("ack %d\n", n)
	}
}

// TestIngestCrashRecovery kills a child making ingested commits with
// SIGKILL, either after an acknowledgement or just as it calls Commit,
// reopens the engine and checks that every acknowledged commit is whole,
// that no commit is partly visible, and that Open emptied ingest-tmp.
func TestIngestCrashRecovery(t *testing.T) {
	if os.Getenv(ingestCrashDirEnv) != "" {
		t.Skip("in child")
	}
	rng := rand.New(rand.NewSource(7))
	leftovers := 0
	for iter := range 6 {
		dir := t.TempDir()
		target := 1 + rng.Intn(20)
		killAt := "ack"
		if iter%2 == 1 {
			killAt = "commit" // while Commit runs
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestIngestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), ingestCrashDirEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		acked, reached := 0, false
		for !reached && sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "ack "); ok {
				acked, _ = strconv.Atoi(n)
				reached = killAt == "ack" && acked >= target
				continue
			}
			if n, ok := strings.CutPrefix(line, "commit "); ok {
				c, _ := strconv.Atoi(n)
				reached = killAt == "commit" && c >= target
				continue
			}
			t.Logf("child: %s", line)
		}
		_ = cmd.Process.Kill() // SIGKILL
		_ = cmd.Wait()
		if !reached {
			t.Fatalf("child died after %d acks, wanted to kill at %s %d", acked, killAt, target)
		}
		if names, err := os.ReadDir(dir + "/" + ingestDirName); err == nil {
			leftovers += len(names)
		}

		e, err := Open(Config{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		visible := checkIngestCrash(t, e, acked)
		if visible > acked+1 {
			t.Fatalf("%d commits visible, only %d acknowledged and one in flight", visible, acked)
		}
		// The engine takes ingested commits after the crash.
		if err := ingestCrashCommit(e, visible+1, nil); err != nil {
			t.Fatal(err)
		}
		if got := checkIngestCrash(t, e, visible+1); got != visible+1 {
			t.Fatalf("after a new commit: %d visible, want %d", got, visible+1)
		}
		t.Logf("iteration %d: killed at %s %d, %d acked, %d visible", iter, killAt, target, acked, visible)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d sstables left in ingest-tmp by the kills, removed by Open", leftovers)
}

// crashPointFS calls hook before each Create, Link, Remove, Rename and
// file or directory Sync on a crashable memory FS: a crash clone taken in
// hook is a crash at that step.
//
// It takes the clone itself, on the goroutine making the call, instead of
// letting another goroutine call CrashClone at any moment: in Pebble
// v2.1.7 MemFS.Link takes cloneMu.RLock twice, so a CrashClone waiting for
// the write lock between the two deadlocks the FS. linkMu keeps clones and
// Links apart for the same reason (hook may run on a background goroutine
// while the commit links).
type crashPointFS struct {
	vfs.FS
	linkMu sync.RWMutex
	hook   func(op string)
}

func (f *crashPointFS) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f.hook("create " + name)
	file, err := f.FS.Create(name, cat)
	if err != nil {
		return nil, err
	}
	return crashPointFile{file, f, name}, nil
}

func (f *crashPointFS) OpenDir(name string) (vfs.File, error) {
	file, err := f.FS.OpenDir(name)
	if err != nil {
		return nil, err
	}
	return crashPointFile{file, f, name}, nil
}

func (f *crashPointFS) Link(oldname, newname string) error {
	f.hook("link " + newname)
	f.linkMu.RLock()
	defer f.linkMu.RUnlock()
	return f.FS.Link(oldname, newname)
}

func (f *crashPointFS) Remove(name string) error {
	f.hook("remove " + name)
	return f.FS.Remove(name)
}

func (f *crashPointFS) Rename(oldname, newname string) error {
	f.hook("rename " + newname)
	return f.FS.Rename(oldname, newname)
}

type crashPointFile struct {
	vfs.File
	fs   *crashPointFS
	name string
}

func (f crashPointFile) Sync() error {
	f.fs.hook("sync " + f.name)
	err := f.File.Sync()
	f.fs.hook("synced " + f.name)
	return err
}

// TestIngestCrashableMem crashes, by crash clones of a crashable memory
// FS, at random steps of ingested commits (creating, syncing and linking
// their sstables, writing the manifest, removing the originals), keeping
// only the synced data or some unsynced data too, and checks each
// reopened clone: a prefix of the commits, every commit acknowledged
// before the clone included, none partly visible, ingest-tmp empty.
// Unlike a SIGKILL, a clone drops what was not synced, so it also checks
// that ingestion syncs what it must.
func TestIngestCrashableMem(t *testing.T) {
	setIngestFileSize(t, 2<<10)
	mem := vfs.NewCrashableMem()
	type clone struct {
		fs    *vfs.MemFS
		acked int
		op    string
	}
	var (
		acked  atomic.Int64
		armed  atomic.Bool
		mu     sync.Mutex
		clones []clone
		rng    = randv2.New(randv2.NewPCG(3, 4))
	)
	fs := &crashPointFS{FS: mem}
	fs.hook = func(op string) {
		if !armed.Load() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if len(clones) >= 120 || rng.IntN(6) != 0 {
			return
		}
		a := int(acked.Load())
		fs.linkMu.Lock()
		c := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(3) * 50, RNG: rng})
		fs.linkMu.Unlock()
		clones = append(clones, clone{c, a, op})
	}
	e, err := Open(Config{FS: fs, Dir: "db"})
	if err != nil {
		t.Fatal(err)
	}
	const commits = 25
	for n := 1; n <= commits; n++ {
		armed.Store(true)
		if err := ingestCrashCommit(e, n, nil); err != nil {
			t.Fatal(err)
		}
		acked.Store(int64(n))
	}
	armed.Store(false)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for i, c := range clones {
		ce, err := Open(Config{FS: c.fs, Dir: "db"})
		if err != nil {
			t.Fatalf("clone %d (at %s): %v", i, c.op, err)
		}
		// Later commits may be there too: acked was read before the clone.
		checkIngestCrash(t, ce, c.acked)
		_ = ce.Close()
		ops[strings.Fields(c.op)[0]]++
	}
	if ops["link"] == 0 {
		t.Fatalf("no crash while linking sstables: %v", ops)
	}
	t.Logf("%d clones checked, at %v", len(clones), ops)
}

// BenchmarkIngestWriter compares committing 100k keys of 100-byte values
// through IngestWriter and through CommitWriter (synced), on disk; ns/key
// is the cost per key of the whole commit.
func BenchmarkIngestWriter(b *testing.B) {
	const n = 100_000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("bench/%08d", i))
	}
	val := make([]byte, 100)
	rand.New(rand.NewSource(1)).Read(val)
	for _, kind := range []string{"ingest", "commit"} {
		b.Run(kind, func(b *testing.B) {
			e, err := Open(Config{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = e.Close() })
			b.SetBytes(int64(n * (len(keys[0]) + len(val))))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ts := clock.Timestamp{WallTime: int64(i + 1)}
				switch kind {
				case "ingest":
					w, err := e.NewIngestWriter(ts)
					if err != nil {
						b.Fatal(err)
					}
					for _, k := range keys {
						if err := w.Put(k, val); err != nil {
							b.Fatal(err)
						}
					}
					if err := w.Commit(context.Background()); err != nil {
						b.Fatal(err)
					}
				case "commit":
					w, err := e.NewCommitWriter(ts, CommitSizeHint(n*(len(keys[0])+len(val)), n))
					if err != nil {
						b.Fatal(err)
					}
					for _, k := range keys {
						if err := w.Put(k, val); err != nil {
							b.Fatal(err)
						}
					}
					if err := w.Commit(true); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}
