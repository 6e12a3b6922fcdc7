package paxos_test

import (
	"fmt"
	"math/rand"

	"github.com/meridiandb/meridian/rangeservice/paxos"
)

// Example shows the caller's loop (doc.go) for a group of one: feed input,
// persist, send, apply, Advance.
func Example() {
	r, err := paxos.New(paxos.Config{ID: 1, Members: []paxos.ReplicaID{1}, Rand: rand.New(rand.NewSource(1))})
	if err != nil {
		panic(err)
	}
	var disk []paxos.Entry
	handle := func() {
		for r.HasReady() {
			rd := r.Ready()
			disk = append(disk, rd.Entries...) // 3. persist (a real caller syncs)
			_ = rd.Messages                    // 4. send: none in a group of one
			for _, e := range rd.CommittedEntries {
				if e.Type == paxos.EntryNormal { // 5. apply
					fmt.Printf("apply %d: %s (proposal %d)\n", e.Index, e.Data, e.ProposalID)
				}
			}
			for _, rs := range rd.ReadStates {
				fmt.Printf("read %d may be served at index %d\n", rs.Ctx, rs.Index)
			}
			r.Advance() // 8.
		}
	}
	for r.Status().State != paxos.StateLeader {
		r.Tick()
		handle()
	}
	if err := r.Propose(paxos.Proposal{ID: 42, ClientID: 7, Seq: 1, Data: []byte("x=1")}); err != nil {
		panic(err)
	}
	handle()
	if err := r.ReadIndex(1); err != nil {
		panic(err)
	}
	handle()
	fmt.Println("persisted slots:", len(disk))
	// Output:
	// apply 1: x=1 (proposal 42)
	// read 1 may be served at index 1
	// persisted slots: 1
}
