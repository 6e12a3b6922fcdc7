package wal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
)

func openMem(t testing.TB, fs *MemFS, mut func(*Config)) *WAL {
	t.Helper()
	cfg := Config{Dir: "/wal", FS: fs, SegmentSize: 4096}
	if mut != nil {
		mut(&cfg)
	}
	w, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return w
}

func ent(r RangeID, i, bal uint64) Entry {
	return Entry{Range: r, Index: i, Ballot: bal, Payload: []byte(fmt.Sprintf("r%d-i%d-b%d", r, i, bal))}
}

func mustEntries(t testing.TB, w *WAL, r RangeID, lo, hi uint64) []Entry {
	t.Helper()
	es, err := w.Entries(r, lo, hi, 0)
	if err != nil {
		t.Fatalf("Entries(%d, %d, %d): %v", r, lo, hi, err)
	}
	return es
}

func TestBasicAppendReadReopen(t *testing.T) {
	ctx := context.Background()
	fs := NewMemFS()
	w := openMem(t, fs, nil)
	for i := uint64(1); i <= 50; i++ {
		if err := w.Append(ctx, ent(1, i, 1), ent(2, i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.SetState(ctx, 1, State{Promised: 3, Commit: 40}); err != nil {
		t.Fatal(err)
	}
	// Overwrite from 45 in ballot 2.
	if err := w.Append(ctx, ent(1, 45, 2)); err != nil {
		t.Fatal(err)
	}
	if err := w.Truncate(ctx, 2, 10); err != nil {
		t.Fatal(err)
	}
	check := func(w *WAL) {
		t.Helper()
		info, ok := w.Range(1)
		if !ok || info != (RangeInfo{State: State{Promised: 3, Commit: 40}, First: 1, Last: 45}) {
			t.Fatalf("range 1: %+v %v", info, ok)
		}
		es := mustEntries(t, w, 1, 1, 46)
		for k, e := range es {
			want := ent(1, uint64(k+1), 1)
			if k == 44 {
				want = ent(1, 45, 2)
			}
			if e.Index != want.Index || e.Ballot != want.Ballot || !bytes.Equal(e.Payload, want.Payload) {
				t.Fatalf("entry %d: %+v want %+v", k, e, want)
			}
		}
		if _, err := w.Entries(1, 1, 47, 0); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("past last: %v", err)
		}
		if _, err := w.Entries(2, 9, 12, 0); !errors.Is(err, ErrCompacted) {
			t.Fatalf("below mark: %v", err)
		}
		if es := mustEntries(t, w, 2, 10, 51); len(es) != 41 {
			t.Fatalf("range 2: %d entries", len(es))
		}
		if b, err := w.Ballot(1, 45); err != nil || b != 2 {
			t.Fatalf("Ballot: %d %v", b, err)
		}
		if es, _ := w.Entries(2, 10, 51, 20); len(es) != 2 {
			t.Fatalf("maxBytes: %d entries", len(es))
		}
	}
	check(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if err := w.Append(ctx, ent(1, 46, 2)); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	w = openMem(t, fs, nil)
	check(w)
	w.Close()
	w = openMem(t, fs.Crash(), nil)
	check(w)
	w.Close()
}

func TestInvalidAppends(t *testing.T) {
	ctx := context.Background()
	w := openMem(t, NewMemFS(), nil)
	defer w.Close()
	if err := w.Append(ctx, ent(1, 5, 1), ent(1, 6, 1)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		es   []Entry
	}{
		{"gap", []Entry{ent(1, 8, 1)}},
		{"index zero", []Entry{ent(1, 0, 1)}},
		{"gap later in batch", []Entry{ent(1, 7, 1), ent(1, 9, 1)}},
	} {
		if err := w.Append(ctx, c.es...); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	if info, _ := w.Range(1); info.Last != 6 {
		t.Fatalf("rejected batch applied: %+v", info)
	}
	if err := w.Truncate(ctx, 1, 20); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(ctx, ent(1, 19, 1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("below mark: %v", err)
	}
	if err := w.Append(ctx, ent(1, 25, 1)); err != nil {
		t.Fatalf("start after empty: %v", err)
	}
	var b Batch
	if err := w.Write(ctx, &b); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty batch: %v", err)
	}
}

func TestSyncFailureIsSticky(t *testing.T) {
	ctx := context.Background()
	fs := NewMemFS()
	w := openMem(t, fs, nil)
	if err := w.Append(ctx, ent(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	fs.FailSync(syscall.EIO)
	if err := w.Append(ctx, ent(1, 2, 1)); !errors.Is(err, ErrFailed) || !errors.Is(err, syscall.EIO) {
		t.Fatalf("append with failing sync: %v", err)
	}
	fs.FailSync(nil)
	if err := w.Append(ctx, ent(1, 2, 1)); !errors.Is(err, ErrFailed) {
		t.Fatalf("append after failure: %v", err)
	}
	if info, _ := w.Range(1); info.Last != 1 {
		t.Fatalf("unsynced entry visible: %+v", info)
	}
	if err := w.Close(); !errors.Is(err, ErrFailed) {
		t.Fatalf("Close: %v", err)
	}
	w = openMem(t, fs.Crash(), nil)
	defer w.Close()
	if info, _ := w.Range(1); info.Last != 1 {
		t.Fatalf("after crash: %+v", info)
	}
}

func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	fs := NewMemFS()
	w := openMem(t, fs, nil)
	if err := w.Append(ctx, ent(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	fs.SetSpaceLimit(10)
	if err := w.Append(ctx, ent(1, 2, 1)); !errors.Is(err, ErrFailed) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append on full disk: %v", err)
	}
	fs.SetSpaceLimit(-1)
	if err := w.Append(ctx, ent(1, 2, 1)); !errors.Is(err, ErrFailed) {
		t.Fatalf("append after failure: %v", err)
	}
	w.Close()
	// The partial frame is a torn tail: cut on reopen.
	w = openMem(t, fs.Crash(), nil)
	defer w.Close()
	if info, _ := w.Range(1); info.Last != 1 {
		t.Fatalf("after reopen: %+v", info)
	}
	if err := w.Append(ctx, ent(1, 2, 1)); err != nil {
		t.Fatal(err)
	}
}

func segmentFiles(t *testing.T, fs *MemFS) []string {
	t.Helper()
	names, err := fs.List("/wal")
	if err != nil {
		t.Fatal(err)
	}
	var segs []string
	for _, n := range names {
		if _, ok := parseSegmentName(n); ok {
			segs = append(segs, "/wal/"+n)
		}
	}
	return segs
}

// rewrite replaces a MemFS file's content through a second handle (open
// handles see the change: same inode).
func rewrite(t *testing.T, fs *MemFS, name string, edit func([]byte) []byte) {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	size, _ := f.Size()
	b := make([]byte, size)
	f.ReadAt(b, 0)
	b = edit(b)
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	f.Write(b)
	f.Sync()
}

func TestCorruptionInOlderSegment(t *testing.T) {
	ctx := context.Background()
	fs := NewMemFS()
	w := openMem(t, fs, func(c *Config) { c.SegmentSize = 600 })
	for i := uint64(1); i <= 30; i++ {
		if err := w.Append(ctx, ent(1, i, 1), ent(2, i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	segs := segmentFiles(t, fs)
	if len(segs) < 3 {
		t.Fatalf("want several segments, have %v", segs)
	}
	// Corrupt a byte in the last frame of the first segment.
	var frameOff int
	rewrite(t, fs, segs[0], func(b []byte) []byte {
		img := decodeSegment(b)
		last := img.frames[len(img.frames)-1]
		frameOff = last[0].off - frameHeaderLen
		b[last[0].off+20] ^= 1
		return b
	})
	_, err := Open(Config{Dir: "/wal", FS: fs, SegmentSize: 600})
	var ce *CorruptionError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open: %v", err)
	}
	if ce.File != segs[0] || ce.Offset != int64(frameOff) {
		t.Fatalf("corruption reported at %s:%d, want %s:%d", ce.File, ce.Offset, segs[0], frameOff)
	}

	// Repair cuts the segment there; the ranges keep what follows the
	// hole, with their marks moved up.
	w = openMem(t, fs, func(c *Config) { c.SegmentSize = 600; c.Repair = true })
	defer w.Close()
	for _, r := range []RangeID{1, 2} {
		info, _ := w.Range(r)
		if info.Last != 30 || info.First <= 1 || info.Mark != info.First {
			t.Fatalf("range %d after repair: %+v", r, info)
		}
		mustEntries(t, w, r, info.First, info.Last+1)
	}
	if err := w.Append(ctx, ent(1, 31, 1)); err != nil {
		t.Fatal(err)
	}
}

func TestTornTailOfLastSegmentIsCut(t *testing.T) {
	fs := NewMemFS()
	w := openMem(t, fs, nil)
	if err := w.Append(context.Background(), ent(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	segs := segmentFiles(t, fs)
	last := segs[len(segs)-1]
	rewrite(t, fs, last, func(b []byte) []byte { return append(b, 0x10, 0, 0, 0, 1, 2, 3) })
	w = openMem(t, fs, nil)
	defer w.Close()
	if info, _ := w.Range(1); info.Last != 1 {
		t.Fatalf("%+v", info)
	}
}

func TestReadDetectsCorruption(t *testing.T) {
	fs := NewMemFS()
	w := openMem(t, fs, func(c *Config) { c.CacheBytes = -1 })
	defer w.Close()
	if err := w.Append(context.Background(), ent(1, 1, 1), ent(1, 2, 1)); err != nil {
		t.Fatal(err)
	}
	w.mu.RLock()
	l := w.ranges[1].locs[1]
	w.mu.RUnlock()
	rewrite(t, fs, l.seg.name, func(b []byte) []byte { b[l.off+int64(l.n)-6] ^= 1; return b })
	mustEntries(t, w, 1, 1, 2)
	_, err := w.Entries(1, 1, 3, 0)
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.File != l.seg.name || ce.Offset != l.off {
		t.Fatalf("read of corrupt entry: %v", err)
	}
}

// holdSyncs makes the next file Sync block until the returned release is
// called; entered is closed when it starts.
func holdNextSync(fs *MemFS) (entered <-chan struct{}, release func()) {
	in := make(chan struct{})
	rel := make(chan struct{})
	var once sync.Once
	fs.SetSyncHook(func(string) {
		first := false
		once.Do(func() { first = true })
		if first {
			close(in)
			<-rel
		}
	})
	return in, func() { fs.SetSyncHook(nil); close(rel) }
}

// TestGroupCommitFormsWhileSyncing holds a group's fdatasync and shows
// that (1) its batch is neither acknowledged nor visible before the sync
// returns, and (2) the batches submitted meanwhile are committed together
// by a single second group.
func TestGroupCommitFormsWhileSyncing(t *testing.T) {
	ctx := context.Background()
	fs := NewMemFS()
	w := openMem(t, fs, func(c *Config) { c.SegmentSize = 1 << 20 })
	defer w.Close()
	entered, release := holdNextSync(fs)
	first := w.Submit(ctx, toBatch([]modelOp{{kind: kindEntry, entry: ent(1, 1, 1)}}))
	<-entered
	var ps []*Pending
	for r := RangeID(2); r < 22; r++ {
		ps = append(ps, w.Submit(ctx, toBatch([]modelOp{{kind: kindEntry, entry: ent(r, 1, 1)}})))
	}
	select {
	case <-first.Done():
		t.Fatal("batch acknowledged before its sync returned")
	default:
	}
	if _, ok := w.Range(1); ok {
		t.Fatal("batch visible before its sync returned")
	}
	release()
	for _, p := range append(ps, first) {
		if err := p.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if st := w.Stats(); st.Groups != 2 || st.Batches != 21 {
		t.Fatalf("stats %+v: want 21 batches in 2 groups", st)
	}
}

func TestContext(t *testing.T) {
	fs := NewMemFS()
	w := openMem(t, fs, nil)
	defer w.Close()
	entered, release := holdNextSync(fs)
	p1 := w.Submit(context.Background(), toBatch([]modelOp{{kind: kindEntry, entry: ent(1, 1, 1)}}))
	<-entered
	// Cancelled before the committer reaches it: rejected, not written.
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	p2 := w.Submit(cctx, toBatch([]modelOp{{kind: kindEntry, entry: ent(2, 1, 1)}}))
	// Cancelled while waiting: ambiguous, returns at once.
	wctx, wcancel := context.WithCancel(context.Background())
	p3 := w.Submit(context.Background(), toBatch([]modelOp{{kind: kindEntry, entry: ent(3, 1, 1)}}))
	wcancel()
	if err := p3.Wait(wctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait: %v", err)
	}
	release()
	if err := p1.Err(); err != nil {
		t.Fatal(err)
	}
	if err := p2.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled batch: %v", err)
	}
	if err := p3.Err(); err != nil {
		t.Fatalf("batch whose waiter gave up: %v", err)
	}
	if _, ok := w.Range(2); ok {
		t.Fatal("cancelled batch was written")
	}
}

// TestConcurrentAppendersAndReaders runs appenders on their own ranges,
// with overwrites and truncations, and readers, concurrently (for the race
// detector), then checks the result and that it survives a crash.
func TestConcurrentAppendersAndReaders(t *testing.T) {
	ctx := context.Background()
	fs := NewMemFS()
	w := openMem(t, fs, func(c *Config) { c.SegmentSize = 2048; c.CacheBytes = 1024 })
	const appenders, n = 8, 150
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range appenders {
		r := RangeID(g + 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := uint64(1); i <= n; i++ {
				bal := uint64(1)
				if i%10 == 0 {
					// Overwrite the previous two in a new ballot.
					if err := w.Append(ctx, ent(r, i-2, 2), ent(r, i-1, 2)); err != nil {
						t.Error(err)
						return
					}
					bal = 2
				}
				if err := w.Append(ctx, ent(r, i, bal)); err != nil {
					t.Error(err)
					return
				}
				if i%25 == 0 {
					if err := w.Truncate(ctx, r, i-10); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	var rg sync.WaitGroup
	for g := range 2 {
		rg.Add(1)
		go func() {
			defer rg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				r := RangeID(1 + (k+g)%appenders)
				info, ok := w.Range(r)
				if !ok || info.Last == 0 {
					continue
				}
				es, err := w.Entries(r, info.First, info.Last+1, 0)
				if err != nil && !errors.Is(err, ErrCompacted) {
					t.Error(err)
					return
				}
				for _, e := range es {
					if want := ent(r, e.Index, e.Ballot); !bytes.Equal(e.Payload, want.Payload) {
						t.Errorf("read %+v", e)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rg.Wait()
	check := func(w *WAL) {
		t.Helper()
		for r := RangeID(1); r <= appenders; r++ {
			info, _ := w.Range(r)
			if info.First != n-10 || info.Last != n || info.Mark != n-10 {
				t.Fatalf("range %d: %+v", r, info)
			}
			for _, e := range mustEntries(t, w, r, info.First, info.Last+1) {
				wantBal := uint64(1)
				if e.Index%10 >= 8 || e.Index%10 == 0 {
					wantBal = 2
				}
				if e.Ballot != wantBal || !bytes.Equal(e.Payload, ent(r, e.Index, wantBal).Payload) {
					t.Fatalf("range %d: %+v", r, e)
				}
			}
		}
		if d := checkInvariants(w); d != "" {
			t.Fatal(d)
		}
	}
	check(w)
	img := fs.Crash()
	w.Close()
	w = openMem(t, img, func(c *Config) { c.SegmentSize = 2048 })
	defer w.Close()
	check(w)
	// About 35 segments were written; those left hold the last entries of
	// ranges that finished at different times.
	if segs := segmentFiles(t, img); len(segs) > 15 {
		t.Fatalf("%d segments kept for %d live entries per range", len(segs), 11)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{},
		{Dir: "/x", SegmentSize: 10},
		{Dir: "/x", MaxBatchBytes: -1},
		{Dir: "/x", MaxBatchBytes: maxFrameLen + 1},
		{Dir: "/x", MaxGroupBytes: -5},
	} {
		if err := c.validate(); err == nil {
			t.Errorf("%+v: accepted", c)
		}
	}
	c := Config{Dir: "/x"}
	if err := c.validate(); err != nil || c.SegmentSize != DefaultSegmentSize || c.FS == nil || c.CacheBytes != DefaultCacheBytes {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	w := openMem(t, NewMemFS(), func(c *Config) { c.MaxBatchBytes = 100 })
	defer w.Close()
	big := Entry{Range: 1, Index: 1, Payload: make([]byte, 200)}
	if err := w.Append(context.Background(), big); !errors.Is(err, ErrInvalid) {
		t.Fatalf("oversized batch: %v", err)
	}
}
