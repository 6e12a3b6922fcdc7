// Package paxos is the Multi-Paxos replication core of a range: a pure
// state machine with no goroutines, no I/O and no clock reads. It consumes
// messages (Step), ticks of logical time (Tick) and requests (Propose,
// ProposeConfChange, ReadIndex) and hands back a Ready: state and entries
// to persist, messages to send, committed entries to apply, a snapshot to
// install, reads to release. Because it is pure, a seeded simulation can
// replay any run exactly (see sim_test.go).
//
// # Protocol
//
// Ballots (ballot.go) are the generation clock: (round, replica id), unique
// per replica and increasing. A follower that hears from no leader for a
// randomized election timeout first runs a pre-vote: it asks whether a
// majority would promise a higher ballot, and replicas that heard from a
// leader within an election timeout refuse, so a replica cut off and back
// cannot depose a healthy leader. It then runs the prepare phase for every
// slot above its commit index (election.go). Promises carry each accepted
// (ballot, value) and the acceptor's commit index; the new leader adopts a
// slot's known-chosen value, else its highest-ballot value, else a no-op,
// and re-proposes all of them at its ballot before new proposals.
//
// A leader skips the prepare phase and streams accepts, pipelined and
// bounded per follower by MaxInflight (replication.go). A slot is chosen
// when a majority holds it at the leader's ballot; the commit index is the
// high-water mark, carried by the next accept or heartbeat. A follower
// commits a slot only if it holds it at the ballot of the leader that says
// it is committed. A leader that has not heard from a majority within an
// election timeout steps down. Followers behind the compacted log receive
// the snapshot the caller gave to Compact.
//
// Reads (lease.go): while a majority's heartbeat acknowledgements are
// fresh, the leader holds a lease and releases reads at once; otherwise a
// read waits for a heartbeat round acknowledged by a majority (read index).
// Membership changes (membership.go) go one replica at a time through the
// log and take effect when appended.
//
// # The caller's duties
//
// A Replica is not safe for concurrent use: one goroutine owns it (a
// singular update queue) and, in a loop:
//
//  1. Feeds it input: Tick at a fixed rate; Step with each message
//     received; Propose / ProposeConfChange / ReadIndex for requests. A
//     *NotLeaderError names the leader to redirect to.
//  2. When HasReady, takes rd := Ready().
//  3. Persists, durably and before step 4: rd.Snapshot (replacing the log
//     at or below its index), rd.HardState if non-nil, rd.Entries (each
//     overwrites its slot; the log may have holes).
//  4. Sends rd.Messages. Any may be lost, duplicated or reordered; the
//     protocol copes. Only after step 3: a promise or an accept
//     acknowledgement sent before its state is durable could be forgotten
//     by a crash and break safety.
//  5. Installs rd.Snapshot into the state machine, then applies
//     rd.CommittedEntries in order, skipping EntryNoop and EntryConfChange
//     (the replica tracks membership itself). Application must be
//     idempotent per (ClientID, Seq): a retried request may commit twice.
//  6. Resolves waiting requests: a committed entry with Origin == ID()
//     completes proposal ProposalID; rd.DroppedProposals will never
//     commit. Forwarded proposals, and proposals whose slot was covered by
//     a snapshot, are resolved only by timeout: the caller retries with
//     the same (ClientID, Seq).
//  7. Serves each rd.ReadStates entry once the state machine has applied
//     its Index.
//  8. Calls Advance.
//  9. Occasionally snapshots the state machine at the applied index,
//     persists it, and calls Compact(index, data) to drop the log below it.
//
// To restart, pass the persisted HardState, latest Snapshot and slots in
// Config, with Applied set to what the state machine durably holds.
//
// # Testing
//
// testdata/ holds datadriven interaction scripts (interaction_test.go lists
// the commands): elections, pre-vote, divergent tails, snapshots, flow
// control, membership changes and lease expiry as stories of messages.
// TestSimulation (sim_*_test.go) runs seeded 3- and 5-replica clusters
// with message loss, duplication, reordering and delay, partitions,
// crash-restarts that lose everything unpersisted, clock drift and
// membership changes, under a key-value state machine whose client history
// is checked for linearizability with porcupine. -seed=N replays one run,
// -seeds=N sets how many.
//
// # Invariants
//
//   - An acceptor never accepts below its promise; promises never decrease.
//   - Slots at or below commit are chosen, and each replica holds the
//     chosen value there; applied <= commit.
//   - No two replicas lead at the same ballot.
//   - No two leases overlap in time, provided replicas' tick rates differ
//     by less than LeaseMarginTicks per election timeout.
package paxos
