package paxos

import (
	"fmt"
	"slices"
)

// EntryType says how the state machine should treat an entry.
type EntryType uint8

const (
	// EntryNormal carries a client command in Data.
	EntryNormal EntryType = iota
	// EntryNoop fills a hole found by a new leader's prepare phase; the
	// state machine skips it.
	EntryNoop
	// EntryConfChange carries a membership change in Change.
	EntryConfChange
)

func (t EntryType) String() string {
	switch t {
	case EntryNormal:
		return "normal"
	case EntryNoop:
		return "noop"
	case EntryConfChange:
		return "conf"
	}
	return fmt.Sprintf("EntryType(%d)", uint8(t))
}

// Entry is the value of one log slot together with the ballot at which this
// replica accepted it.
//
// Origin and ProposalID identify the Propose call that created the entry
// (the hook for a request waiting list); ClientID and Seq identify the
// client request so the state machine can apply a retried request once.
type Entry struct {
	Index  uint64
	Ballot Ballot
	Type   EntryType

	Origin     ReplicaID
	ProposalID uint64
	ClientID   uint64
	Seq        uint64
	Data       []byte

	// Change is set on EntryConfChange entries.
	Change *ConfChange
}

// present reports whether the slot holds an accepted value (holes in a
// log are zero Entries).
func (e *Entry) present() bool { return e.Index != 0 }

// sameValue reports whether e and o carry the same proposal (ignoring the
// ballot at which each was accepted).
func (e *Entry) sameValue(o *Entry) bool {
	return e.Type == o.Type && e.Origin == o.Origin && e.ProposalID == o.ProposalID &&
		e.ClientID == o.ClientID && e.Seq == o.Seq && string(e.Data) == string(o.Data) &&
		e.Change.equal(o.Change)
}

func (e Entry) String() string {
	s := fmt.Sprintf("%d@%s %s", e.Index, e.Ballot, e.Type)
	switch e.Type {
	case EntryNormal:
		s += fmt.Sprintf(" %q", e.Data)
		if e.ClientID != 0 {
			s += fmt.Sprintf(" c%d/%d", e.ClientID, e.Seq)
		}
		if e.ProposalID != 0 {
			s += fmt.Sprintf(" prop=%d/%d", e.Origin, e.ProposalID)
		}
	case EntryConfChange:
		s += " " + e.Change.String()
	}
	return s
}

// ConfChangeType is the kind of a membership change.
type ConfChangeType uint8

const (
	// AddReplica adds a voting replica.
	AddReplica ConfChangeType = iota
	// RemoveReplica removes a voting replica (possibly the leader).
	RemoveReplica
)

// ConfChange is one membership change. Members is the full member list
// after the change, filled in by the leader when it proposes the change, so
// each configuration entry stands on its own.
type ConfChange struct {
	Type    ConfChangeType
	Replica ReplicaID
	Members []ReplicaID
}

func (c *ConfChange) equal(o *ConfChange) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.Type == o.Type && c.Replica == o.Replica && slices.Equal(c.Members, o.Members)
}

func (c *ConfChange) String() string {
	if c == nil {
		return "<nil>"
	}
	op := "add"
	if c.Type == RemoveReplica {
		op = "remove"
	}
	return fmt.Sprintf("%s %d -> %v", op, c.Replica, c.Members)
}

// HardState is the part of a replica's state that must be durable before
// the messages of the same Ready are sent.
type HardState struct {
	// Promised is the highest ballot this acceptor promised (or accepted at).
	Promised Ballot
	// Commit is the highest index known chosen.
	Commit uint64
}

// IsZero reports whether h is the zero HardState.
func (h HardState) IsZero() bool { return h == HardState{} }

// Snapshot is a state machine image covering the log up to Index.
type Snapshot struct {
	Index   uint64
	Members []ReplicaID
	Data    []byte
}

func (s *Snapshot) String() string {
	return fmt.Sprintf("snapshot index=%d members=%v len(data)=%d", s.Index, s.Members, len(s.Data))
}

// ReadState tells the caller that a read request (identified by Ctx) may be
// served once the state machine has applied Index.
type ReadState struct {
	Ctx   uint64
	Index uint64
}

// StateType is a replica's role.
type StateType uint8

const (
	StateFollower StateType = iota
	StatePreCandidate
	StateCandidate
	StateLeader
)

func (s StateType) String() string {
	return [...]string{"follower", "pre-candidate", "candidate", "leader"}[s]
}

// Proposal is a command to append to the log.
type Proposal struct {
	// ID is chosen by the caller, unique among its outstanding proposals;
	// Ready reports it back as committed (in an entry with Origin set to
	// this replica) or dropped.
	ID       uint64
	ClientID uint64
	Seq      uint64
	Data     []byte
}
