package clock

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// Source is a physical time source. Now returns nanoseconds since the Unix
// epoch. A Source makes no promise of monotonicity: real clocks are stepped
// by NTP and a Skewed source may be moved backwards by a test. The HLC
// built on it is monotonic regardless.
//
// NewTimer returns a Timer whose channel is closed once the source's time has
// advanced by at least d. For the wall clock that is a real timer; for Manual
// it fires inside the Advance or Set call that reaches its deadline, so code
// that waits on a Source (commit wait, lease expiry) can be stepped by a test
// without sleeping.
type Source interface {
	Now() int64
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer created by a Source.
type Timer interface {
	// C is closed when the timer fires.
	C() <-chan struct{}
	// Stop prevents the timer from firing. It reports whether it did so,
	// false if the timer had already fired or been stopped.
	Stop() bool
}

var (
	_ Source = Wall{}
	_ Source = (*Manual)(nil)
	_ Source = (*Skewed)(nil)
)

// Wall is the machine's real-time clock.
type Wall struct{}

// Now returns time.Now in nanoseconds since the Unix epoch.
func (Wall) Now() int64 { return time.Now().UnixNano() }

// NewTimer returns a real timer.
func (Wall) NewTimer(d time.Duration) Timer {
	c := make(chan struct{})
	return &wallTimer{t: time.AfterFunc(d, func() { close(c) }), c: c}
}

type wallTimer struct {
	t *time.Timer
	c chan struct{}
}

func (w *wallTimer) C() <-chan struct{} { return w.c }
func (w *wallTimer) Stop() bool         { return w.t.Stop() }

// Manual is a Source that moves only when told to, for tests. It is safe for
// concurrent use. Its timers fire synchronously inside the Set or Advance
// call that takes the time to or past their deadline, so after Advance
// returns, PendingTimers tells exactly which waiters are still blocked.
type Manual struct {
	mu  sync.Mutex
	now int64
	// timers holds the pending (neither fired nor stopped) timers.
	timers map[*manualTimer]struct{}
	// changed is closed and replaced whenever the set of timers changes;
	// WaitForTimers blocks on it.
	changed chan struct{}
}

// NewManual returns a Manual source reading start.
func NewManual(start int64) *Manual {
	return &Manual{now: start, timers: map[*manualTimer]struct{}{}, changed: make(chan struct{})}
}

// Now returns the current manual time.
func (m *Manual) Now() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Set moves the time to t, backwards if t is before the current time (a
// clock step). Timers whose deadline is reached fire before Set returns.
func (m *Manual) Set(t int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setLocked(t)
}

// Advance moves the time by d (backwards if d is negative). Timers whose
// deadline is reached fire before Advance returns.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setLocked(m.now + int64(d))
}

func (m *Manual) setLocked(t int64) {
	m.now = t
	fired := false
	for mt := range m.timers {
		if mt.deadline <= t {
			close(mt.c)
			delete(m.timers, mt)
			fired = true
		}
	}
	if fired {
		m.notifyLocked()
	}
}

// NewTimer returns a timer firing once the manual time reaches Now()+d. A
// timer with d <= 0 has already fired.
func (m *Manual) NewTimer(d time.Duration) Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	mt := &manualTimer{m: m, deadline: m.now + int64(d), c: make(chan struct{})}
	if d <= 0 {
		close(mt.c)
		return mt
	}
	m.timers[mt] = struct{}{}
	m.notifyLocked()
	return mt
}

// PendingTimers returns the number of timers that have neither fired nor
// been stopped.
func (m *Manual) PendingTimers() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.timers)
}

// WaitForTimers blocks until at least n timers are pending, that is until
// the goroutines a test expects to block on this source have done so. It
// returns ctx's error if ctx ends first.
func (m *Manual) WaitForTimers(ctx context.Context, n int) error {
	for {
		m.mu.Lock()
		pending, changed := len(m.timers), m.changed
		m.mu.Unlock()
		if pending >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("clock: waiting for %d manual timers, %d pending: %w", n, pending, ctx.Err())
		}
	}
}

func (m *Manual) notifyLocked() {
	close(m.changed)
	m.changed = make(chan struct{})
}

type manualTimer struct {
	m        *Manual
	deadline int64
	c        chan struct{}
}

func (t *manualTimer) C() <-chan struct{} { return t.c }

func (t *manualTimer) Stop() bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	if _, ok := t.m.timers[t]; !ok {
		return false
	}
	delete(t.m.timers, t)
	t.m.notifyLocked()
	return true
}

// Skewed wraps a base Source with an offset and a drift rate that a test can
// change while the system runs, to simulate a node whose clock is wrong:
//
//	Now() = base.Now() + offset + accumulated drift
//
// Drift is in parts per million of base time: at +100 ppm the skewed clock
// gains 100µs per second of base time. Changing the drift keeps the drift
// accumulated so far; SetOffset is a step. Safe for concurrent use.
type Skewed struct {
	base Source

	mu     sync.Mutex
	offset int64
	ppm    float64
	// anchor is the base time from which the current drift rate applies;
	// acc is the drift accumulated before anchor.
	anchor int64
	acc    int64
}

// NewSkewed returns base with no offset and no drift.
func NewSkewed(base Source) *Skewed {
	return &Skewed{base: base, anchor: base.Now()}
}

// SetOffset sets the step offset from the base source.
func (s *Skewed) SetOffset(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = int64(d)
}

// SetDrift sets the drift rate in parts per million from now on. A rate at
// or below -1e6 (a clock that stops or runs backwards) is a programming
// error and panics.
func (s *Skewed) SetDrift(ppm float64) {
	if ppm <= -1e6 || math.IsNaN(ppm) || math.IsInf(ppm, 0) {
		panic(fmt.Sprintf("clock: Skewed drift %v ppm out of range", ppm))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.base.Now()
	s.acc += s.driftLocked(b)
	s.anchor, s.ppm = b, ppm
}

// Skew returns how far the source currently reads from its base: offset
// plus accumulated drift.
func (s *Skewed) Skew() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Duration(s.offset + s.acc + s.driftLocked(s.base.Now()))
}

// Now returns the skewed time.
func (s *Skewed) Now() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.base.Now()
	return b + s.offset + s.acc + s.driftLocked(b)
}

// NewTimer returns a base timer scaled by the drift rate, so it fires when
// the skewed time has advanced by about d. A later SetOffset or SetDrift
// does not retarget it: waiters must re-check the time when it fires (as
// CommitWait does).
func (s *Skewed) NewTimer(d time.Duration) Timer {
	s.mu.Lock()
	ppm := s.ppm
	s.mu.Unlock()
	if d > 0 {
		d = time.Duration(math.Ceil(float64(d) / (1 + ppm/1e6)))
	}
	return s.base.NewTimer(d)
}

func (s *Skewed) driftLocked(b int64) int64 {
	return int64(float64(b-s.anchor) * s.ppm / 1e6)
}
