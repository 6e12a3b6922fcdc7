package wal

import (
	"context"
	"errors"
	"syscall"
	"testing"
)

// TestReopenAfterSyncFailureShowsOnlyDurable: after an fdatasync fails the
// kernel may already have dropped the dirty pages (and marked them clean),
// so the failed group's bytes can still be read from the page cache while
// the disk lacks them. A process that closes and reopens the WAL (the
// documented reaction to ErrFailed) must not recover that group: it was
// never durable, and a later power loss would take it back after the
// caller acted on it.
func TestReopenAfterSyncFailureShowsOnlyDurable(t *testing.T) {
	ctx := context.Background()
	fs := NewMemFS()
	w := openMem(t, fs, nil)
	if err := w.Append(ctx, ent(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	fs.FailSync(syscall.EIO)
	if err := w.Append(ctx, ent(1, 2, 1)); !errors.Is(err, ErrFailed) {
		t.Fatalf("append with failing sync: %v", err)
	}
	w.Close()
	fs.FailSync(nil)
	// The same filesystem, no power loss: a process restart.
	w = openMem(t, fs, nil)
	defer w.Close()
	if info, _ := w.Range(1); info.Last != 1 {
		t.Fatalf("reopen after a failed sync recovered the failed batch: %+v", info)
	}
}

// TestRecoveredTailIsDurable: a process that dies between a group's write
// and its fdatasync leaves the group in the page cache. The next process
// reads it back; what Open reports must then be durable, or a power loss
// afterwards takes back state the replica already acted on (a promise it
// sent, say).
func TestRecoveredTailIsDurable(t *testing.T) {
	ctx := context.Background()
	fs := NewMemFS()
	w1 := openMem(t, fs, nil)
	if err := w1.Append(ctx, ent(1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	entered, release := holdNextSync(fs)
	p := w1.Submit(ctx, func() *Batch { var b Batch; b.Append(ent(1, 2, 1)); return &b }())
	<-entered // written, not synced: the process "dies" here
	fs.SetSyncHook(nil)
	w2 := openMem(t, fs, nil) // the restarted process
	info, _ := w2.Range(1)
	w2.Close()
	img := fs.Crash() // then the power fails
	release()
	p.Wait(ctx)
	w1.Close()
	w3 := openMem(t, img, nil)
	defer w3.Close()
	if info3, _ := w3.Range(1); info3.Last != info.Last {
		t.Fatalf("Open reported last entry %d, but after a power loss the log ends at %d", info.Last, info3.Last)
	}
}

// TestSubmitRacingClose: batches submitted while Close runs each finish,
// either durable (and recovered after a crash) or ErrClosed.
func TestSubmitRacingClose(t *testing.T) {
	for round := 0; round < 20; round++ {
		fs := NewMemFS()
		w := openMem(t, fs, nil)
		const n = 8
		ps := make([][]*Pending, n)
		done := make(chan struct{})
		for g := 0; g < n; g++ {
			go func(g int) {
				defer func() { done <- struct{}{} }()
				for i := uint64(1); i <= 30; i++ {
					var b Batch
					b.Append(ent(RangeID(g+1), i, 1))
					p := w.Submit(context.Background(), &b)
					ps[g] = append(ps[g], p)
					if p.Err() != nil {
						return
					}
				}
			}(g)
		}
		w.Close()
		for g := 0; g < n; g++ {
			<-done
		}
		w2 := openMem(t, fs.Crash(), nil)
		for g := 0; g < n; g++ {
			acked := uint64(0)
			for _, p := range ps[g] {
				if err := p.Err(); err == nil {
					acked++
				} else if !errors.Is(err, ErrClosed) {
					t.Fatalf("range %d: %v", g+1, err)
				}
			}
			if info, _ := w2.Range(RangeID(g + 1)); info.Last != acked {
				t.Fatalf("range %d: %d acknowledged, %d recovered", g+1, acked, info.Last)
			}
		}
		w2.Close()
	}
}
