package wal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// crashWorkload is a fixed script of batches over three ranges: appends,
// overwrites in a later ballot, state records, truncations (one emptying a
// log that then restarts above its mark), multi-range batches. With 512-byte
// segments it rotates several times and deletes segments along the way.
func crashWorkload() [][]modelOp {
	e := func(r RangeID, i, bal uint64, size int) modelOp {
		p := []byte(strings.Repeat(fmt.Sprintf("%d.%d.%d|", r, i, bal), 1+size))[:size]
		return modelOp{kind: kindEntry, entry: Entry{Range: r, Index: i, Ballot: bal, Payload: p}}
	}
	st := func(r RangeID, promised, commit uint64) modelOp {
		return modelOp{kind: kindState, r: r, state: State{Promised: promised, Commit: commit}}
	}
	tr := func(r RangeID, mark uint64) modelOp { return modelOp{kind: kindTruncate, r: r, mark: mark} }
	return [][]modelOp{
		{st(1, 1, 0), e(1, 1, 1, 40), e(1, 2, 1, 10)},
		{e(2, 1, 1, 60), e(3, 1, 1, 5)},
		{e(1, 3, 1, 30), e(1, 4, 1, 30), st(1, 1, 2)},
		{e(2, 2, 1, 70), e(2, 3, 1, 0)},
		{st(2, 2, 0), e(2, 3, 2, 33)},                 // overwrite 3
		{e(1, 2, 2, 25), e(1, 3, 2, 25), st(1, 2, 1)}, // overwrite 2.. (discards 4)
		{e(3, 2, 1, 90), e(3, 3, 1, 90)},
		{tr(1, 2), e(1, 4, 2, 20)},
		{e(3, 4, 1, 120)},
		{tr(3, 3), st(3, 5, 3)},
		{e(2, 4, 2, 45), e(2, 5, 2, 45), e(1, 5, 2, 12)},
		{tr(1, 9)},                         // empties range 1
		{e(1, 12, 3, 18), e(1, 13, 3, 18)}, // restarts above its mark
		{e(3, 5, 1, 64), e(3, 6, 1, 64)},
		{e(3, 4, 2, 16)}, // overwrite 4.. (discards 5, 6)
		{tr(2, 5), e(2, 6, 2, 50)},
		{e(1, 14, 3, 77), st(1, 3, 13)},
		{tr(3, 4), tr(2, 6), e(1, 15, 3, 5)},
		{e(2, 7, 2, 100), e(3, 5, 2, 100)},
		{tr(1, 15), tr(2, 7), tr(3, 5)},
		{e(1, 16, 4, 30), e(2, 8, 2, 30), e(3, 6, 2, 30)},
	}
}

func workloadModels(t *testing.T, wl [][]modelOp) []*model {
	m := newModel()
	models := []*model{m.clone()}
	for k, ops := range wl {
		if !m.apply(ops) {
			t.Fatalf("workload batch %d is invalid: %v", k, ops)
		}
		models = append(models, m.clone())
	}
	return models
}

// matchOne reopens img and returns the index of the model in allowed that
// the recovered WAL matches, failing the test if none does.
func recoverAndMatch(t *testing.T, img *MemFS, cfg Config, models []*model, allowed []int, what string) (*WAL, int) {
	t.Helper()
	cfg.FS = img
	w, err := Open(cfg)
	if err != nil {
		t.Fatalf("%s: Open: %v", what, err)
	}
	var diffs []string
	for _, k := range allowed {
		d := models[k].diff(w)
		if d == "" {
			if inv := checkInvariants(w); inv != "" {
				t.Fatalf("%s: invariant: %s", what, inv)
			}
			return w, k
		}
		diffs = append(diffs, fmt.Sprintf("after %d batches: %s", k, d))
	}
	w.Close()
	t.Fatalf("%s: recovered state matches no allowed outcome:\n%s", what, strings.Join(diffs, "\n"))
	return nil, 0
}

// TestCrashAtEverySyncEveryByte runs the workload one batch at a time and,
// for every sync it issues (group syncs and the syncs of new segments),
// holds that sync and crashes the filesystem: once dropping everything not
// synced, and once for every byte offset at which the last write could
// have been cut. Each image must recover every acknowledged batch, never
// show an overwritten or truncated entry, and show the batch in flight
// whole or not at all. The recovered WAL must then accept a new batch and
// survive a reopen.
func TestCrashAtEverySyncEveryByte(t *testing.T) {
	wl := crashWorkload()
	models := workloadModels(t, wl)
	cfg := Config{Dir: "/wal", SegmentSize: 512, CacheBytes: 256}
	ctx := context.Background()
	var nimages, rotations, whole int
	j0 := 0
	defer func() {
		t.Logf("%d sync points (%d new segments), %d crash images, %d with the batch in flight recovered", j0, rotations, nimages, whole)
	}()
	for j := 1; ; j++ {
		fs := NewMemFS()
		cfg.FS = fs
		w, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		entered := make(chan string)
		release := make(chan struct{})
		calls := 0
		fs.SetSyncHook(func(name string) {
			if calls++; calls == j {
				entered <- name
				<-release
			}
		})
		var acked int // batches acknowledged before the held sync
		done := make(chan error, 1)
		go func() {
			for k, ops := range wl {
				if err := w.Write(ctx, toBatch(ops)); err != nil {
					done <- fmt.Errorf("batch %d: %w", k, err)
					return
				}
				acked = k + 1
			}
			done <- nil
		}()
		var held string
		select {
		case held = <-entered:
		case err := <-done:
			// The workload issued fewer than j syncs: every point covered.
			if err != nil {
				t.Fatal(err)
			}
			w.Close()
			if j < len(wl) {
				t.Fatalf("only %d syncs for %d batches", j-1, len(wl))
			}
			return
		}
		k := acked // the writer goroutine is parked in Write: no race
		j0 = j
		newSegment := strings.HasSuffix(held, ".tmp")
		if newSegment {
			rotations++
		}
		lastName, n := fs.LastWrite()
		images := map[string]*MemFS{"drop unsynced": fs.Crash()}
		for keep := 0; keep <= n; keep++ {
			images[fmt.Sprintf("last write to %s cut at %d of %d", lastName, keep, n)] = fs.CrashTorn(keep)
		}
		fs.SetSyncHook(nil)
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		w.Close()

		for how, img := range images {
			what := fmt.Sprintf("sync %d (%s, %d acked): %s", j, held, k, how)
			allowed := []int{k}
			if !newSegment && strings.HasPrefix(how, "last") && k < len(wl) {
				// The in-flight batch was written: a whole frame survives.
				allowed = []int{k, k + 1}
			}
			w2, got := recoverAndMatch(t, img, cfg, models, allowed, what)
			nimages++
			if got > k {
				whole++
			}
			// The recovered WAL keeps working.
			extra := []modelOp{{kind: kindState, r: 9, state: State{Promised: 7}}}
			m := models[got].clone()
			m.apply(extra)
			if err := w2.Write(ctx, toBatch(extra)); err != nil {
				t.Fatalf("%s: write after recovery: %v", what, err)
			}
			w2.Close()
			w3, _ := recoverAndMatch(t, img, cfg, []*model{m}, []int{0}, what+", reopened")
			w3.Close()
		}
	}
}

// TestCrashAfterSyncFailure fails each sync of the workload in turn: the
// batch and every later one must fail with ErrFailed (nothing acknowledged
// after the failure) and a crash must recover exactly the acknowledged
// batches (or, with every written byte kept, possibly the failed one).
func TestCrashAfterSyncFailure(t *testing.T) {
	wl := crashWorkload()
	models := workloadModels(t, wl)
	cfg := Config{Dir: "/wal", SegmentSize: 512}
	ctx := context.Background()
	eio := errors.New("injected EIO")
	for j := 1; ; j++ {
		fs := NewMemFS()
		cfg.FS = fs
		w, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		calls := 0
		fs.SetSyncHook(func(string) {
			mu.Lock()
			defer mu.Unlock()
			if calls++; calls == j {
				fs.FailSync(eio)
			}
		})
		acked, failedAt := 0, -1
		for k, ops := range wl {
			err := w.Write(ctx, toBatch(ops))
			if err == nil {
				if failedAt >= 0 {
					t.Fatalf("sync %d: batch %d acknowledged after a failure", j, k)
				}
				acked = k + 1
				continue
			}
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("sync %d: batch %d: %v", j, k, err)
			}
			if failedAt < 0 {
				if !errors.Is(err, eio) {
					t.Fatalf("sync %d: first failure does not wrap the cause: %v", j, err)
				}
				failedAt = k
			}
		}
		if failedAt < 0 {
			w.Close()
			return // fewer than j syncs: all covered
		}
		if err := w.Close(); !errors.Is(err, ErrFailed) {
			t.Fatalf("sync %d: Close: %v", j, err)
		}
		what := fmt.Sprintf("sync %d failed (batch %d)", j, failedAt)
		w2, _ := recoverAndMatch(t, fs.Crash(), cfg, models, []int{acked}, what+", crash")
		w2.Close()
		w3, _ := recoverAndMatch(t, fs.CrashTorn(1<<30), cfg, models, []int{acked, acked + 1}, what+", all written bytes kept")
		w3.Close()
	}
}

// TestDiskFullEveryByte makes the disk fill up after each possible number
// of bytes of the workload: the write that does not fit fails with
// ErrFailed wrapping ENOSPC, no later batch is acknowledged, and reopening
// the full disk image recovers the acknowledged batches.
func TestDiskFullEveryByte(t *testing.T) {
	wl := crashWorkload()
	models := workloadModels(t, wl)
	cfg := Config{Dir: "/wal", SegmentSize: 512}
	ctx := context.Background()
	for limit := int64(0); ; limit += 37 {
		fs := NewMemFS()
		cfg.FS = fs
		w, err := Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		fs.SetSpaceLimit(limit)
		acked, failed := 0, false
		for k, ops := range wl {
			err := w.Write(ctx, toBatch(ops))
			switch {
			case err == nil && failed:
				t.Fatalf("limit %d: batch %d acknowledged after a failure", limit, k)
			case err == nil:
				acked = k + 1
			case !errors.Is(err, ErrFailed):
				t.Fatalf("limit %d: batch %d: %v", limit, k, err)
			default:
				failed = true
			}
		}
		w.Close()
		if !failed {
			return
		}
		fs.SetSpaceLimit(-1)
		w2, _ := recoverAndMatch(t, fs.Crash(), cfg, models, []int{acked}, fmt.Sprintf("disk full after %d bytes", limit))
		w2.Close()
	}
}
