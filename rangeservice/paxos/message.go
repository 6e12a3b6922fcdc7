package paxos

import (
	"fmt"
	"strings"
)

// MessageType is the kind of a Message.
type MessageType uint8

const (
	// MsgPreVote asks whether the recipient would promise Ballot; nothing
	// changes state. Index carries the sender's commit index.
	MsgPreVote MessageType = iota
	MsgPreVoteResp
	// MsgPrepare is phase 1a for every slot from Index on.
	MsgPrepare
	// MsgPromise is phase 1b: Entries holds every accepted slot from the
	// prepare's Index, Commit the acceptor's commit index (entries at or
	// below it are known chosen).
	MsgPromise
	// MsgAccept is phase 2a for Entries, all at Ballot; Commit is the
	// leader's commit index.
	MsgAccept
	// MsgAcceptResp acknowledges an accept: Index is the highest index up
	// to which the acceptor holds the leader's values (its match).
	MsgAcceptResp
	// MsgHeartbeat carries the leader's commit index, a sequence number
	// (Seq, for read-index rounds) and the leader's tick at sending (SentAt,
	// for the lease).
	MsgHeartbeat
	MsgHeartbeatResp
	// MsgSnapshot installs Snapshot at a replica behind the leader's log.
	MsgSnapshot
	// MsgProp forwards proposals from a follower to the leader.
	MsgProp
)

var msgNames = [...]string{"PreVote", "PreVoteResp", "Prepare", "Promise", "Accept",
	"AcceptResp", "Heartbeat", "HeartbeatResp", "Snapshot", "Prop"}

func (t MessageType) String() string {
	if int(t) < len(msgNames) {
		return msgNames[t]
	}
	return fmt.Sprintf("MessageType(%d)", uint8(t))
}

// Message is what replicas exchange. Fields not listed for a type are zero.
type Message struct {
	Type     MessageType
	From, To ReplicaID
	Ballot   Ballot
	Index    uint64
	Commit   uint64
	Entries  []Entry
	Reject   bool
	// Promised is the responder's promise, sent with refusals so the
	// sender learns a higher ballot.
	Promised Ballot
	Seq      uint64
	SentAt   uint64
	Snapshot *Snapshot
}

func (m Message) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d->%d %s b=%s", m.From, m.To, m.Type, m.Ballot)
	switch m.Type {
	case MsgPreVote, MsgPrepare:
		fmt.Fprintf(&b, " index=%d", m.Index)
	case MsgAccept:
		fmt.Fprintf(&b, " commit=%d", m.Commit)
	case MsgAcceptResp:
		fmt.Fprintf(&b, " match=%d", m.Index)
	case MsgPromise:
		fmt.Fprintf(&b, " commit=%d", m.Commit)
	case MsgHeartbeat:
		fmt.Fprintf(&b, " commit=%d seq=%d", m.Commit, m.Seq)
	case MsgHeartbeatResp:
		fmt.Fprintf(&b, " match=%d seq=%d", m.Index, m.Seq)
	}
	if m.Reject {
		b.WriteString(" REJECT")
	}
	if len(m.Entries) > 0 {
		b.WriteString(" [")
		for i, e := range m.Entries {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(e.String())
		}
		b.WriteString("]")
	}
	if m.Snapshot != nil {
		b.WriteString(" " + m.Snapshot.String())
	}
	return b.String()
}
