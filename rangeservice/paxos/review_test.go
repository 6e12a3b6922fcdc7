package paxos

import (
	"math/rand"
	"testing"
)

// TestSnapshotDropsPendingSlotsBelowIt: slot writes a follower has not yet
// handed out for persistence and that a snapshot then covers must not be
// handed out after it. The caller persists rd.Snapshot (replacing the log
// at or below its index) and then rd.Entries: an entry at or below the
// snapshot's index would be written below it (a durable log such as the
// WAL refuses appends below its low-water mark).
func TestSnapshotDropsPendingSlotsBelowIt(t *testing.T) {
	r, err := New(Config{ID: 2, Members: []ReplicaID{1, 2, 3}, Rand: rand.New(rand.NewSource(1))})
	if err != nil {
		t.Fatal(err)
	}
	b := Ballot{Round: 1, Replica: 1}
	var ents []Entry
	for i := uint64(1); i <= 3; i++ {
		ents = append(ents, Entry{Index: i, Ballot: b, Type: EntryNormal, Data: []byte("x")})
	}
	// Accepts arrive, then (before the caller takes a Ready) a snapshot.
	if err := r.Step(Message{Type: MsgAccept, From: 1, To: 2, Ballot: b, Entries: ents}); err != nil {
		t.Fatal(err)
	}
	snap := &Snapshot{Index: 5, Members: []ReplicaID{1, 2, 3}, Data: []byte("s")}
	if err := r.Step(Message{Type: MsgSnapshot, From: 1, To: 2, Ballot: b, Commit: 5, Snapshot: snap}); err != nil {
		t.Fatal(err)
	}
	rd := r.Ready()
	if rd.Snapshot == nil || rd.Snapshot.Index != 5 {
		t.Fatalf("no snapshot in Ready: %+v", rd)
	}
	for _, e := range rd.Entries {
		if e.Index <= rd.Snapshot.Index {
			t.Fatalf("Ready hands out slot %d to persist below its snapshot at %d", e.Index, rd.Snapshot.Index)
		}
	}
}
