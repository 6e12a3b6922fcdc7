package paxos

import "slices"

// election is the state of a pre-candidate or candidate.
type election struct {
	// preVotes and promises hold the answers per replica; a nil Message
	// pointer is never stored.
	preVotes map[ReplicaID]bool
	promises map[ReplicaID]*Message
	rejects  map[ReplicaID]bool
	// prepared lists the replicas a prepare was sent to.
	prepared map[ReplicaID]bool
}

func (r *Replica) isMember() bool { return slices.Contains(r.log.members(), r.id) }

func (r *Replica) tickElection() {
	r.electionElapsed++
	if r.electionElapsed >= r.randomizedElectionTimeout {
		r.resetElectionTimer()
		if r.isMember() {
			r.Campaign()
		}
	}
}

// Campaign starts an election now: a pre-vote round, then, if a majority
// would promise, the prepare phase at a fresh ballot. Tick calls it when
// the election timeout passes; tests call it directly.
func (r *Replica) Campaign() {
	if r.state == StateLeader || !r.isMember() {
		return
	}
	r.state = StatePreCandidate
	r.leader = None
	r.lead = nil
	r.ballot = maxBallot(r.promised, r.maxSeen).Next(r.id)
	r.election = &election{preVotes: map[ReplicaID]bool{r.id: true}, rejects: map[ReplicaID]bool{}}
	r.logf("became pre-candidate for %s", r.ballot)
	for _, id := range r.log.members() {
		if id != r.id {
			r.send(Message{Type: MsgPreVote, To: id, Ballot: r.ballot, Index: r.commit})
		}
	}
	r.checkPreVotes()
}

func maxBallot(a, b Ballot) Ballot {
	if a.Less(b) {
		return b
	}
	return a
}

// handlePreVote answers whether we would promise m.Ballot now. Nothing
// changes state: a replica cut off from the group can keep asking without
// raising anyone's ballot and so without deposing a healthy leader.
func (r *Replica) handlePreVote(m Message) {
	members := r.log.members()
	grant := r.promised.Less(m.Ballot) && // a prepare at m.Ballot would succeed
		!r.recentLeaderContact() && // we heard from no leader lately
		// The candidate is a member as far as we know; a replica that joined
		// and has not learned any configuration yet cannot tell, and must
		// answer or a group waiting for its vote would be stuck.
		(len(members) == 0 || slices.Contains(members, m.From)) &&
		m.Index >= r.log.snap.Index // and we could answer its prepare
	r.send(Message{Type: MsgPreVoteResp, To: m.From, Ballot: m.Ballot, Reject: !grant, Promised: r.promised})
}

func (r *Replica) handlePreVoteResp(m Message) {
	r.observe(m.Promised)
	if r.state != StatePreCandidate || m.Ballot != r.ballot {
		return
	}
	if m.Reject {
		r.election.rejects[m.From] = true
	} else {
		r.election.preVotes[m.From] = true
	}
	r.checkPreVotes()
}

func (r *Replica) checkPreVotes() {
	members := r.log.members()
	granted, rejected := 0, 0
	for _, id := range members {
		if r.election.preVotes[id] {
			granted++
		} else if r.election.rejects[id] {
			rejected++
		}
	}
	switch {
	case granted >= quorum(members):
		r.startPrepare()
	case rejected >= len(members)-quorum(members)+1:
		r.logf("lost pre-vote for %s", r.ballot)
		r.becomeFollower(None)
	}
}

// startPrepare runs phase 1 for every slot above our commit index at a
// ballot above everything we have seen.
func (r *Replica) startPrepare() {
	r.ballot = maxBallot(r.promised, r.maxSeen).Next(r.id)
	r.state = StateCandidate
	r.promise(r.ballot) // our own promise; persisted before the prepares go out
	r.logf("became candidate at %s", r.ballot)
	r.election = &election{
		promises: map[ReplicaID]*Message{},
		rejects:  map[ReplicaID]bool{},
		prepared: map[ReplicaID]bool{r.id: true},
	}
	self := r.promiseFor(r.commit + 1)
	r.election.promises[r.id] = &self
	r.sendPrepares(r.knownReplicas())
	r.tryWin()
}

func (r *Replica) sendPrepares(ids []ReplicaID) {
	for _, id := range ids {
		if !r.election.prepared[id] {
			r.election.prepared[id] = true
			r.send(Message{Type: MsgPrepare, To: id, Ballot: r.ballot, Index: r.commit + 1})
		}
	}
}

// knownReplicas returns every replica named by a configuration at or
// above our commit index.
func (r *Replica) knownReplicas() []ReplicaID {
	ids := slices.Clone(r.log.membersAt(r.commit))
	for _, i := range r.log.confIdx {
		if i > r.commit {
			ids = append(ids, r.log.get(i).Change.Members...)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// promiseFor builds our promise for slots from `from` on.
func (r *Replica) promiseFor(from uint64) Message {
	return Message{Type: MsgPromise, To: r.id, From: r.id, Ballot: r.promised, Commit: r.commit,
		Entries: r.log.slice(from, r.log.lastIndex())}
}

// handlePrepare is phase 1b.
func (r *Replica) handlePrepare(m Message) {
	r.observe(m.Ballot)
	refuse := m.Ballot.Less(r.promised) ||
		(r.promised.Less(m.Ballot) && r.recentLeaderContact()) ||
		m.Index <= r.log.snap.Index // we compacted slots the candidate lacks
	if refuse {
		r.send(Message{Type: MsgPromise, To: m.From, Ballot: m.Ballot, Reject: true, Promised: r.promised})
		return
	}
	if r.promised.Less(m.Ballot) {
		r.promise(m.Ballot)
		if r.state != StateFollower || r.leader != None {
			r.becomeFollower(None)
		}
	}
	r.electionElapsed = 0 // give the candidate time to finish
	p := r.promiseFor(m.Index)
	p.To = m.From
	r.send(p)
}

func (r *Replica) handlePromise(m Message) {
	r.observe(m.Promised)
	if r.state != StateCandidate || m.Ballot != r.ballot {
		return
	}
	if m.Reject {
		r.election.rejects[m.From] = true
		if r.ballot.Less(m.Promised) {
			r.becomeFollower(None)
			return
		}
		base := r.log.members()
		n := 0
		for _, id := range base {
			if r.election.rejects[id] {
				n++
			}
		}
		if n >= len(base)-quorum(base)+1 {
			r.logf("lost prepare for %s", r.ballot)
			r.becomeFollower(None)
		}
		return
	}
	r.election.promises[m.From] = &m
	r.tryWin()
}

// merged is the outcome of phase 1 over the slots above our commit index.
type merged struct {
	commit  uint64  // highest index some promiser knows chosen
	entries []Entry // slots from our commit+1 to the last any promiser holds, no holes
	// configs are the configuration at our commit index and those of the
	// configuration entries above it, in log order.
	configs [][]ReplicaID
}

// merge combines the promises: a slot some acceptor knows chosen takes
// that value; otherwise the value accepted at the highest ballot; a slot
// nobody accepted gets a no-op.
func (r *Replica) merge() merged {
	from := r.commit + 1
	out := merged{commit: r.commit, configs: [][]ReplicaID{r.log.membersAt(r.commit)}}
	last := r.commit
	for _, p := range r.election.promises {
		out.commit = max(out.commit, p.Commit)
		for _, e := range p.Entries {
			last = max(last, e.Index)
		}
	}
	if last < from {
		return out
	}
	slots := make([]Entry, last-from+1)
	chosen := make([]bool, len(slots))
	for _, p := range r.election.promises {
		for _, e := range p.Entries {
			if e.Index < from {
				continue
			}
			k := e.Index - from
			switch {
			case chosen[k]:
			case e.Index <= p.Commit:
				slots[k], chosen[k] = e, true
			case !slots[k].present() || slots[k].Ballot.Less(e.Ballot):
				slots[k] = e
			}
		}
	}
	for k := range slots {
		if !slots[k].present() {
			slots[k] = Entry{Index: from + uint64(k), Type: EntryNoop}
		}
		slots[k].Ballot = r.ballot
		if slots[k].Type == EntryConfChange {
			out.configs = append(out.configs, slots[k].Change.Members)
		}
	}
	if len(out.configs[0]) == 0 {
		// A replica that joined knows no configuration at its commit index;
		// the configuration entries it learned (each one change from the
		// previous) stand in for it.
		out.configs = out.configs[1:]
	}
	out.entries = slots
	return out
}

// tryWin becomes leader once the promises cover a majority of every
// configuration that may be in force over the merged log: the one at our
// commit index and each configuration entry above it. Configurations take
// effect when appended, so a slot above our commit index could have been
// chosen under any of them.
func (r *Replica) tryWin() {
	mg := r.merge()
	for _, c := range mg.configs {
		r.sendPrepares(c)
	}
	if len(mg.configs) == 0 || !slices.Contains(mg.configs[len(mg.configs)-1], r.id) {
		r.logf("not a member of the merged configuration; abandoning election")
		r.becomeFollower(None)
		return
	}
	for _, c := range mg.configs {
		n := 0
		for _, id := range c {
			if r.election.promises[id] != nil {
				n++
			}
		}
		if n < quorum(c) {
			return
		}
	}
	r.becomeLeader(mg)
}
