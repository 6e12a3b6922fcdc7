package wal

import (
	"context"
	"errors"
	"flag"
	"math/rand"
	"testing"
	"time"
)

var (
	flagSeed = flag.Int64("wal.seed", 0, "seed for TestRandomizedAgainstModel (0: time-based)")
	flagOps  = flag.Int("wal.ops", 2500, "operations per seed in TestRandomizedAgainstModel")
)

// TestRandomizedAgainstModel runs thousands of random operations (batches
// of appends across ranges, overwrites, invalid appends, truncations, state
// records, reads, pipelined submissions, reopens, crashes with batches in
// flight, sync failures) against the WAL on a MemFS with small segments,
// and compares the WAL with the model after every step that changes it.
// The seed is printed on failure; replay with -wal.seed=N.
func TestRandomizedAgainstModel(t *testing.T) {
	seeds := []int64{1, 2, 3}
	if *flagSeed != 0 {
		seeds = []int64{*flagSeed}
	} else {
		seeds = append(seeds, time.Now().UnixNano())
	}
	for _, seed := range seeds {
		t.Run("", func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("replay with: go test -run TestRandomizedAgainstModel ./rangeservice/wal/ -wal.seed=%d", seed)
				}
			}()
			runRandom(t, seed, *flagOps)
		})
	}
}

type randomRun struct {
	t     *testing.T
	rng   *rand.Rand
	fs    *MemFS
	cfg   Config
	w     *WAL
	m     *model
	step  int
	ops   []string // recent operations, for failure messages
	nextB uint64
}

func (rr *randomRun) logf(format string, args ...any) {
	rr.ops = append(rr.ops, sprintf("%d: ", rr.step)+sprintf(format, args...))
	if len(rr.ops) > 200 {
		rr.ops = rr.ops[1:]
	}
}

func (rr *randomRun) fatalf(format string, args ...any) {
	rr.t.Helper()
	for _, o := range rr.ops {
		rr.t.Log(o)
	}
	rr.t.Fatalf("step %d: "+format, append([]any{rr.step}, args...)...)
}

func (rr *randomRun) check() {
	rr.t.Helper()
	if d := rr.m.diff(rr.w); d != "" {
		rr.fatalf("model mismatch: %s", d)
	}
	if d := checkInvariants(rr.w); d != "" {
		rr.fatalf("invariant: %s", d)
	}
}

func (rr *randomRun) open(fs *MemFS) {
	rr.t.Helper()
	rr.fs = fs
	cfg := rr.cfg
	cfg.FS = fs
	w, err := Open(cfg)
	if err != nil {
		rr.fatalf("Open: %v", err)
	}
	rr.w = w
}

const randomRanges = 6

// randomBatch makes a batch of 1-4 groups of ops, mostly valid against m.
func (rr *randomRun) randomBatch(m *model) []modelOp {
	var ops []modelOp
	n := 1 + rr.rng.Intn(3)
	for range n {
		r := RangeID(1 + rr.rng.Intn(randomRanges))
		mr := m.ranges[r]
		var first, last, mark uint64
		if mr != nil {
			first, last, mark = mr.first, mr.last(), mr.mark
		}
		switch p := rr.rng.Intn(100); {
		case p < 65: // append a run
			start := last + 1
			switch q := rr.rng.Intn(10); {
			case last == 0:
				start = max(mark, 1) + uint64(rr.rng.Intn(3))
			case q < 2: // overwrite inside the log
				start = first + uint64(rr.rng.Int63n(int64(last-first+1)))
			case q == 2: // invalid: gap
				start = last + 2
			case q == 3 && mark > 1: // invalid: below mark
				start = mark - 1
			}
			rr.nextB++
			for k := range 1 + rr.rng.Intn(4) {
				payload := make([]byte, rr.rng.Intn(120))
				rr.rng.Read(payload)
				ops = append(ops, modelOp{kind: kindEntry, entry: Entry{Range: r, Index: start + uint64(k), Ballot: rr.nextB, Payload: payload}})
			}
		case p < 80:
			ops = append(ops, modelOp{kind: kindState, r: r, state: State{Promised: rr.rng.Uint64() % 100, Commit: rr.rng.Uint64() % 100}})
		default:
			mk := first + uint64(rr.rng.Intn(int(last-first)+3))
			if rr.rng.Intn(10) == 0 {
				mk = last + 1 + uint64(rr.rng.Intn(5))
			}
			ops = append(ops, modelOp{kind: kindTruncate, r: r, mark: mk})
		}
	}
	return ops
}

func runRandom(t *testing.T, seed int64, steps int) {
	rr := &randomRun{t: t, rng: rand.New(rand.NewSource(seed)), m: newModel()}
	rr.cfg = Config{
		Dir:         "/data/wal",
		SegmentSize: int64(256 + rr.rng.Intn(2048)),
		CacheBytes:  int64(rr.rng.Intn(3)-1) * 2048, // disabled, default-ish, small
	}
	if rr.cfg.CacheBytes == 0 {
		rr.cfg.CacheBytes = 300
	}
	rr.open(NewMemFS())
	defer func() { rr.w.Close() }()
	ctx := context.Background()

	for rr.step = 0; rr.step < steps; rr.step++ {
		switch p := rr.rng.Intn(100); {
		case p < 60: // one batch, waited for
			ops := rr.randomBatch(rr.m)
			rr.logf("write %v", ops)
			err := rr.w.Write(ctx, toBatch(ops))
			valid := rr.m.apply(ops)
			if valid != (err == nil) || (!valid && !errors.Is(err, ErrInvalid)) {
				rr.fatalf("write %v: err %v, model valid %v", ops, err, valid)
			}
		case p < 72: // several batches in flight at once (group commit)
			n := 2 + rr.rng.Intn(6)
			var ps []*Pending
			var all [][]modelOp
			pm := rr.m.clone()
			for range n {
				ops := rr.randomBatch(pm)
				pm.apply(ops)
				all = append(all, ops)
				ps = append(ps, rr.w.Submit(ctx, toBatch(ops)))
			}
			rr.logf("submit %d batches %v", n, all)
			for k, p := range ps {
				err := p.Err()
				valid := rr.m.apply(all[k])
				if valid != (err == nil) {
					rr.fatalf("batch %d of %d %v: err %v, model valid %v", k, n, all[k], err, valid)
				}
			}
		case p < 82: // reads
			r := RangeID(1 + rr.rng.Intn(randomRanges))
			mr := rr.m.ranges[r]
			if mr == nil || len(mr.entries) == 0 {
				continue
			}
			lo := mr.first + uint64(rr.rng.Intn(len(mr.entries)))
			hi := lo + 1 + uint64(rr.rng.Intn(int(mr.last()-lo+1)))
			maxBytes := uint64(rr.rng.Intn(300))
			es, err := rr.w.Entries(r, lo, hi, maxBytes)
			if err != nil {
				rr.fatalf("Entries(%d, %d, %d): %v", r, lo, hi, err)
			}
			var size uint64
			for k, e := range es {
				me := mr.entries[lo-mr.first+uint64(k)]
				if e.Index != me.Index || e.Ballot != me.Ballot || string(e.Payload) != string(me.Payload) {
					rr.fatalf("Entries(%d, %d, %d)[%d] = %+v, model %+v", r, lo, hi, k, e, me)
				}
				size += uint64(len(e.Payload))
			}
			if len(es) == 0 || (maxBytes == 0 && len(es) != int(hi-lo)) || (maxBytes > 0 && len(es) > 1 && size > maxBytes) {
				rr.fatalf("Entries(%d, %d, %d, %d): %d entries of %d bytes", r, lo, hi, maxBytes, len(es), size)
			}
			if _, err := rr.w.Entries(r, mr.last()+1, mr.last()+2, 0); !errors.Is(err, ErrUnavailable) {
				rr.fatalf("read past last: %v", err)
			}
			if mr.first > 1 {
				if _, err := rr.w.Entries(r, mr.first-1, mr.first, 0); !errors.Is(err, ErrCompacted) {
					rr.fatalf("read below first: %v", err)
				}
			}
			continue
		case p < 87: // clean reopen
			rr.logf("reopen")
			if err := rr.w.Close(); err != nil {
				rr.fatalf("Close: %v", err)
			}
			rr.open(rr.fs)
		case p < 91: // crash: everything acknowledged survives
			rr.logf("crash")
			img := rr.fs.Crash()
			rr.w.Close()
			rr.open(img)
		case p < 97: // crash with batches in flight, maybe torn
			rr.crashInFlight(ctx)
		default: // sync failure: the batch fails, later ones too; then crash
			rr.logf("sync failure")
			ops := rr.randomBatch(rr.m)
			for !rr.m.clone().apply(ops) {
				ops = rr.randomBatch(rr.m)
			}
			rr.fs.FailSync(errors.New("injected EIO"))
			if err := rr.w.Write(ctx, toBatch(ops)); !errors.Is(err, ErrFailed) {
				rr.fatalf("write with failing sync: %v", err)
			}
			rr.fs.FailSync(nil)
			if err := rr.w.Write(ctx, toBatch(rr.randomBatch(rr.m))); !errors.Is(err, ErrFailed) && !errors.Is(err, ErrInvalid) {
				rr.fatalf("write after failure: %v", err)
			}
			img := rr.fs.Crash()
			rr.w.Close()
			rr.open(img)
		}
		rr.check()
	}
}

// crashInFlight submits batches, holds the first group's sync, crashes the
// filesystem (dropping unsynced data, or tearing the last write at a random
// byte), and checks that the reopened WAL equals the model after some
// prefix of the submitted batches.
func (rr *randomRun) crashInFlight(ctx context.Context) {
	rr.t.Helper()
	entered := make(chan struct{})
	release := make(chan struct{})
	first := true
	rr.fs.SetSyncHook(func(string) {
		if first {
			first = false
			close(entered)
			<-release
		}
	})
	n := 1 + rr.rng.Intn(4)
	pm := rr.m.clone()
	models := []*model{rr.m.clone()}
	var all [][]modelOp
	var ps []*Pending
	for k := range n {
		ops := rr.randomBatch(pm)
		for k == 0 && !pm.clone().apply(ops) {
			ops = rr.randomBatch(pm) // the first must be written, to sync
		}
		pm.apply(ops)
		all = append(all, ops)
		models = append(models, pm.clone())
		ps = append(ps, rr.w.Submit(ctx, toBatch(ops)))
	}
	<-entered
	var img *MemFS
	if rr.rng.Intn(3) == 0 {
		img = rr.fs.Crash()
		rr.logf("crash in flight %v (drop unsynced)", all)
	} else {
		_, n := rr.fs.LastWrite()
		keep := rr.rng.Intn(n + 1)
		img = rr.fs.CrashTorn(keep)
		rr.logf("crash in flight %v (torn at %d of %d)", all, keep, n)
	}
	rr.fs.SetSyncHook(nil)
	close(release)
	for _, p := range ps {
		p.Err()
	}
	rr.w.Close()
	rr.open(img)
	var diffs []string
	for _, m := range models {
		d := m.diff(rr.w)
		if d == "" {
			rr.m = m
			return
		}
		diffs = append(diffs, d)
	}
	rr.fatalf("after crash with batches in flight, the WAL matches no prefix: %v", diffs)
}
