package clock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Clock is what the rest of Meridian takes instead of time.Now: the HLC and
// its clock bound. *HLC implements it; a test may substitute its own.
type Clock interface {
	// Now returns a timestamp strictly greater than every timestamp this
	// clock has returned or been updated with.
	Now() Timestamp
	// Update folds in a timestamp received from another node. It returns an
	// error matching ErrUntrustworthyRemote, and changes nothing, if the
	// remote timestamp is more than MaxOffset ahead of local physical time.
	Update(remote Timestamp) error
	// Physical returns the physical clock reading, in Unix nanoseconds.
	Physical() int64
	// MaxOffset is the configured bound on the offset between two nodes.
	MaxOffset() time.Duration
	// Bound returns the interval around the current physical time that true
	// time lies in, ε either side.
	Bound() (earliest, latest Timestamp)
	// CommitWait returns once Bound's earliest is after ts, or ctx's error.
	CommitWait(ctx context.Context, ts Timestamp) error
}

var _ Clock = (*HLC)(nil)

// ErrUntrustworthyRemote is matched (errors.Is) by the error Update returns
// for a remote timestamp too far ahead of the local physical clock.
var ErrUntrustworthyRemote = errors.New("clock: remote timestamp beyond maximum clock offset")

// UntrustworthyRemoteError is the error Update returns for a remote
// timestamp more than MaxOffset ahead of local physical time. Either the
// sender's clock or ours is outside the bound; folding the timestamp in
// would drag this node's HLC ahead of physical time by more than the bound.
type UntrustworthyRemoteError struct {
	Remote    Timestamp
	Physical  int64 // local physical time when the timestamp was refused
	MaxOffset time.Duration
}

func (e *UntrustworthyRemoteError) Error() string {
	return fmt.Sprintf("clock: remote timestamp %s is %s ahead of local physical time %s, beyond max offset %s",
		e.Remote, time.Duration(e.Remote.WallTime-e.Physical), Timestamp{WallTime: e.Physical}, e.MaxOffset)
}

// Is makes errors.Is(err, ErrUntrustworthyRemote) true.
func (e *UntrustworthyRemoteError) Is(target error) bool { return target == ErrUntrustworthyRemote }

// HLC is a hybrid logical clock (Kulkarni et al., "Logical Physical Clocks"):
// the wall part follows the physical Source, the logical part breaks ties
// and carries causality (the Lamport rule) when a received timestamp is
// ahead of local physical time. Safe for concurrent use.
type HLC struct {
	src         Source
	maxOffset   time.Duration
	uncertainty Uncertainty

	mu sync.Mutex
	// last is the greatest timestamp returned by Now or received by Update.
	// Invariant: last only moves forward.
	last Timestamp
}

// NewHLC returns an HLC configured by cfg (see Config for defaults).
func NewHLC(cfg Config) (*HLC, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &HLC{src: cfg.Source, maxOffset: cfg.MaxOffset, uncertainty: cfg.Uncertainty}, nil
}

// Now returns a timestamp strictly greater than any returned before or
// passed to a successful Update: the physical time if it is ahead of
// everything seen, otherwise the last timestamp's successor.
func (h *HLC) Now() Timestamp {
	phys := h.src.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if phys > h.last.WallTime {
		h.last = Timestamp{WallTime: phys}
	} else {
		h.last = h.last.Next()
	}
	return h.last
}

// Update folds in a timestamp received from another node, so that every
// later Now is greater than remote. A remote timestamp more than MaxOffset
// ahead of local physical time is refused with an *UntrustworthyRemoteError
// and leaves the clock unchanged.
func (h *HLC) Update(remote Timestamp) error {
	phys := h.src.Now()
	if remote.WallTime > phys+int64(h.maxOffset) {
		return &UntrustworthyRemoteError{Remote: remote, Physical: phys, MaxOffset: h.maxOffset}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last = h.last.Forward(remote)
	return nil
}

// Physical returns the physical clock reading, in Unix nanoseconds.
func (h *HLC) Physical() int64 { return h.src.Now() }

// MaxOffset returns the configured maximum offset between nodes.
func (h *HLC) MaxOffset() time.Duration { return h.maxOffset }

// Source returns the physical source, for callers that need its timers.
func (h *HLC) Source() Source { return h.src }
