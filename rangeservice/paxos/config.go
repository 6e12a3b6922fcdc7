package paxos

import (
	"errors"
	"fmt"
	"math/rand"
)

// Config configures a Replica. Times are in ticks: the caller decides how
// long a tick is and calls Tick at that rate; the core never reads a clock.
type Config struct {
	// ID is this replica's id, non-zero.
	ID ReplicaID
	// Members is the initial configuration of a new group. It is the
	// configuration at index 0 when Snapshot is nil, so a replica restarted
	// without a snapshot must be given it again. A replica joining an
	// existing group leaves it empty and learns the configuration from the
	// leader.
	Members []ReplicaID

	// ElectionTicks is the base election timeout; a follower campaigns after
	// a randomized timeout in [ElectionTicks, 2*ElectionTicks) without
	// hearing from a leader. It is also how long an acceptor refuses other
	// candidates after hearing from a leader, which is what the lease rests
	// on. Default 10.
	ElectionTicks int
	// HeartbeatTicks is the leader's heartbeat interval. Default 1; must be
	// below ElectionTicks.
	HeartbeatTicks int
	// LeaseMarginTicks is the clock bound: how many ticks the leader's
	// tick count may run behind any acceptor's over one election timeout
	// (rate drift plus rounding). The lease ends that long before the
	// earliest moment an acceptor could promise another candidate. Default
	// 1; must be below ElectionTicks.
	LeaseMarginTicks int
	// MaxInflight bounds the accepted-but-unacknowledged entries per
	// follower (flow control). Default 256.
	MaxInflight int
	// MaxEntriesPerMsg bounds the entries in one accept. Default 64.
	MaxEntriesPerMsg int
	// ForwardProposals makes a follower that knows the leader forward
	// proposals to it instead of refusing them with *NotLeaderError.
	ForwardProposals bool
	// Rand supplies the election timeout jitter. Required: pass a seeded
	// source so a run can be replayed.
	Rand *rand.Rand
	// Logf, if set, receives trace events (role changes, elections).
	Logf func(format string, args ...any)

	// Restart state: what the caller persisted from earlier Readys.
	HardState HardState
	Snapshot  *Snapshot
	Entries   []Entry
	// Applied is the index up to which the caller's state machine already
	// holds the log (at least Snapshot.Index); committed entries above it
	// are handed out again.
	Applied uint64
}

func (c *Config) validate() error {
	if c.ID == None {
		return errors.New("paxos: Config.ID must be non-zero")
	}
	if c.Rand == nil {
		return errors.New("paxos: Config.Rand is required (seeded for replay)")
	}
	if c.ElectionTicks == 0 {
		c.ElectionTicks = 10
	}
	if c.HeartbeatTicks == 0 {
		c.HeartbeatTicks = 1
	}
	if c.LeaseMarginTicks == 0 {
		c.LeaseMarginTicks = 1
	}
	if c.MaxInflight == 0 {
		c.MaxInflight = 256
	}
	if c.MaxEntriesPerMsg == 0 {
		c.MaxEntriesPerMsg = 64
	}
	switch {
	case c.HeartbeatTicks >= c.ElectionTicks:
		return fmt.Errorf("paxos: HeartbeatTicks %d must be below ElectionTicks %d", c.HeartbeatTicks, c.ElectionTicks)
	case c.LeaseMarginTicks >= c.ElectionTicks:
		return fmt.Errorf("paxos: LeaseMarginTicks %d must be below ElectionTicks %d", c.LeaseMarginTicks, c.ElectionTicks)
	case c.MaxInflight < 1 || c.MaxEntriesPerMsg < 1:
		return errors.New("paxos: MaxInflight and MaxEntriesPerMsg must be positive")
	}
	if c.Snapshot != nil && c.Applied < c.Snapshot.Index {
		return fmt.Errorf("paxos: Applied %d below snapshot index %d", c.Applied, c.Snapshot.Index)
	}
	if c.Applied > c.HardState.Commit {
		return fmt.Errorf("paxos: Applied %d above commit %d", c.Applied, c.HardState.Commit)
	}
	return nil
}
