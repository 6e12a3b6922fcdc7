package paxos

import (
	"errors"
	"math/rand"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	if _, err := New(Config{ID: 1}); err == nil {
		t.Fatal("missing Rand accepted")
	}
	if _, err := New(Config{Rand: rand.New(rand.NewSource(1))}); err == nil {
		t.Fatal("zero ID accepted")
	}
	if _, err := New(Config{ID: 1, Rand: rand.New(rand.NewSource(1)), ElectionTicks: 2, HeartbeatTicks: 2}); err == nil {
		t.Fatal("heartbeat >= election accepted")
	}
	r, err := New(Config{ID: 1, Members: []ReplicaID{1, 2, 3}, Rand: rand.New(rand.NewSource(1))})
	if err != nil {
		t.Fatal(err)
	}
	if r.cfg.ElectionTicks != 10 || r.cfg.HeartbeatTicks != 1 || r.cfg.LeaseMarginTicks != 1 {
		t.Fatalf("defaults not filled: %+v", r.cfg)
	}
}

func TestNotLeaderError(t *testing.T) {
	r, err := New(Config{ID: 2, Members: []ReplicaID{1, 2, 3}, Rand: rand.New(rand.NewSource(1))})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Propose(Proposal{Data: []byte("x")})
	var nle *NotLeaderError
	if !errors.Is(err, ErrNotLeader) || !errors.As(err, &nle) || nle.Leader != None {
		t.Fatalf("got %v", err)
	}
	if err := r.ReadIndex(1); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("got %v", err)
	}
}

func TestBallotOrder(t *testing.T) {
	a, b := Ballot{Round: 1, Replica: 3}, Ballot{Round: 2, Replica: 1}
	if !a.Less(b) || b.Less(a) || a.Less(a) {
		t.Fatal("ballot order wrong")
	}
	if n := a.Next(2); !a.Less(n) || n.Replica != 2 {
		t.Fatalf("Next: %v", n)
	}
	if !(Ballot{}).Less(a) {
		t.Fatal("zero ballot must be lowest")
	}
}

// TestSingleReplica: a group of one commits on its own.
func TestSingleReplica(t *testing.T) {
	r, err := New(Config{ID: 1, Members: []ReplicaID{1}, Rand: rand.New(rand.NewSource(1))})
	if err != nil {
		t.Fatal(err)
	}
	r.Campaign()
	if r.Status().State != StateLeader {
		t.Fatalf("state %s", r.Status().State)
	}
	if err := r.Propose(Proposal{ID: 1, Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	rd := r.Ready()
	if len(rd.CommittedEntries) != 1 || string(rd.CommittedEntries[0].Data) != "x" || len(rd.Messages) != 0 {
		t.Fatalf("ready: %+v", rd)
	}
	r.Advance()
	if err := r.ReadIndex(7); err != nil {
		t.Fatal(err)
	}
	if rd := r.Ready(); len(rd.ReadStates) != 1 || rd.ReadStates[0] != (ReadState{Ctx: 7, Index: 1}) {
		t.Fatalf("read states: %+v", rd.ReadStates)
	}
}
