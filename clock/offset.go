package clock

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrBadSample is wrapped by the error MeasureOffset and Record return for
// a round trip that received before it sent (the local clock was stepped
// backwards in between).
var ErrBadSample = errors.New("clock: bad offset sample")

// ErrFenced is matched (errors.Is) by the error OffsetTracker.Verify returns
// when the node cannot show that its clock is within MaxOffset of a
// majority of the cluster and must stop serving.
var ErrFenced = errors.New("clock: node fenced: clock offset not vouched for by a majority")

// Offset is one measurement of a peer's clock relative to ours.
type Offset struct {
	// Offset is the peer's clock minus ours: positive if the peer is ahead.
	Offset time.Duration
	// Error is half the round trip. Whatever the split of the round trip
	// between the two directions, the true offset at the moment of the
	// measurement is within [Offset-Error, Offset+Error].
	Error time.Duration
}

// Max returns |Offset| + Error: the largest offset the measurement allows.
func (o Offset) Max() time.Duration { return abs(o.Offset) + o.Error }

// MeasureOffset computes a peer's offset from one round trip: sent and
// received are local physical times (from the same Source) around the
// request, peerTime the peer's physical clock reading while handling it.
// The peer's reading is taken as happening halfway through the round trip:
//
//	offset = peerTime - (sent+received)/2,  error = (received-sent)/2
func MeasureOffset(sent, peerTime, received int64) (Offset, error) {
	if received < sent {
		return Offset{}, fmt.Errorf("%w: received at %d before sent at %d", ErrBadSample, received, sent)
	}
	rtt := received - sent
	return Offset{
		Offset: time.Duration(peerTime - (sent + rtt/2)),
		Error:  time.Duration(rtt - rtt/2), // rounded up, so the bound stays sound for odd rtt
	}, nil
}

// OffsetTracker keeps the latest offset sample of each peer and derives
// from them the uncertainty ε and whether this node must fence itself. It
// is pure logic: the caller measures round trips (normally on heartbeats)
// and calls Record; time comes only from the configured Source, which must
// be the same Source the node's HLC uses. Safe for concurrent use.
//
// Definitions, with now the Source's time:
//
//   - A sample is fresh while now - (time it was recorded) <= OffsetWindow.
//     A known peer with no fresh sample is silent.
//   - A peer vouches for this node if its sample is fresh and provably
//     within the bound: |Offset| + Error <= MaxOffset. A silent peer does
//     not vouch, nor does one whose round trip is too slow to prove it.
//   - Members are the known peers (AddPeer or Record, until RemovePeer)
//     plus this node. This node always vouches for itself.
//   - The node is fenced unless the vouching members are a strict majority
//     of the members: vouching > members/2. So a node alone is never fenced;
//     in a three-node cluster one vouching peer suffices; in a two-node
//     cluster the one peer must vouch. A node whose peers are all silent
//     (partitioned, or just started) is fenced until samples arrive.
//   - ε is MaxOffset while fenced. Otherwise it is the largest Max() over
//     fresh samples, capped at MaxOffset, and 0 when there are none (a
//     single-node cluster: nothing to be uncertain against).
type OffsetTracker struct {
	src       Source
	maxOffset time.Duration
	window    time.Duration

	mu sync.Mutex
	// peers maps a known peer to its latest sample; ok is false until the
	// first sample arrives.
	peers map[string]sample
}

type sample struct {
	Offset
	ok bool
	at int64 // Source time when recorded
}

// NewOffsetTracker returns a tracker configured by cfg (Source, MaxOffset,
// OffsetWindow) with no known peers.
func NewOffsetTracker(cfg Config) (*OffsetTracker, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &OffsetTracker{
		src:       cfg.Source,
		maxOffset: cfg.MaxOffset,
		window:    cfg.OffsetWindow,
		peers:     map[string]sample{},
	}, nil
}

// AddPeer makes peer a member, silent until its first sample. Adding a
// known peer keeps its sample.
func (t *OffsetTracker) AddPeer(peer string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.peers[peer]; !ok {
		t.peers[peer] = sample{}
	}
}

// RemovePeer forgets peer: it no longer counts as a member.
func (t *OffsetTracker) RemovePeer(peer string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.peers, peer)
}

// Record measures peer's offset from a round trip (see MeasureOffset),
// replaces its previous sample and makes it a member if it was not. It
// returns the measurement.
func (t *OffsetTracker) Record(peer string, sent, peerTime, received int64) (Offset, error) {
	o, err := MeasureOffset(sent, peerTime, received)
	if err != nil {
		return Offset{}, fmt.Errorf("clock: offset sample from %s: %w", peer, err)
	}
	now := t.src.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.peers[peer] = sample{Offset: o, ok: true, at: now}
	return o, nil
}

// PeerOffset returns peer's latest sample and whether it is fresh.
func (t *OffsetTracker) PeerOffset(peer string) (o Offset, fresh bool) {
	now := t.src.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.peers[peer]
	return s.Offset, t.freshLocked(s, now)
}

// TrackerStatus is a snapshot of an OffsetTracker's verdict.
type TrackerStatus struct {
	Members  int // known peers plus this node
	Fresh    int // peers with a fresh sample
	Vouching int // this node plus the peers that vouch for it
	Epsilon  time.Duration
	Fenced   bool
}

// Status evaluates the samples at the Source's current time.
func (t *OffsetTracker) Status() TrackerStatus {
	now := t.src.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	st := TrackerStatus{Members: len(t.peers) + 1, Vouching: 1}
	var eps time.Duration
	for _, s := range t.peers {
		if !t.freshLocked(s, now) {
			continue
		}
		st.Fresh++
		m := s.Max()
		if m <= t.maxOffset {
			st.Vouching++
		}
		eps = max(eps, m)
	}
	st.Fenced = st.Vouching <= st.Members/2
	if st.Fenced {
		eps = t.maxOffset
	}
	st.Epsilon = min(eps, t.maxOffset)
	return st
}

// Epsilon returns the current ε (see OffsetTracker). It implements
// Uncertainty.
func (t *OffsetTracker) Epsilon() time.Duration { return t.Status().Epsilon }

// Verify returns nil if the node may serve, or a *FencedError matching
// ErrFenced if it must fence itself.
func (t *OffsetTracker) Verify() error {
	if st := t.Status(); st.Fenced {
		return &FencedError{Status: st, MaxOffset: t.maxOffset}
	}
	return nil
}

func (t *OffsetTracker) freshLocked(s sample, now int64) bool {
	return s.ok && now-s.at <= int64(t.window)
}

// FencedError is returned by OffsetTracker.Verify when too few peers vouch
// for this node's clock.
type FencedError struct {
	Status    TrackerStatus
	MaxOffset time.Duration
}

func (e *FencedError) Error() string {
	return fmt.Sprintf("clock: node fenced: %d of %d members (%d peers fresh) vouch for a clock within %s; a strict majority is needed",
		e.Status.Vouching, e.Status.Members, e.Status.Fresh, e.MaxOffset)
}

// Is makes errors.Is(err, ErrFenced) true.
func (e *FencedError) Is(target error) bool { return target == ErrFenced }

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
