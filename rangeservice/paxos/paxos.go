package paxos

import (
	"fmt"
	"slices"
)

// Replica is one member of a Multi-Paxos group: proposer, acceptor and
// learner in one pure state machine. It is not safe for concurrent use;
// see doc.go for how to drive it.
type Replica struct {
	id  ReplicaID
	cfg Config

	state  StateType
	leader ReplicaID // who we believe leads, or None

	// promised is the acceptor's promise: it accepts nothing below it.
	// Durable (HardState).
	promised Ballot
	// commit is the high-water mark: every slot at or below it is chosen
	// and held by this replica with the chosen value. Durable (HardState).
	// Invariant: applied <= handed <= commit.
	commit uint64
	log    slotLog

	// acceptedTo is the highest index such that every slot in
	// (commit, acceptedTo] holds a value accepted at acceptedBallot; it is
	// what a follower reports as its match.
	acceptedTo     uint64
	acceptedBallot Ballot

	handed  uint64 // highest index handed to the caller (entries or snapshot)
	applied uint64 // highest index the caller acknowledged with Advance

	// maxSeen is the highest ballot seen anywhere (promises, rejections);
	// new ballots are created above it.
	maxSeen Ballot

	now                       uint64 // ticks since this incarnation started
	electionElapsed           int
	randomizedElectionTimeout int
	heartbeatElapsed          int
	checkQuorumElapsed        int
	// leaderContact is the tick at which this acceptor last heard from a
	// leader (or, as leader, its latest tick). While contactValid and less
	// than ElectionTicks have passed, it refuses other candidates: that is
	// the promise a leader's lease relies on.
	leaderContact uint64
	contactValid  bool

	ballot Ballot // the ballot we campaign or lead at

	election *election // non-nil while pre-candidate or candidate
	lead     *leadership

	// pending maps a log index to the proposal this replica placed there
	// as leader: the request waiting list's hook. Resolved when the slot
	// commits (same proposal: committed; other value: dropped).
	pending map[uint64]uint64

	// Output buffered until Ready.
	msgs          []Message
	readStates    []ReadState
	dropped       []uint64
	snapToInstall *Snapshot
	prevHard      HardState
	prevSoft      SoftState
}

// New creates a replica from cfg (which is validated and defaulted).
func New(cfg Config) (*Replica, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &Replica{id: cfg.ID, cfg: cfg, pending: map[uint64]uint64{}}
	snap := Snapshot{Members: slices.Clone(cfg.Members)}
	if cfg.Snapshot != nil {
		snap = *cfg.Snapshot
	}
	slices.Sort(snap.Members)
	r.log.snap = snap
	r.log.restore(cfg.Entries)
	r.promised = cfg.HardState.Promised
	r.maxSeen = r.promised
	r.commit = max(cfg.HardState.Commit, snap.Index)
	r.applied = max(cfg.Applied, snap.Index)
	r.handed = r.applied
	r.prevHard = HardState{Promised: r.promised, Commit: cfg.HardState.Commit}
	r.advanceAccepted()
	// A restarted acceptor may have acknowledged a leader's heartbeat just
	// before it crashed; that leader's lease counts on the acknowledgement
	// holding for ElectionTicks, so refuse candidates as if it had just
	// heard from a leader. A replica that never promised anything has
	// acknowledged nothing.
	if !r.promised.IsZero() {
		r.contactValid = true
	}
	r.becomeFollower(None)
	return r, nil
}

// ID returns the replica's id.
func (r *Replica) ID() ReplicaID { return r.id }

func (r *Replica) logf(format string, args ...any) {
	if r.cfg.Logf != nil {
		r.cfg.Logf("%d: "+format, append([]any{r.id}, args...)...)
	}
}

func (r *Replica) send(m Message) {
	m.From = r.id
	r.msgs = append(r.msgs, m)
}

// Tick advances the replica's clock by one tick.
func (r *Replica) Tick() {
	r.now++
	if r.state == StateLeader {
		r.tickLeader()
	} else {
		r.tickElection()
	}
}

func (r *Replica) resetElectionTimer() {
	r.electionElapsed = 0
	r.randomizedElectionTimeout = r.cfg.ElectionTicks + r.cfg.Rand.Intn(r.cfg.ElectionTicks)
}

func (r *Replica) becomeFollower(leader ReplicaID) {
	if r.state == StateLeader {
		r.stepDownLeader()
	}
	if r.state != StateFollower || r.leader != leader {
		r.logf("became follower at %s, leader %d", r.promised, leader)
	}
	r.state = StateFollower
	r.leader = leader
	r.election = nil
	r.lead = nil
	r.resetElectionTimer()
}

// observe raises maxSeen to b.
func (r *Replica) observe(b Ballot) {
	if r.maxSeen.Less(b) {
		r.maxSeen = b
	}
}

// promise raises the acceptor's promise to b (never lowers it).
func (r *Replica) promise(b Ballot) {
	r.observe(b)
	if r.promised.Less(b) {
		r.promised = b
		r.advanceAccepted()
	}
}

// recentLeaderContact reports whether this acceptor heard from a leader
// (or led) less than an election timeout ago, and so must refuse other
// candidates.
func (r *Replica) recentLeaderContact() bool {
	return r.contactValid && r.now-r.leaderContact < uint64(r.cfg.ElectionTicks)
}

// Step feeds a message received from a peer.
func (r *Replica) Step(m Message) error {
	if m.To != r.id {
		return fmt.Errorf("paxos: message for %d stepped into %d", m.To, r.id)
	}
	switch m.Type {
	case MsgPreVote:
		r.handlePreVote(m)
	case MsgPreVoteResp:
		r.handlePreVoteResp(m)
	case MsgPrepare:
		r.handlePrepare(m)
	case MsgPromise:
		r.handlePromise(m)
	case MsgAccept, MsgHeartbeat, MsgSnapshot:
		r.handleFromLeader(m)
	case MsgAcceptResp, MsgHeartbeatResp:
		r.handleAcceptResp(m)
	case MsgProp:
		r.handleProp(m)
	default:
		return fmt.Errorf("paxos: unknown message type %s", m.Type)
	}
	return nil
}

// Propose appends a command to the log if this replica leads, forwards it
// to the leader if configured to and a leader is known, and otherwise
// returns a *NotLeaderError naming the leader it last heard from.
func (r *Replica) Propose(p Proposal) error {
	e := Entry{Type: EntryNormal, Origin: r.id, ProposalID: p.ID, ClientID: p.ClientID, Seq: p.Seq, Data: p.Data}
	if r.state == StateLeader {
		if !slices.Contains(r.log.members(), r.id) {
			return ErrProposalDropped // leaving the group
		}
		idx := r.appendEntry(e)
		r.pending[idx] = p.ID
		return nil
	}
	if r.cfg.ForwardProposals && r.leader != None {
		r.send(Message{Type: MsgProp, To: r.leader, Entries: []Entry{e}})
		return nil
	}
	return &NotLeaderError{Leader: r.leader}
}

func (r *Replica) handleProp(m Message) {
	if r.state != StateLeader || !slices.Contains(r.log.members(), r.id) {
		return // dropped; the origin finds out by timeout
	}
	for _, e := range m.Entries {
		r.appendEntry(e)
	}
}

// SoftState is volatile state worth reporting when it changes.
type SoftState struct {
	State  StateType
	Leader ReplicaID
}

// Status is a snapshot of a replica's state for tests and debugging.
type Status struct {
	ID       ReplicaID
	State    StateType
	Leader   ReplicaID
	Promised Ballot
	// Ballot is the ballot this replica leads or campaigns at.
	Ballot    Ballot
	Commit    uint64
	Applied   uint64
	LastIndex uint64
	Members   []ReplicaID
	// LeaseExpiry is the tick (of this replica's clock) at which the
	// leader's lease ends; zero when not leader.
	LeaseExpiry uint64
	Now         uint64
}

// Status reports the replica's state.
func (r *Replica) Status() Status {
	s := Status{ID: r.id, State: r.state, Leader: r.leader, Promised: r.promised, Ballot: r.ballot,
		Commit: r.commit, Applied: r.applied, LastIndex: r.log.lastIndex(),
		Members: slices.Clone(r.log.members()), Now: r.now}
	if r.state == StateLeader {
		s.LeaseExpiry = r.leaseExpiry()
	}
	return s
}

// quorum returns the size of a majority of members.
func quorum(members []ReplicaID) int { return len(members)/2 + 1 }
