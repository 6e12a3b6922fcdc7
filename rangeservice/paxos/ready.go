package paxos

import "fmt"

// Ready is what the replica needs its caller to do. See doc.go for the
// order. The caller owns the slices; the replica keeps no reference.
type Ready struct {
	// SoftState is set when the role or the known leader changed.
	SoftState *SoftState
	// HardState is set (non-nil) when it changed; persist it.
	HardState *HardState
	// Entries are slot writes to persist: each overwrites its slot.
	Entries []Entry
	// Snapshot, when set, must be persisted (replacing the log at or below
	// its index) and installed in the state machine before applying
	// CommittedEntries.
	Snapshot *Snapshot
	// CommittedEntries are to be applied in order. Entries whose Origin is
	// this replica report the fate of its proposals (by ProposalID).
	CommittedEntries []Entry
	// Messages are to be sent after the above is durable.
	Messages []Message
	// ReadStates release reads: serve each once Index is applied.
	ReadStates []ReadState
	// DroppedProposals lists ids of proposals this replica made as leader
	// whose slot committed with another value: they will never commit
	// (the caller may retry them).
	DroppedProposals []uint64
}

func (r *Replica) softState() SoftState { return SoftState{State: r.state, Leader: r.leader} }

func (r *Replica) hardState() HardState { return HardState{Promised: r.promised, Commit: r.commit} }

// HasReady reports whether Ready would return anything.
func (r *Replica) HasReady() bool {
	return r.softState() != r.prevSoft || r.hardState() != r.prevHard || len(r.log.pending) > 0 ||
		r.snapToInstall != nil || r.handed < r.commit || len(r.msgs) > 0 ||
		len(r.readStates) > 0 || len(r.dropped) > 0
}

// Ready hands the caller everything accumulated since the last Ready. The
// caller must process it fully (doc.go) and then call Advance.
func (r *Replica) Ready() Ready {
	var rd Ready
	if ss := r.softState(); ss != r.prevSoft {
		rd.SoftState, r.prevSoft = &ss, ss
	}
	if hs := r.hardState(); hs != r.prevHard {
		rd.HardState, r.prevHard = &hs, hs
	}
	rd.Entries, r.log.pending = r.log.pending, nil
	rd.Snapshot, r.snapToInstall = r.snapToInstall, nil
	for i := r.handed + 1; i <= r.commit; i++ {
		e := r.log.get(i)
		if e == nil {
			panic(fmt.Sprintf("paxos: %d: committed slot %d missing (commit %d)", r.id, i, r.commit))
		}
		if pid, ok := r.pending[i]; ok {
			delete(r.pending, i)
			if e.Origin != r.id || e.ProposalID != pid {
				r.dropped = append(r.dropped, pid)
			}
		}
		rd.CommittedEntries = append(rd.CommittedEntries, *e)
	}
	r.handed = max(r.handed, r.commit)
	rd.Messages, r.msgs = r.msgs, nil
	rd.ReadStates, r.readStates = r.readStates, nil
	rd.DroppedProposals, r.dropped = r.dropped, nil
	return rd
}

// Advance acknowledges that the last Ready was fully processed: its
// committed entries (and snapshot) are applied.
func (r *Replica) Advance() {
	r.applied = r.handed
}

// Compact tells the replica that the caller holds a snapshot of the state
// machine at index (at or below the applied index) with the given data, so
// slots at or below index can be dropped. Followers whose next slot was
// dropped are sent this snapshot. The caller persists the snapshot itself
// before calling Compact.
func (r *Replica) Compact(index uint64, data []byte) error {
	if index <= r.log.snap.Index {
		return ErrCompacted
	}
	if index > r.applied {
		return fmt.Errorf("paxos: compact at %d above applied %d", index, r.applied)
	}
	r.log.compact(Snapshot{Index: index, Members: r.log.membersAt(index), Data: data})
	return nil
}

// Snapshot returns the replica's latest snapshot (from Compact or from the
// leader) for the caller to persist alongside Compact.
func (r *Replica) Snapshot() Snapshot { return r.log.snap }
