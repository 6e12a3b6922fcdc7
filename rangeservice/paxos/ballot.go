package paxos

import "fmt"

// ReplicaID names a replica of a range. Zero means "none".
type ReplicaID uint64

// None is the zero ReplicaID: no replica, no known leader.
const None ReplicaID = 0

// Ballot is the generation clock of a Paxos group: every prepare phase runs
// at a fresh ballot, and acceptors refuse anything below the highest ballot
// they promised. A ballot is unique to the replica that created it (Replica
// breaks ties between equal rounds), so two leaders can never share one.
//
// Ballots are ordered by Round, then Replica. The zero Ballot is below every
// ballot a replica can create.
type Ballot struct {
	Round   uint64
	Replica ReplicaID
}

// Less reports whether b orders before o.
func (b Ballot) Less(o Ballot) bool {
	if b.Round != o.Round {
		return b.Round < o.Round
	}
	return b.Replica < o.Replica
}

// IsZero reports whether b is the zero ballot.
func (b Ballot) IsZero() bool { return b == Ballot{} }

// Next returns the smallest ballot owned by id that is above b.
func (b Ballot) Next(id ReplicaID) Ballot {
	return Ballot{Round: b.Round + 1, Replica: id}
}

func (b Ballot) String() string { return fmt.Sprintf("%d.%d", b.Round, b.Replica) }
