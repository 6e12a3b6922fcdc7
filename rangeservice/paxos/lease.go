package paxos

import "slices"

// The leader's lease.
//
// An acceptor that hears from a leader refuses every other candidate (pre-
// vote and prepare) for ElectionTicks of its own clock; a restarted
// acceptor does the same from boot. A heartbeat carries the leader's tick
// at sending (SentAt), and its acknowledgement echoes it. Once a majority
// of the configuration has acknowledged heartbeats sent at or after tick
// S (the leader counting itself at the current tick), any majority a
// candidate could gather contains an acceptor that will refuse it until
// at least S + ElectionTicks on that acceptor's clock, which is no
// earlier than S + ElectionTicks on the leader's, given equal tick rates.
// The leader therefore holds the lease until S + ElectionTicks -
// LeaseMarginTicks: the margin is the clock bound covering tick-rate drift.
//
// A lease is only useful once the prepare phase has committed
// (commit >= electedIndex): before that, writes another leader
// acknowledged may be missing from the state machine.

// readRequest is a read waiting for its read index to be confirmed.
type readRequest struct {
	ctx   uint64
	index uint64
	// seq is the heartbeat round that must be acknowledged by a majority
	// to confirm we still lead; 0 when the lease covered the request.
	seq uint64
}

// bcastHeartbeat sends a heartbeat round and returns its sequence number.
func (r *Replica) bcastHeartbeat() uint64 {
	r.lead.hbSeq++
	for _, id := range r.peers() {
		r.send(Message{Type: MsgHeartbeat, To: id, Ballot: r.ballot, Commit: r.commit, Seq: r.lead.hbSeq, SentAt: r.now})
	}
	return r.lead.hbSeq
}

// quorumTime returns the largest t such that a majority of the current
// configuration acknowledged f >= t, the leader counting self.
func (r *Replica) quorumValue(f func(*progress) uint64, self uint64) uint64 {
	members := r.log.members()
	vals := make([]uint64, 0, len(members))
	for _, id := range members {
		switch pr := r.lead.progress[id]; {
		case id == r.id:
			vals = append(vals, self)
		case pr != nil:
			vals = append(vals, f(pr))
		default:
			vals = append(vals, 0)
		}
	}
	slices.Sort(vals)
	return vals[len(vals)-quorum(members)]
}

// leaseExpiry returns the tick at which the lease ends (0: no lease ever).
func (r *Replica) leaseExpiry() uint64 {
	if r.state != StateLeader {
		return 0
	}
	s := r.quorumValue(func(pr *progress) uint64 { return pr.ackedSentAt }, r.now+1)
	if s == 0 {
		return 0
	}
	return s - 1 + uint64(r.cfg.ElectionTicks-r.cfg.LeaseMarginTicks)
}

// HasLease reports whether this replica is the leader, holds the lease at
// its current tick and has committed its prepare phase: reads may then be
// served locally at the commit index without a round trip.
func (r *Replica) HasLease() bool {
	return r.state == StateLeader && r.commit >= r.lead.electedIndex && r.now < r.leaseExpiry()
}

// ReadIndex asks for a linearizable read identified by ctx. When it is
// safe, Ready carries a ReadState{ctx, index}: serve the read once the
// state machine has applied index. Under a lease that is the next Ready;
// otherwise a heartbeat round must first confirm that a majority still
// follows us (read-index). A replica that is not leader returns
// *NotLeaderError; reads pending when the leader steps down are dropped.
func (r *Replica) ReadIndex(ctx uint64) error {
	if r.state != StateLeader {
		return &NotLeaderError{Leader: r.leader}
	}
	req := readRequest{ctx: ctx, index: max(r.commit, r.lead.electedIndex)}
	if !r.HasLease() {
		req.seq = r.bcastHeartbeat()
	}
	r.lead.reads = append(r.lead.reads, req)
	r.processReads()
	return nil
}

// processReads releases reads whose leadership is confirmed and whose
// index has committed.
func (r *Replica) processReads() {
	if r.lead == nil || len(r.lead.reads) == 0 {
		return
	}
	acked := r.quorumValue(func(pr *progress) uint64 { return pr.ackedSeq }, r.lead.hbSeq)
	keep := r.lead.reads[:0]
	for _, req := range r.lead.reads {
		if req.seq <= acked && req.index <= r.commit {
			r.readStates = append(r.readStates, ReadState{Ctx: req.ctx, Index: req.index})
		} else {
			keep = append(keep, req)
		}
	}
	r.lead.reads = keep
}
