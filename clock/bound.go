package clock

import (
	"context"
	"fmt"
	"time"
)

// Uncertainty supplies ε, the current bound on how far this node's physical
// clock may be from any peer's. *OffsetTracker implements it from
// measurements; FixedUncertainty is a configured constant.
type Uncertainty interface {
	Epsilon() time.Duration
}

var (
	_ Uncertainty = FixedUncertainty(0)
	_ Uncertainty = (*OffsetTracker)(nil)
)

// FixedUncertainty is a constant ε.
type FixedUncertainty time.Duration

// Epsilon returns f.
func (f FixedUncertainty) Epsilon() time.Duration { return time.Duration(f) }

// Epsilon returns the current uncertainty ε, never negative.
func (h *HLC) Epsilon() time.Duration {
	return max(h.uncertainty.Epsilon(), 0)
}

// Bound returns [physical now - ε, physical now + ε] as timestamps with a
// zero logical part. Every peer's clock reads inside the interval (if the
// offset bound holds), so ts.Less(earliest) means every node's clock is
// past ts.
func (h *HLC) Bound() (earliest, latest Timestamp) {
	phys, eps := h.src.Now(), int64(h.Epsilon())
	return Timestamp{WallTime: phys - eps}, Timestamp{WallTime: phys + eps}
}

// CommitWait returns once ts is strictly before Bound's earliest, so that
// when a commit at ts is acknowledged no node's clock still reads ts or
// earlier. It sleeps on the Source's timer for the remaining interval and
// re-checks when it fires, so a change of ε or a clock step while waiting
// lengthens the wait rather than cutting it short. It returns ctx's error
// (wrapped) if ctx ends first; a ts already passed returns nil at once.
func (h *HLC) CommitWait(ctx context.Context, ts Timestamp) error {
	for {
		earliest, _ := h.Bound()
		if ts.Less(earliest) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("clock: commit wait for %s: %w", ts, err)
		}
		// earliest passes ts once it reaches ts.WallTime+1.
		t := h.src.NewTimer(time.Duration(ts.WallTime - earliest.WallTime + 1))
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("clock: commit wait for %s: %w", ts, ctx.Err())
		}
	}
}
