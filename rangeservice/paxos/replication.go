package paxos

import (
	"slices"
)

// progress is the leader's view of one follower.
type progress struct {
	// match: the follower holds our values for every slot up to match.
	// next: the next slot to send. Invariant: match < next.
	match, next uint64
	// stalled counts heartbeats during which match did not move while
	// accepts were outstanding; at 2 the leader resends from match+1
	// (accepts were lost, or the follower holds old-ballot slots).
	stalled   int
	lastMatch uint64
	// recentActive is set by any response within the current
	// check-quorum period.
	recentActive bool
	// ackedSeq and ackedSentAt are the newest heartbeat this follower
	// acknowledged: its read-index sequence number and the tick we sent it
	// plus one (zero: none acknowledged yet).
	ackedSeq, ackedSentAt uint64
}

// leadership is the state only a leader has.
type leadership struct {
	progress map[ReplicaID]*progress
	// electedIndex is the last slot of the prepare phase: reads and
	// configuration changes wait until it commits.
	electedIndex uint64
	hbSeq        uint64
	reads        []readRequest
}

func (r *Replica) becomeLeader(mg merged) {
	r.state = StateLeader
	r.leader = r.id
	r.election = nil
	for _, e := range mg.entries {
		r.log.set(e)
	}
	r.commit = max(r.commit, mg.commit)
	r.advanceAccepted()
	r.lead = &leadership{progress: map[ReplicaID]*progress{}, electedIndex: r.log.lastIndex()}
	r.leaderContact, r.contactValid = r.now, true
	r.heartbeatElapsed, r.checkQuorumElapsed = 0, 0
	r.syncProgress()
	r.logf("became leader at %s: commit=%d, re-proposed %d slot(s) up to %d",
		r.ballot, r.commit, len(mg.entries), r.lead.electedIndex)
	r.bcastHeartbeat()
	r.bcastAccept()
	r.maybeCommit()
}

// stepDownLeader drops leader-only state. Pending reads are dropped (the
// caller times out); pending proposals stay: a later leader may still
// commit them.
func (r *Replica) stepDownLeader() {
	r.logf("stepped down from %s", r.ballot)
	r.lead = nil
}

// syncProgress makes the progress map match the current configuration.
func (r *Replica) syncProgress() {
	members := r.log.members()
	for id := range r.lead.progress {
		if !slices.Contains(members, id) {
			delete(r.lead.progress, id)
		}
	}
	for _, id := range members {
		if id != r.id && r.lead.progress[id] == nil {
			r.lead.progress[id] = &progress{next: r.commit + 1}
		}
	}
}

func (r *Replica) tickLeader() {
	r.leaderContact = r.now
	r.heartbeatElapsed++
	r.checkQuorumElapsed++
	if r.checkQuorumElapsed >= r.cfg.ElectionTicks {
		r.checkQuorumElapsed = 0
		if !r.quorumActive() {
			r.logf("no quorum heard within an election timeout")
			r.becomeFollower(None)
			return
		}
	}
	if r.heartbeatElapsed >= r.cfg.HeartbeatTicks {
		r.heartbeatElapsed = 0
		for _, id := range r.peers() {
			pr := r.lead.progress[id]
			if pr.next > pr.match+1 && pr.match == pr.lastMatch {
				pr.stalled++
				if pr.stalled >= 2 {
					pr.next, pr.stalled = pr.match+1, 0
				}
			} else {
				pr.stalled = 0
			}
			pr.lastMatch = pr.match
		}
		r.bcastHeartbeat()
		r.bcastAccept()
	}
}

func (r *Replica) quorumActive() bool {
	members := r.log.members()
	n := 0
	for _, id := range members {
		if id == r.id {
			n++
		} else if pr := r.lead.progress[id]; pr != nil && pr.recentActive {
			n++
		}
	}
	for _, pr := range r.lead.progress {
		pr.recentActive = false
	}
	return n >= quorum(members)
}

// appendEntry places e in the next slot at our ballot and starts its
// accept phase (pipelined: no waiting for earlier slots).
func (r *Replica) appendEntry(e Entry) uint64 {
	e.Index = r.log.lastIndex() + 1
	e.Ballot = r.ballot
	r.log.set(e)
	r.advanceAccepted()
	if e.Type == EntryConfChange {
		r.syncProgress()
	}
	r.bcastAccept()
	r.maybeCommit()
	return e.Index
}

// peers returns the ids of the followers the leader tracks, sorted so
// that output order is deterministic.
func (r *Replica) peers() []ReplicaID {
	ids := make([]ReplicaID, 0, len(r.lead.progress))
	for id := range r.lead.progress {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (r *Replica) bcastAccept() {
	for _, id := range r.peers() {
		r.sendAccept(id)
	}
}

// sendAccept sends the follower the slots it lacks, within the flow
// control window, or our snapshot if those slots are compacted.
func (r *Replica) sendAccept(to ReplicaID) {
	pr := r.lead.progress[to]
	if pr.next < r.log.firstIndex() {
		snap := r.log.snap
		r.send(Message{Type: MsgSnapshot, To: to, Ballot: r.ballot, Commit: r.commit, Snapshot: &snap})
		pr.next = snap.Index + 1
		return
	}
	last := r.log.lastIndex()
	for pr.next <= last && pr.next-pr.match-1 < uint64(r.cfg.MaxInflight) {
		hi := min(last, pr.next+uint64(r.cfg.MaxEntriesPerMsg)-1, pr.match+uint64(r.cfg.MaxInflight))
		ents := r.log.slice(pr.next, hi)
		for i := range ents {
			ents[i].Ballot = r.ballot // chosen slots keep their value under our ballot
		}
		r.send(Message{Type: MsgAccept, To: to, Ballot: r.ballot, Commit: r.commit, Entries: ents})
		pr.next = hi + 1
	}
}

// handleFromLeader handles accepts, heartbeats and snapshots: anything a
// leader sends its followers.
func (r *Replica) handleFromLeader(m Message) {
	r.observe(m.Ballot)
	if m.Ballot.Less(r.promised) {
		resp := MsgAcceptResp
		if m.Type == MsgHeartbeat {
			resp = MsgHeartbeatResp
		}
		r.send(Message{Type: resp, To: m.From, Ballot: m.Ballot, Reject: true, Promised: r.promised})
		return
	}
	if m.Ballot == r.ballot && r.state == StateLeader {
		return // cannot happen: ballots are unique to their creator
	}
	r.promise(m.Ballot)
	if r.state != StateFollower || r.leader != m.From {
		r.becomeFollower(m.From)
	}
	r.electionElapsed = 0
	r.leaderContact, r.contactValid = r.now, true

	switch m.Type {
	case MsgSnapshot:
		r.installSnapshot(m.Snapshot)
	case MsgAccept:
		for _, e := range m.Entries {
			if e.Index > r.commit && e.Index > r.log.snap.Index {
				r.log.set(e)
			}
		}
	}
	r.advanceAccepted()
	// Every slot up to acceptedTo holds the leader's value (or is known
	// chosen), and the leader says slots up to m.Commit are chosen.
	if c := min(m.Commit, r.acceptedTo); c > r.commit {
		r.commit = c
	}
	r.advanceAccepted()
	if m.Type == MsgHeartbeat {
		r.send(Message{Type: MsgHeartbeatResp, To: m.From, Ballot: m.Ballot, Index: r.acceptedTo, Seq: m.Seq, SentAt: m.SentAt})
	} else {
		r.send(Message{Type: MsgAcceptResp, To: m.From, Ballot: m.Ballot, Index: r.acceptedTo})
	}
}

// installSnapshot replaces the log prefix up to s.Index by s.
func (r *Replica) installSnapshot(s *Snapshot) {
	if s == nil || s.Index <= r.commit {
		return
	}
	r.logf("installing %s", s)
	r.log.compact(*s)
	r.commit = s.Index
	r.handed = max(r.handed, s.Index)
	r.snapToInstall = s
	for idx := range r.pending {
		if idx <= s.Index {
			delete(r.pending, idx) // outcome unknown: the caller times out
		}
	}
}

// advanceAccepted recomputes acceptedTo for the current promise.
func (r *Replica) advanceAccepted() {
	if r.acceptedBallot != r.promised || r.acceptedTo < r.commit {
		r.acceptedBallot, r.acceptedTo = r.promised, r.commit
	}
	for {
		e := r.log.get(r.acceptedTo + 1)
		if e == nil || e.Ballot != r.promised {
			return
		}
		r.acceptedTo++
	}
}

func (r *Replica) handleAcceptResp(m Message) {
	r.observe(m.Promised)
	if m.Reject {
		if r.state == StateLeader && r.ballot.Less(m.Promised) {
			r.logf("%d promised %s", m.From, m.Promised)
			r.becomeFollower(None)
		}
		return
	}
	if r.state != StateLeader || m.Ballot != r.ballot {
		return
	}
	pr := r.lead.progress[m.From]
	if pr == nil {
		return
	}
	pr.recentActive = true
	if m.Index > pr.match {
		pr.match = m.Index
		pr.next = max(pr.next, pr.match+1)
		r.maybeCommit()
		if r.state != StateLeader {
			return
		}
	}
	if m.Type == MsgHeartbeatResp {
		pr.ackedSeq = max(pr.ackedSeq, m.Seq)
		pr.ackedSentAt = max(pr.ackedSentAt, m.SentAt+1)
		r.processReads()
	}
	if pr.next <= r.log.lastIndex() {
		r.sendAccept(m.From)
	}
}

// maybeCommit raises the commit index to the highest slot a majority of
// the current configuration holds at our ballot. Every slot above the
// commit index in a leader's log is at its ballot, so a majority match
// means chosen.
func (r *Replica) maybeCommit() {
	members := r.log.members()
	matches := make([]uint64, 0, len(members))
	for _, id := range members {
		if id == r.id {
			matches = append(matches, r.log.lastIndex())
		} else if pr := r.lead.progress[id]; pr != nil {
			matches = append(matches, pr.match)
		} else {
			matches = append(matches, 0)
		}
	}
	slices.Sort(matches)
	c := matches[len(matches)-quorum(members)]
	if c <= r.commit {
		return
	}
	r.commit = c
	r.advanceAccepted()
	r.processReads()
	if !slices.Contains(members, r.id) && r.commit >= r.log.lastConfIndex() {
		r.logf("removal committed at %d; stepping down", r.log.lastConfIndex())
		// Tell followers the commit index before leaving.
		r.bcastHeartbeat()
		r.becomeFollower(None)
	}
}
