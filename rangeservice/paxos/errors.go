package paxos

import (
	"errors"
	"fmt"
)

var (
	// ErrNotLeader is matched (errors.Is) by every *NotLeaderError.
	ErrNotLeader = errors.New("paxos: not leader")
	// ErrConfChangePending refuses a membership change while another is
	// in flight, or before a new leader has committed its prepare phase.
	ErrConfChangePending = errors.New("paxos: configuration change pending")
	// ErrProposalDropped refuses a proposal that cannot be accepted now
	// (for example the leader is removing itself).
	ErrProposalDropped = errors.New("paxos: proposal dropped")
	// ErrCompacted refuses a compaction at or below the current one.
	ErrCompacted = errors.New("paxos: index already compacted")
)

// NotLeaderError refuses a request made at a replica that is not the
// leader. Leader is a hint: the leader this replica last heard from, or
// None.
type NotLeaderError struct {
	Leader ReplicaID
}

func (e *NotLeaderError) Error() string {
	if e.Leader == None {
		return "paxos: not leader (leader unknown)"
	}
	return fmt.Sprintf("paxos: not leader (try %d)", e.Leader)
}

// Is makes errors.Is(err, ErrNotLeader) true.
func (e *NotLeaderError) Is(target error) bool { return target == ErrNotLeader }
