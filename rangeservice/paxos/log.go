package paxos

import "slices"

// slotLog is an acceptor's log: one slot per index, each holding the value
// accepted there and the ballot it was accepted at. Unlike a Raft log it
// may have holes (accepts arrive out of order) and slots past the
// replica's commit index may hold values of older ballots that a later
// leader will overwrite; slots are overwritten, never truncated.
//
// Slots at or below snap.Index are compacted into the snapshot.
type slotLog struct {
	snap Snapshot
	// ents[i] is slot snap.Index+1+i; holes are zero Entries.
	ents []Entry
	// confIdx lists, in order, the indexes of slots holding configuration
	// changes. Invariant: every element is > snap.Index.
	confIdx []uint64
	// pending are slot writes not yet handed to the caller to persist.
	pending []Entry
}

func (l *slotLog) firstIndex() uint64 { return l.snap.Index + 1 }
func (l *slotLog) lastIndex() uint64  { return l.snap.Index + uint64(len(l.ents)) }

// get returns the entry at index i, or nil for a hole, a compacted index or
// an index past the end.
func (l *slotLog) get(i uint64) *Entry {
	if i <= l.snap.Index || i > l.lastIndex() {
		return nil
	}
	e := &l.ents[i-l.snap.Index-1]
	if !e.present() {
		return nil
	}
	return e
}

// set writes e into slot e.Index (which must be above the snapshot) and
// queues it to be persisted.
func (l *slotLog) set(e Entry) {
	if e.Index <= l.snap.Index {
		panic("paxos: write to compacted slot")
	}
	for l.lastIndex() < e.Index {
		l.ents = append(l.ents, Entry{})
	}
	pos := e.Index - l.snap.Index - 1
	old := l.ents[pos]
	if old.present() && old.Type == EntryConfChange {
		if i, ok := slices.BinarySearch(l.confIdx, e.Index); ok {
			l.confIdx = slices.Delete(l.confIdx, i, i+1)
		}
	}
	if e.Type == EntryConfChange {
		i, _ := slices.BinarySearch(l.confIdx, e.Index)
		l.confIdx = slices.Insert(l.confIdx, i, e.Index)
	}
	l.ents[pos] = e
	l.pending = append(l.pending, e)
}

// restore loads persisted slots without queueing them for persistence.
func (l *slotLog) restore(ents []Entry) {
	for _, e := range ents {
		if e.Index > l.snap.Index {
			l.set(e)
		}
	}
	l.pending = nil
}

// slice returns copies of the present entries in [lo, hi].
func (l *slotLog) slice(lo, hi uint64) []Entry {
	var out []Entry
	for i := max(lo, l.firstIndex()); i <= hi && i <= l.lastIndex(); i++ {
		if e := l.get(i); e != nil {
			out = append(out, *e)
		}
	}
	return out
}

// membersAt returns the configuration in force at index i: the latest
// configuration entry at or below i, else the snapshot's.
func (l *slotLog) membersAt(i uint64) []ReplicaID {
	n, _ := slices.BinarySearch(l.confIdx, i+1)
	if n == 0 {
		return l.snap.Members
	}
	return l.get(l.confIdx[n-1]).Change.Members
}

// members returns the configuration of the latest configuration entry in
// the log, committed or not (configurations take effect when appended).
func (l *slotLog) members() []ReplicaID { return l.membersAt(l.lastIndex()) }

// lastConfIndex returns the index of the latest configuration entry, or 0.
func (l *slotLog) lastConfIndex() uint64 {
	if len(l.confIdx) == 0 {
		return 0
	}
	return l.confIdx[len(l.confIdx)-1]
}

// compact drops slots at or below snap.Index and installs snap.
func (l *slotLog) compact(snap Snapshot) {
	if snap.Index <= l.snap.Index {
		return
	}
	if snap.Index >= l.lastIndex() {
		l.ents = nil
	} else {
		l.ents = slices.Clone(l.ents[snap.Index-l.snap.Index:])
	}
	n, _ := slices.BinarySearch(l.confIdx, snap.Index+1)
	l.confIdx = slices.Clone(l.confIdx[n:])
	// Slot writes not yet handed out that the snapshot covers are not to
	// be persisted: the caller would write them below the snapshot.
	l.pending = slices.DeleteFunc(l.pending, func(e Entry) bool { return e.Index <= snap.Index })
	l.snap = snap
}
