package clock_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridiandb/meridian/clock"
)

// settableUncertainty is an ε a test changes while a commit wait runs.
type settableUncertainty struct{ eps atomic.Int64 }

func (s *settableUncertainty) Epsilon() time.Duration { return time.Duration(s.eps.Load()) }

func TestBound(t *testing.T) {
	m := clock.NewManual(1_000_000)
	h := newHLC(t, clock.Config{Source: m, MaxOffset: time.Millisecond, Uncertainty: clock.FixedUncertainty(300)})
	e, l := h.Bound()
	if e != (clock.Timestamp{WallTime: 999_700}) || l != (clock.Timestamp{WallTime: 1_000_300}) {
		t.Fatalf("Bound = [%s, %s], want [999700, 1000300] ns", e, l)
	}
	u := &settableUncertainty{}
	u.eps.Store(-5) // a misbehaving provider: clamped to 0
	h = newHLC(t, clock.Config{Source: m, Uncertainty: u})
	if e, l := h.Bound(); e != l || e.WallTime != m.Now() {
		t.Fatalf("Bound with negative ε = [%s, %s], want both at now", e, l)
	}
}

type waitResult struct {
	err      error
	earliest clock.Timestamp // Bound's earliest just after CommitWait returned
}

func startCommitWait(ctx context.Context, h *clock.HLC, ts clock.Timestamp) <-chan waitResult {
	done := make(chan waitResult, 1)
	go func() {
		err := h.CommitWait(ctx, ts)
		e, _ := h.Bound()
		done <- waitResult{err, e}
	}()
	return done
}

func requireBlocked(t *testing.T, m *clock.Manual, done <-chan waitResult, when string) {
	t.Helper()
	// Manual timers fire inside Advance, so a pending timer right after
	// Advance means the waiter was not woken; the empty channel means it
	// has not returned.
	if got := m.PendingTimers(); got != 1 {
		t.Fatalf("%s: %d pending timers, want the waiter's 1", when, got)
	}
	select {
	case r := <-done:
		t.Fatalf("%s: CommitWait returned early (err %v, earliest %s)", when, r.err, r.earliest)
	default:
	}
}

func TestCommitWaitManual(t *testing.T) {
	const eps = 10 * time.Millisecond
	m := clock.NewManual(int64(time.Hour))
	h := newHLC(t, clock.Config{Source: m, MaxOffset: 100 * time.Millisecond, Uncertainty: clock.FixedUncertainty(eps)})
	ts := h.Now()

	done := startCommitWait(testCtx(t), h, ts)
	if err := m.WaitForTimers(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	requireBlocked(t, m, done, "before any advance")

	m.Advance(eps) // earliest == ts.WallTime: not yet past ts
	requireBlocked(t, m, done, "at earliest == ts")

	m.Advance(1) // earliest == ts.WallTime+1 > ts
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("CommitWait: %v", r.err)
		}
		if !ts.Less(r.earliest) {
			t.Fatalf("CommitWait returned with earliest %s, not past %s", r.earliest, ts)
		}
	case <-testCtx(t).Done():
		t.Fatal("CommitWait did not return after earliest passed ts")
	}
	if got := m.PendingTimers(); got != 0 {
		t.Fatalf("%d timers left pending", got)
	}
}

// TestCommitWaitAtEarliest starts a commit wait when earliest equals ts: ts
// has not passed yet, so it must block.
func TestCommitWaitAtEarliest(t *testing.T) {
	m := clock.NewManual(int64(time.Hour))
	h := newHLC(t, clock.Config{Source: m, Uncertainty: clock.FixedUncertainty(time.Millisecond)})
	ts := h.Now()
	m.Advance(time.Millisecond)
	if e, _ := h.Bound(); e != ts {
		t.Fatalf("test broken: earliest %s, want %s", e, ts)
	}
	done := startCommitWait(testCtx(t), h, ts)
	if err := m.WaitForTimers(testCtx(t), 1); err != nil {
		t.Fatalf("CommitWait at earliest == ts did not block: %v", err)
	}
	requireBlocked(t, m, done, "earliest == ts")
	m.Advance(1)
	if r := <-done; r.err != nil || !ts.Less(r.earliest) {
		t.Fatalf("CommitWait = %v with earliest %s, want nil past %s", r.err, r.earliest, ts)
	}
}

// TestCommitWaitRechecksEpsilon grows ε while a commit wait sleeps: when
// its timer fires it must notice earliest has not passed ts after all and
// wait again.
func TestCommitWaitRechecksEpsilon(t *testing.T) {
	m := clock.NewManual(int64(time.Hour))
	u := &settableUncertainty{}
	u.eps.Store(int64(time.Millisecond))
	h := newHLC(t, clock.Config{Source: m, Uncertainty: u})
	ts := h.Now()

	done := startCommitWait(testCtx(t), h, ts)
	if err := m.WaitForTimers(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	u.eps.Store(int64(5 * time.Millisecond))
	m.Advance(time.Millisecond + 1) // the first timer fires; earliest is still before ts
	if err := m.WaitForTimers(testCtx(t), 1); err != nil {
		t.Fatalf("waiter did not wait again after ε grew: %v", err)
	}
	requireBlocked(t, m, done, "after ε grew")

	m.Advance(4 * time.Millisecond)
	r := <-done
	if r.err != nil || !ts.Less(r.earliest) {
		t.Fatalf("CommitWait = %v with earliest %s, want nil past %s", r.err, r.earliest, ts)
	}
}

func TestCommitWaitCancelled(t *testing.T) {
	m := clock.NewManual(int64(time.Hour))
	h := newHLC(t, clock.Config{Source: m})
	ts := h.Now()

	ctx, cancel := context.WithCancel(context.Background())
	done := startCommitWait(ctx, h, ts)
	if err := m.WaitForTimers(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	r := <-done
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("CommitWait after cancel = %v, want context.Canceled", r.err)
	}
	if ts.Less(r.earliest) {
		t.Fatalf("test broken: earliest %s already past %s", r.earliest, ts)
	}
	if got := m.PendingTimers(); got != 0 {
		t.Fatalf("cancelled CommitWait left %d timers pending", got)
	}

	// A deadline that has already passed fails without creating a timer.
	ctx, cancel = context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	if err := h.CommitWait(ctx, ts); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CommitWait with expired ctx = %v, want DeadlineExceeded", err)
	}
}

func TestCommitWaitAlreadyPassed(t *testing.T) {
	m := clock.NewManual(int64(time.Hour))
	h := newHLC(t, clock.Config{Source: m, Uncertainty: clock.FixedUncertainty(time.Millisecond)})
	ts := h.Now()
	m.Advance(time.Millisecond + 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // satisfied waits succeed even on a cancelled context
	if err := h.CommitWait(ctx, ts); err != nil {
		t.Fatalf("CommitWait on a passed timestamp = %v", err)
	}
	if got := m.PendingTimers(); got != 0 {
		t.Fatalf("CommitWait on a passed timestamp created %d timers", got)
	}
}

// TestCommitWaitWall runs one short wait on the real clock.
func TestCommitWaitWall(t *testing.T) {
	h := newHLC(t, clock.Config{MaxOffset: 2 * time.Millisecond})
	ts := h.Now()
	if err := h.CommitWait(testCtx(t), ts); err != nil {
		t.Fatal(err)
	}
	if e, _ := h.Bound(); !ts.Less(e) {
		t.Fatalf("after CommitWait earliest %s is not past %s", e, ts)
	}
}
