package paxos

import (
	"fmt"
	"slices"
)

// Membership changes.
//
// One replica is added or removed at a time, so any majority of the old
// configuration intersects any majority of the new one. A configuration
// takes effect as soon as its entry is appended to a replica's log
// (committed or not), as in Raft's single-server changes: the leader uses
// the new configuration for the very accept that carries it, so the entry
// commits under the configuration it creates. The leader refuses a change
// while an earlier one is uncommitted and until its own prepare phase has
// committed; together these keep every pair of configurations that can be
// in use at once (the last committed one and at most one appended after
// it) one change apart.
//
// The prepare phase is where append-time configurations need care: a
// candidate may learn, from the promises, of configuration entries above
// its commit index that it did not have. Any of them may have been used to
// choose values, so the candidate only wins once its promises include a
// majority of every configuration in the merged log above its commit
// index as well as of the one at its commit index (see tryWin).
//
// Removing the leader: the leader keeps leading the configuration that
// excludes it (not counting itself toward quorums) until the removal
// commits, then steps down; the remaining replicas elect a new leader after
// an election timeout. A replica that is not in its own configuration never
// campaigns, and others refuse its pre-votes. Replacing a dead replica is
// two changes: add the new replica, then remove the dead one (or the other
// way round when the group has spare replicas).

// ProposeConfChange proposes adding or removing cc.Replica. Only the leader
// accepts it; Members is filled in here.
func (r *Replica) ProposeConfChange(cc ConfChange) error {
	if r.state != StateLeader {
		return &NotLeaderError{Leader: r.leader}
	}
	if r.commit < r.lead.electedIndex || r.log.lastConfIndex() > r.commit {
		return ErrConfChangePending
	}
	members := slices.Clone(r.log.members())
	has := slices.Contains(members, cc.Replica)
	switch {
	case cc.Replica == None:
		return fmt.Errorf("paxos: conf change names no replica")
	case cc.Type == AddReplica && has:
		return fmt.Errorf("paxos: %d is already a member", cc.Replica)
	case cc.Type == RemoveReplica && !has:
		return fmt.Errorf("paxos: %d is not a member", cc.Replica)
	case cc.Type == RemoveReplica && len(members) == 1:
		return fmt.Errorf("paxos: cannot remove the last member")
	case !slices.Contains(members, r.id):
		return ErrProposalDropped
	}
	if cc.Type == AddReplica {
		members = append(members, cc.Replica)
		slices.Sort(members)
	} else {
		members = slices.DeleteFunc(members, func(id ReplicaID) bool { return id == cc.Replica })
	}
	cc.Members = members
	r.appendEntry(Entry{Type: EntryConfChange, Origin: r.id, Change: &cc})
	return nil
}
