// Package clock provides Meridian's notion of time: hybrid logical clock
// (HLC) timestamps, the clock bound [earliest, latest] with commit wait, and
// the measurement of clock offsets between nodes that the bound and the
// node's right to serve rest on.
//
// # Pieces
//
//   - Source: physical time in Unix nanoseconds, with timers. Wall is the
//     real clock; Manual is stepped by tests (its timers fire inside
//     Advance/Set); Skewed wraps another Source with a changeable offset and
//     drift, to simulate a bad clock.
//   - HLC: Now and Update, plus Bound and CommitWait. It implements Clock,
//     the interface the rest of Meridian takes; no other package reads
//     time.Now for ordering, timeouts or leases.
//   - OffsetTracker: per-peer offset samples from round trips, ε derived
//     from them, and whether the node must fence itself.
//   - Config: one struct, validated by NewHLC and NewOffsetTracker.
//
// A node wires them as:
//
//	tracker, _ := clock.NewOffsetTracker(clock.Config{Source: src, MaxOffset: m})
//	hlc, _ := clock.NewHLC(clock.Config{Source: src, MaxOffset: m, Uncertainty: tracker})
//
// and on every heartbeat round trip to a peer calls tracker.Record with the
// local send time, the peer's physical clock reading carried in the reply,
// and the local receive time, then tracker.Verify; a node for which Verify
// fails stops serving leases and commits until it passes again.
//
// # The assumption
//
// Correctness rests on one assumption: the physical clocks of any two live
// nodes differ by at most MaxOffset, and MaxOffset is configured the same
// on every node. The HLC keeps causality whatever the clocks do (a receiver
// always moves past what it received); everything that relates timestamp
// order to real-time order — external consistency, uncertainty on reads,
// leases — needs the offset bound. The OffsetTracker is how a node notices
// that the assumption fails for it, and fencing is what it does then, so
// that a bad clock stops one node instead of producing wrong answers.
//
// # Where timestamps cross nodes
//
// Every message between nodes that carries a timestamp is followed, on
// receipt, by Update with that timestamp, before the receiver takes any
// timestamp of its own for work caused by the message. Update refuses a
// timestamp more than MaxOffset ahead of the local physical clock
// (ErrUntrustworthyRemote); the receiver rejects the message instead of
// dragging its clock forward, since an HLC pulled far ahead of physical
// time cannot come back and would drag every other node with it.
//
//  1. KV requests (gateway/coordinator → leaseholder) carry the
//     transaction's timestamp; responses carry the leaseholder's clock back.
//     HAZARD: if the leaseholder's clock is behind by more than MaxOffset, a
//     read at timestamp t can miss a write that committed, and was
//     acknowledged, at a timestamp ≤ t on a faster node: the uncertainty
//     interval [t, t+MaxOffset] that a read uses to detect such writes is
//     too short. Stale read; serializability lost.
//
//  2. Commit (coordinator → participants, two-phase commit). The commit
//     timestamp is taken from the coordinator's HLC after folding in every
//     participant's prepare timestamp, so it is above all of them. The
//     coordinator calls CommitWait(ts) (overlapped with replication of the
//     commit decision) before acknowledging the client. Once earliest > ts
//     on the coordinator, every peer clock within ε of it reads past ts, so
//     any transaction that starts after the acknowledgement, on any node,
//     takes a timestamp > ts. HAZARD: if some node's clock is further than ε
//     behind, a transaction that starts there after the acknowledgement can
//     take a timestamp below ts and not see the committed write: external
//     consistency (linearizability of commits) is lost. ε is capped at
//     MaxOffset, so this is the same assumption.
//
//  3. Leases (range leases and node liveness). A lease names an expiry in
//     physical time. The holder serves only while latest (Bound) is before
//     the expiry; the next holder starts only once its earliest is past the
//     expiry. HAZARD: with clocks further apart than MaxOffset the
//     old and new holder both believe they hold the lease and both serve
//     reads and writes: two leaseholders, lost updates and stale reads.
//
//  4. Follower reads. A follower serves a read at t only once its closed
//     (safe) timestamp, carried on Paxos messages from the leader, is ≥ t.
//     The leader closes timestamps at its own physical time minus a lag.
//     HAZARD: a leader whose clock runs ahead by more than MaxOffset closes
//     timestamps that writers on other nodes still assign; those writes are
//     then refused or, worse, a follower read misses them.
//
//  5. Gossip and heartbeats carry the sender's physical clock reading for
//     the OffsetTracker. They also pass through Update when they carry an
//     HLC timestamp. HAZARD: an offset sample is only as good as its error
//     bar (half the round trip); the tracker counts a peer as vouching only
//     when the whole error bar is within MaxOffset, and a slow network shows
//     up as a larger ε and eventually as fencing, never as false confidence.
//
// # Guarantees
//
//   - Now is strictly increasing across all goroutines, including across a
//     physical clock that steps backwards (the logical part absorbs it).
//   - After a successful Update(r), every later Now is > r.
//   - The HLC's wall time is never ahead of max(local physical time, the
//     largest timestamp received); with the offset bound holding, that is
//     within MaxOffset of local physical time.
//   - CommitWait(ts) returns nil only when, at some moment during the call,
//     Bound's earliest was after ts.
//   - ε is between 0 and MaxOffset, and is MaxOffset while the node is
//     fenced.
//
// # Caller duties
//
//  1. Use one Source for the node's HLC and its OffsetTracker.
//  2. Update with every received timestamp before using Now for work
//     caused by the message; reject the message if Update fails.
//  3. Record a sample on every heartbeat round trip and Verify before
//     granting or using a lease and before acknowledging a commit.
//  4. CommitWait on the commit timestamp before acknowledging a commit.
//
// Timestamps are values; the package holds no references to them.
package clock
