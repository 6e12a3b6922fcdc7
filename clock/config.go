package clock

import (
	"errors"
	"fmt"
	"time"
)

// Defaults filled in by Config.validate.
const (
	// DefaultMaxOffset is CockroachDB's default --max-offset: generous for
	// NTP-synchronised machines, small enough that commit waits stay short.
	DefaultMaxOffset = 500 * time.Millisecond
	// DefaultOffsetWindow is how long an offset sample stays fresh. It
	// should cover a few heartbeat intervals so one lost heartbeat does not
	// make a peer silent.
	DefaultOffsetWindow = 10 * time.Second
)

// ErrInvalidConfig is wrapped by every error Config validation returns.
var ErrInvalidConfig = errors.New("clock: invalid config")

// Config configures an HLC (NewHLC) and an OffsetTracker (NewOffsetTracker).
// The zero Config is valid: the wall clock, DefaultMaxOffset, ε fixed at
// the maximum offset and DefaultOffsetWindow.
//
// MaxOffset must be the same on every node of a cluster: it is the bound on
// the offset between any two nodes' clocks that correctness rests on (see
// the package documentation).
type Config struct {
	// Source is the physical clock. Default Wall{}.
	Source Source
	// MaxOffset is the largest tolerated offset between two nodes' clocks.
	// Zero means DefaultMaxOffset; negative is refused.
	MaxOffset time.Duration
	// Uncertainty supplies ε for Bound and CommitWait, normally an
	// *OffsetTracker. Default FixedUncertainty(MaxOffset), the safe choice
	// when nothing measures offsets. A FixedUncertainty outside
	// [0, MaxOffset] is refused. Used by NewHLC only.
	Uncertainty Uncertainty
	// OffsetWindow is how long an offset sample stays fresh. Zero means
	// DefaultOffsetWindow; negative is refused. Used by NewOffsetTracker only.
	OffsetWindow time.Duration
}

// validate fills defaults in c and refuses nonsense.
func (c *Config) validate() error {
	if c.Source == nil {
		c.Source = Wall{}
	}
	switch {
	case c.MaxOffset < 0:
		return fmt.Errorf("%w: MaxOffset %s is negative", ErrInvalidConfig, c.MaxOffset)
	case c.MaxOffset == 0:
		c.MaxOffset = DefaultMaxOffset
	}
	switch {
	case c.OffsetWindow < 0:
		return fmt.Errorf("%w: OffsetWindow %s is negative", ErrInvalidConfig, c.OffsetWindow)
	case c.OffsetWindow == 0:
		c.OffsetWindow = DefaultOffsetWindow
	}
	if c.Uncertainty == nil {
		c.Uncertainty = FixedUncertainty(c.MaxOffset)
	}
	if f, ok := c.Uncertainty.(FixedUncertainty); ok && (f < 0 || time.Duration(f) > c.MaxOffset) {
		return fmt.Errorf("%w: fixed uncertainty %s outside [0, MaxOffset %s]",
			ErrInvalidConfig, time.Duration(f), c.MaxOffset)
	}
	return nil
}
