package wal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
