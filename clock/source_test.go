package clock_test

import (
	"context"
	"testing"
	"time"

	"github.com/meridiandb/meridian/clock"
)

// testCtx bounds how long a test waits for an event that should happen at
// once; it fails the test rather than hanging. It is not used to let time
// pass.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func fired(tm clock.Timer) bool {
	select {
	case <-tm.C():
		return true
	default:
		return false
	}
}

func TestManualTimers(t *testing.T) {
	m := clock.NewManual(1000)
	a := m.NewTimer(10)
	b := m.NewTimer(20)
	c := m.NewTimer(30)
	if zero := m.NewTimer(0); !fired(zero) {
		t.Fatal("timer with d=0 has not fired")
	}
	if got := m.PendingTimers(); got != 3 {
		t.Fatalf("PendingTimers = %d, want 3", got)
	}

	m.Advance(9)
	if fired(a) || fired(b) || fired(c) {
		t.Fatal("a timer fired before its deadline")
	}
	m.Advance(1) // 1010: a's deadline exactly
	if !fired(a) || fired(b) {
		t.Fatalf("at deadline of a: a fired=%v b fired=%v, want true false", fired(a), fired(b))
	}
	if !c.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	if c.Stop() {
		t.Fatal("second Stop returned true")
	}
	m.Set(500) // backwards: nothing fires
	if fired(b) {
		t.Fatal("b fired when time went backwards")
	}
	m.Set(2000)
	if !fired(b) || fired(c) {
		t.Fatalf("after Set(2000): b fired=%v, stopped c fired=%v", fired(b), fired(c))
	}
	if m.Now() != 2000 || m.PendingTimers() != 0 {
		t.Fatalf("Now=%d pending=%d, want 2000 0", m.Now(), m.PendingTimers())
	}
}

func TestManualWaitForTimers(t *testing.T) {
	m := clock.NewManual(0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-m.NewTimer(time.Second).C()
	}()
	if err := m.WaitForTimers(testCtx(t), 1); err != nil {
		t.Fatal(err)
	}
	m.Advance(time.Second)
	<-done

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.WaitForTimers(ctx, 1); err == nil {
		t.Fatal("WaitForTimers with no timers and a cancelled ctx returned nil")
	}
}

func TestSkewedOffsetAndDrift(t *testing.T) {
	base := clock.NewManual(0)
	s := clock.NewSkewed(base)
	s.SetOffset(5 * time.Millisecond)
	if got := s.Now(); got != int64(5*time.Millisecond) {
		t.Fatalf("Now with 5ms offset = %d", got)
	}
	s.SetDrift(100) // +100µs per second
	base.Advance(time.Second)
	if got, want := s.Now(), int64(time.Second+5*time.Millisecond+100*time.Microsecond); got != want {
		t.Fatalf("after 1s at +100ppm: Now = %d, want %d", got, want)
	}
	s.SetDrift(-50) // the 100µs gained so far is kept
	base.Advance(2 * time.Second)
	if got, want := s.Skew(), 5*time.Millisecond+100*time.Microsecond-100*time.Microsecond; got != want {
		t.Fatalf("Skew = %s, want %s", got, want)
	}
	s.SetOffset(-time.Second) // a step backwards
	if got, want := s.Now(), int64(3*time.Second-time.Second); got != want {
		t.Fatalf("after step back: Now = %d, want %d", got, want)
	}
}

func TestSkewedTimerScalesWithDrift(t *testing.T) {
	base := clock.NewManual(0)
	s := clock.NewSkewed(base)
	s.SetDrift(1e6) // runs twice as fast as base
	tm := s.NewTimer(10 * time.Second)
	base.Advance(5*time.Second - 1)
	if fired(tm) {
		t.Fatal("fired before the skewed clock advanced 10s")
	}
	base.Advance(1)
	if !fired(tm) {
		t.Fatalf("not fired when skewed clock advanced %s", time.Duration(s.Now()))
	}
}

func TestWallTimer(t *testing.T) {
	w := clock.Wall{}
	start := w.Now()
	tm := w.NewTimer(time.Millisecond)
	select {
	case <-tm.C():
	case <-testCtx(t).Done():
		t.Fatal("wall timer did not fire")
	}
	if el := w.Now() - start; el < int64(time.Millisecond) {
		t.Fatalf("wall timer fired after %s, before its 1ms", time.Duration(el))
	}
	if tm.Stop() {
		t.Fatal("Stop after firing returned true")
	}
}
