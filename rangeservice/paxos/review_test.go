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

// TestFollowerDoesNotCommitOldBallotSlot: a follower holding a slot at an
// older ballot than the leader's must not commit it when the leader says
// it is committed: the chosen value may differ.
func TestFollowerDoesNotCommitOldBallotSlot(t *testing.T) {
	r, err := New(Config{ID: 2, Members: []ReplicaID{1, 2, 3}, Rand: rand.New(rand.NewSource(1))})
	if err != nil {
		t.Fatal(err)
	}
	b1, b2 := Ballot{Round: 1, Replica: 1}, Ballot{Round: 2, Replica: 3}
	old := Entry{Index: 1, Ballot: b1, Type: EntryNormal, Data: []byte("old")}
	if err := r.Step(Message{Type: MsgAccept, From: 1, To: 2, Ballot: b1, Entries: []Entry{old}}); err != nil {
		t.Fatal(err)
	}
	r.Ready()
	r.Advance()
	for _, typ := range []MessageType{MsgHeartbeat, MsgAccept} {
		if err := r.Step(Message{Type: typ, From: 3, To: 2, Ballot: b2, Commit: 1}); err != nil {
			t.Fatal(err)
		}
		rd := r.Ready()
		if len(rd.CommittedEntries) != 0 || r.Status().Commit != 0 {
			t.Fatalf("%s at %s with commit 1 committed the slot held at %s: %+v", typ, b2, b1, rd.CommittedEntries)
		}
		r.Advance()
	}
	// Once the leader's value arrives, the slot commits with it.
	nv := Entry{Index: 1, Ballot: b2, Type: EntryNormal, Data: []byte("new")}
	if err := r.Step(Message{Type: MsgAccept, From: 3, To: 2, Ballot: b2, Commit: 1, Entries: []Entry{nv}}); err != nil {
		t.Fatal(err)
	}
	if rd := r.Ready(); len(rd.CommittedEntries) != 1 || string(rd.CommittedEntries[0].Data) != "new" {
		t.Fatalf("committed %+v", rd.CommittedEntries)
	}
}

// TestPrepareAdoptsSlotsBeyondOwnLog: the new leader adopts the highest-
// ballot value of every slot above its commit index, including slots only
// one promiser holds and slots past the end of its own log (with a hole
// filled by a no-op).
func TestPrepareAdoptsSlotsBeyondOwnLog(t *testing.T) {
	rs := map[ReplicaID]*Replica{}
	for id := ReplicaID(1); id <= 3; id++ {
		r, err := New(Config{ID: id, Members: []ReplicaID{1, 2, 3}, Rand: rand.New(rand.NewSource(int64(id)))})
		if err != nil {
			t.Fatal(err)
		}
		rs[id] = r
	}
	b1 := Ballot{Round: 1, Replica: 1}
	// An old leader at b1 left slots 1 and 3 at replica 3 only and slot 2
	// at replica 1 only; the candidate, 2, holds nothing.
	rs[3].log.set(Entry{Index: 1, Ballot: b1, Data: []byte("a")})
	rs[3].log.set(Entry{Index: 3, Ballot: b1, Data: []byte("c")})
	rs[3].promised = b1
	rs[1].log.set(Entry{Index: 2, Ballot: b1, Data: []byte("b")})
	rs[1].promised = b1
	// 2 campaigns; partition so that only 2 and 3 answer, then only 2 and 1.
	deliver := func(allow func(Message) bool) {
		for i := 0; i < 50; i++ {
			var msgs []Message
			for id := ReplicaID(1); id <= 3; id++ {
				if rs[id].HasReady() {
					rd := rs[id].Ready()
					msgs = append(msgs, rd.Messages...)
					rs[id].Advance()
				}
			}
			if len(msgs) == 0 {
				return
			}
			for _, m := range msgs {
				if allow(m) {
					rs[m.To].Step(m)
				}
			}
		}
	}
	rs[2].Campaign()
	deliver(func(m Message) bool { return m.From != 1 && m.To != 1 })
	if st := rs[2].Status(); st.State != StateLeader {
		t.Fatalf("2 is %s", st.State)
	}
	want := map[uint64]string{1: "a", 2: "", 3: "c"}
	for i, d := range want {
		e := rs[2].log.get(i)
		if e == nil || string(e.Data) != d || (d == "" && e.Type != EntryNoop) {
			t.Fatalf("slot %d of the new leader: %+v, want %q", i, e, d)
		}
	}
}
