package paxos

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strings"
)

// simDisk is what survives a crash: everything a Ready asked to persist.
type simDisk struct {
	hs   HardState
	snap *Snapshot
	ents map[uint64]Entry
}

// simNode is one replica process: the core, its disk, its state machine
// and its request waiting lists (volatile, lost in a crash).
type simNode struct {
	id      ReplicaID
	r       *Replica
	disk    *simDisk
	kv      *kvStore
	members []ReplicaID // Config.Members at boot: nil for a joining replica
	alive   bool
	gone    bool // removed from the group and destroyed
	restart uint64
	// lastSkip is the last global tick this node's (slow) clock skipped.
	lastSkip uint64
	// props maps a proposal id to the client request it carries; waiting
	// maps (client, seq) to the waiting request.
	props   map[uint64]waitKey
	waiting map[waitKey]*simClient
	reads   map[uint64]readWait
	// readIdx holds released reads until their index is applied.
	readIdx []ReadState
	nextID  uint64
	// maxSent is the highest ballot this node ever answered a prepare or
	// an accept at (survives crashes: it is the world's memory, checked
	// against the disk at each boot).
	maxSent Ballot
}

type waitKey struct{ client, seq uint64 }

// readWait is a read parked at a replica until its read index is applied.
type readWait struct {
	c   *simClient
	seq uint64
	key string
}

type inflight struct {
	m  Message
	at uint64
}

// simOpts shapes one simulated run.
type simOpts struct {
	nodes      int
	ticks      int
	quietTicks int
	loss, dup  float64
	minDelay   int // 0 or 1 tick
	maxDelay   int // delays are in [minDelay, minDelay+maxDelay)
	crashes    bool
	partitions bool
	confChange bool
	clients    int
	compactLag int
	// drift makes clocks run up to 10% slow; the lease margin is raised to
	// cover it.
	drift bool
	// keepRemoved keeps removed replicas running (and receiving messages)
	// instead of destroying them once their removal commits: a replica that
	// has not learned of its removal, or learns of it late, keeps talking
	// to the group.
	keepRemoved bool
	// isolateLeader makes every partition cut the current leader off
	// alone (for up to 200 ticks), the lease's worst case.
	isolateLeader bool
	// crashAfterPersist crashes a node now and then right after it
	// persisted a HardState change and sent the Ready's messages (a
	// promise, say): the window in which a promise that was not durable
	// would be forgotten.
	crashAfterPersist bool
}

// simStats counts what a run exercised.
type simStats struct {
	ops, ballots, snapshotsInstalled, confChanges, leaseReads, indexReads, dropped, crashes, partitions int
}

func (a *simStats) add(b simStats) {
	a.ops += b.ops
	a.ballots += b.ballots
	a.snapshotsInstalled += b.snapshotsInstalled
	a.confChanges += b.confChanges
	a.leaseReads += b.leaseReads
	a.indexReads += b.indexReads
	a.dropped += b.dropped
	a.crashes += b.crashes
	a.partitions += b.partitions
}

// sim is a deterministic cluster: one seeded rand drives every choice, and
// nothing iterates a map where order matters, so a seed replays exactly.
type sim struct {
	seed    int64
	rng     *rand.Rand
	o       simOpts
	now     uint64
	nodes   []*simNode // by id order
	initial []ReplicaID
	nextRep ReplicaID
	net     []inflight
	group   map[ReplicaID]int // partition group; nil when healed
	healAt  uint64

	chosen  map[uint64]Entry
	leaders map[Ballot]ReplicaID
	removed map[ReplicaID]bool
	err     error
	trace   []string

	stats simStats

	clients []*simClient
	history []historyOp
	evt     int64
	quiet   bool
	// fullTrace keeps the whole trace (when replaying one seed).
	fullTrace bool
}

func newSim(seed int64, o simOpts) *sim {
	s := &sim{seed: seed, rng: rand.New(rand.NewSource(seed)), o: o,
		chosen: map[uint64]Entry{}, leaders: map[Ballot]ReplicaID{}, removed: map[ReplicaID]bool{}}
	for i := 1; i <= o.nodes; i++ {
		s.initial = append(s.initial, ReplicaID(i))
	}
	s.nextRep = ReplicaID(o.nodes + 1)
	for _, id := range s.initial {
		n := &simNode{id: id, disk: &simDisk{ents: map[uint64]Entry{}}, members: s.initial}
		s.nodes = append(s.nodes, n)
		s.boot(n)
	}
	for i := 0; i < o.clients; i++ {
		s.clients = append(s.clients, &simClient{id: uint64(i + 1)})
	}
	return s
}

func (s *sim) tracef(format string, args ...any) {
	line := fmt.Sprintf("t=%d ", s.now) + fmt.Sprintf(format, args...)
	s.trace = append(s.trace, line)
	if !s.fullTrace && len(s.trace) > 300 {
		s.trace = s.trace[len(s.trace)-200:]
	}
}

func (s *sim) failf(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("t=%d: %s", s.now, fmt.Sprintf(format, args...))
	}
}

func (s *sim) node(id ReplicaID) *simNode {
	for _, n := range s.nodes {
		if n.id == id {
			return n
		}
	}
	return nil
}

// boot starts (or restarts) a node from its disk.
func (s *sim) boot(n *simNode) {
	// Promises never decrease, across crashes too: whatever this node
	// promised or accepted at before must be durable.
	if n.disk.hs.Promised.Less(n.maxSent) {
		s.failf("%d restarts with promise %s after answering at %s", n.id, n.disk.hs.Promised, n.maxSent)
	}
	margin := 1
	if s.o.drift {
		margin = 2
	}
	cfg := Config{ID: n.id, Members: n.members, ElectionTicks: 10, HeartbeatTicks: 2, LeaseMarginTicks: margin,
		MaxInflight: 32, MaxEntriesPerMsg: 8, ForwardProposals: s.seed%3 == 0,
		Rand: rand.New(rand.NewSource(s.rng.Int63())), HardState: n.disk.hs, Snapshot: n.disk.snap}
	var applied uint64
	var data []byte
	if n.disk.snap != nil {
		applied, data = n.disk.snap.Index, n.disk.snap.Data
	}
	cfg.Applied = applied
	idx := make([]uint64, 0, len(n.disk.ents))
	for i := range n.disk.ents {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		cfg.Entries = append(cfg.Entries, n.disk.ents[i])
	}
	r, err := New(cfg)
	if err != nil {
		s.failf("boot %d: %v", n.id, err)
		return
	}
	n.r, n.kv, n.alive = r, restoreKV(data, applied), true
	n.props, n.waiting, n.reads, n.readIdx = map[uint64]waitKey{}, map[waitKey]*simClient{}, map[uint64]readWait{}, nil
}

func (s *sim) crash(n *simNode) {
	s.tracef("crash %d", n.id)
	s.stats.crashes++
	n.alive = false
	n.r = nil
	n.restart = s.now + uint64(5+s.rng.Intn(40))
}

// handleReady runs the caller's duties (doc.go) for one node.
func (s *sim) handleReady(n *simNode) {
	for n.alive && n.r.HasReady() {
		rd := n.r.Ready()
		if rd.SoftState != nil {
			s.tracef("%d is %s (leader %d)", n.id, rd.SoftState.State, rd.SoftState.Leader)
		}
		// 1. Persist.
		if rd.Snapshot != nil {
			n.disk.snap = rd.Snapshot
			for i := range n.disk.ents {
				if i <= rd.Snapshot.Index {
					delete(n.disk.ents, i)
				}
			}
		}
		if rd.HardState != nil {
			n.disk.hs = *rd.HardState
		}
		for _, e := range rd.Entries {
			if n.disk.snap == nil || e.Index > n.disk.snap.Index {
				n.disk.ents[e.Index] = e
			}
		}
		// 2. Send.
		for _, m := range rd.Messages {
			switch m.Type {
			case MsgPromise, MsgAcceptResp, MsgHeartbeatResp:
				if !m.Reject && n.maxSent.Less(m.Ballot) {
					n.maxSent = m.Ballot
				}
			}
			s.sendMsg(m)
		}
		if s.o.crashAfterPersist && !s.quiet && rd.HardState != nil && s.rng.Intn(100) < 5 {
			s.crash(n)
			return
		}
		// 3. Install and apply.
		if rd.Snapshot != nil {
			s.stats.snapshotsInstalled++
			n.kv = restoreKV(rd.Snapshot.Data, rd.Snapshot.Index)
		}
		for _, e := range rd.CommittedEntries {
			s.checkApply(n, e)
			res, respond := n.kv.apply(e)
			if e.Type == EntryConfChange && e.Change.Type == RemoveReplica {
				s.removed[e.Change.Replica] = true
			}
			if c := n.waiting[waitKey{e.ClientID, e.Seq}]; respond && c != nil && e.Type == EntryNormal {
				delete(n.waiting, waitKey{e.ClientID, e.Seq})
				s.complete(c, e.Seq, res)
			}
		}
		s.stats.dropped += len(rd.DroppedProposals)
		for _, pid := range rd.DroppedProposals {
			if k, ok := n.props[pid]; ok {
				delete(n.props, pid)
				if c := n.waiting[k]; c != nil {
					delete(n.waiting, k)
					c.retryNow(s)
				}
			}
		}
		n.readIdx = append(n.readIdx, rd.ReadStates...)
		s.serveReads(n)
		n.r.Advance()
		// 4. Snapshot now and then.
		if snap := n.r.Snapshot(); n.kv.Applied >= snap.Index+uint64(s.o.compactLag) {
			if err := n.r.Compact(n.kv.Applied, n.kv.snapshot()); err == nil {
				sn := n.r.Snapshot()
				n.disk.snap = &sn
				for i := range n.disk.ents {
					if i <= sn.Index {
						delete(n.disk.ents, i)
					}
				}
			}
		}
	}
}

func (s *sim) serveReads(n *simNode) {
	keep := n.readIdx[:0]
	for _, rs := range n.readIdx {
		if rs.Index > n.kv.Applied {
			keep = append(keep, rs)
			continue
		}
		if w, ok := n.reads[rs.Ctx]; ok {
			delete(n.reads, rs.Ctx)
			s.complete(w.c, w.seq, kvResult{Val: n.kv.Data[w.key]})
		}
	}
	n.readIdx = keep
}

// checkApply checks that every replica applies the same entry at an index,
// in order, and that a committed entry never changes.
func (s *sim) checkApply(n *simNode, e Entry) {
	if e.Index != n.kv.Applied+1 {
		s.failf("%d applies %d after %d", n.id, e.Index, n.kv.Applied)
	}
	if c, ok := s.chosen[e.Index]; ok {
		if !c.sameValue(&e) {
			s.failf("%d applies %v at %d, but %v was committed there", n.id, e, e.Index, c)
		}
	} else {
		s.chosen[e.Index] = e
		if e.Type == EntryConfChange {
			s.stats.confChanges++
			s.tracef("committed %s", e)
		}
	}
}

func (s *sim) sendMsg(m Message) {
	if s.rng.Float64() < s.o.loss {
		return
	}
	copies := 1
	if s.rng.Float64() < s.o.dup {
		copies = 2
	}
	for i := 0; i < copies; i++ {
		s.net = append(s.net, inflight{m: m, at: s.now + uint64(s.o.minDelay+s.rng.Intn(s.o.maxDelay))})
	}
}

func (s *sim) connected(a, b ReplicaID) bool {
	return s.group == nil || s.group[a] == s.group[b]
}

// step runs one tick of the world.
func (s *sim) step() {
	s.now++
	if !s.quiet {
		s.faults()
	}
	s.clientsStep()
	for _, n := range s.nodes {
		if !n.alive {
			continue
		}
		// Clock drift: a node's clock may run up to 10% slow (it skips at
		// most one tick in any ten). LeaseMarginTicks must cover it.
		if s.o.drift && s.now >= n.lastSkip+10 && s.rng.Intn(100) < 10 {
			n.lastSkip = s.now
			continue
		}
		n.r.Tick()
		s.handleReady(n)
	}
	s.checkLeases()
	// Deliver due messages in a random order (reordering). With zero-delay
	// links, messages sent while delivering are due at once: keep going
	// (bounded) so a whole exchange can happen within one tick.
	for round := 0; round < 20; round++ {
		var due, later []inflight
		for _, f := range s.net {
			if f.at <= s.now {
				due = append(due, f)
			} else {
				later = append(later, f)
			}
		}
		if len(due) == 0 {
			break
		}
		s.net = later
		s.rng.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
		for _, f := range due {
			n := s.node(f.m.To)
			if n == nil || !n.alive || !s.connected(f.m.From, f.m.To) {
				continue
			}
			if err := n.r.Step(f.m); err != nil {
				s.failf("step: %v", err)
			}
			s.handleReady(n)
			s.checkLeases()
		}
	}
	s.checkLeaders()
}

// checkLeaders: no two replicas ever lead at the same ballot.
func (s *sim) checkLeaders() {
	for _, n := range s.nodes {
		if !n.alive {
			continue
		}
		st := n.r.Status()
		if st.State != StateLeader {
			continue
		}
		if prev, ok := s.leaders[st.Ballot]; ok && prev != n.id {
			s.failf("%d and %d both led at ballot %s", prev, n.id, st.Ballot)
		}
		s.leaders[st.Ballot] = n.id
	}
}

// checkLeases: at no moment do two live replicas hold a lease, and no
// replica is elected at a higher ballot while another still holds one. All
// replicas tick at the same rate, so this is the real-time check.
func (s *sim) checkLeases() {
	var holders []ReplicaID
	var holder *simNode
	for _, n := range s.nodes {
		if n.alive && n.r.HasLease() {
			holders = append(holders, n.id)
			holder = n
		}
	}
	if len(holders) > 1 {
		s.failf("leases overlap: %v", holders)
	}
	if holder == nil {
		return
	}
	hb := holder.r.Status().Ballot
	// Sharper: while the lease holds, no majority of its configuration has
	// promised a higher ballot (durably), so no one else could be elected.
	members := holder.r.Status().Members
	higher := 0
	for _, id := range members {
		if n := s.node(id); n != nil && hb.Less(n.disk.hs.Promised) {
			higher++
		}
	}
	if higher >= quorum(members) {
		s.failf("a majority of %v promised above %s while %d holds a lease", members, hb, holder.id)
	}
	for _, n := range s.nodes {
		if !n.alive {
			continue
		}
		if st := n.r.Status(); st.State == StateLeader && hb.Less(st.Ballot) {
			s.failf("%d elected at %s while %d holds a lease at %s", n.id, st.Ballot, holder.id, hb)
		}
	}
}

func (s *sim) leaderNode() *simNode {
	var best *simNode
	for _, n := range s.nodes {
		if n.alive && n.r.Status().State == StateLeader {
			if best == nil || best.r.Status().Ballot.Less(n.r.Status().Ballot) {
				best = n
			}
		}
	}
	return best
}

func (s *sim) faults() {
	// Restart crashed nodes; destroy removed ones.
	for _, n := range s.nodes {
		if s.removed[n.id] && !n.gone && !s.o.keepRemoved {
			n.gone, n.alive, n.r = true, false, nil
			s.tracef("destroy removed %d", n.id)
		}
		if !n.alive && !n.gone && s.now >= n.restart {
			s.tracef("restart %d", n.id)
			s.boot(n)
		}
	}
	if s.o.crashes && s.rng.Intn(100) < 2 {
		var live []*simNode
		for _, n := range s.nodes {
			if n.alive {
				live = append(live, n)
			}
		}
		if len(live) > 0 {
			s.crash(live[s.rng.Intn(len(live))])
		}
	}
	if s.o.partitions {
		if s.group != nil && s.now >= s.healAt {
			s.tracef("heal")
			s.group = nil
		} else if s.group == nil && s.rng.Intn(100) < 2 {
			s.group = map[ReplicaID]int{}
			for _, n := range s.nodes {
				s.group[n.id] = s.rng.Intn(2)
			}
			s.healAt = s.now + uint64(10+s.rng.Intn(60))
			if l := s.leaderNode(); s.o.isolateLeader && l != nil {
				for _, n := range s.nodes {
					s.group[n.id] = 0
				}
				s.group[l.id] = 1
				s.healAt = s.now + uint64(10+s.rng.Intn(200))
			}
			s.tracef("partition %v", s.group)
			s.stats.partitions++
		}
	}
	if s.o.confChange && s.rng.Intn(100) < 2 {
		s.confChange()
	}
}

func (s *sim) confChange() {
	l := s.leaderNode()
	if l == nil {
		return
	}
	members := l.r.Status().Members
	if len(members) > s.o.nodes {
		victim := members[s.rng.Intn(len(members))]
		err := l.r.ProposeConfChange(ConfChange{Type: RemoveReplica, Replica: victim})
		s.tracef("%d proposes removing %d: %v", l.id, victim, err)
	} else if s.nextRep <= ReplicaID(s.o.nodes+4) {
		id := s.nextRep
		err := l.r.ProposeConfChange(ConfChange{Type: AddReplica, Replica: id})
		s.tracef("%d proposes adding %d: %v", l.id, id, err)
		if err == nil {
			s.nextRep++
			n := &simNode{id: id, disk: &simDisk{ents: map[uint64]Entry{}}}
			s.nodes = append(s.nodes, n)
			sort.Slice(s.nodes, func(i, j int) bool { return s.nodes[i].id < s.nodes[j].id })
			s.boot(n)
		}
	}
	s.handleReady(l)
}

// run plays the scenario, then heals everything and lets clients finish.
func (s *sim) run() error {
	for i := 0; i < s.o.ticks && s.err == nil; i++ {
		s.step()
	}
	s.quiet = true
	s.group = nil
	for _, n := range s.nodes {
		if !n.alive && !n.gone {
			s.boot(n)
		}
	}
	s.o.loss, s.o.dup = 0, 0
	for i := 0; i < s.o.quietTicks && s.err == nil; i++ {
		s.step()
		if i > 50 && s.clientsIdle() {
			break
		}
	}
	if s.err != nil {
		return s.err
	}
	if !s.clientsIdle() {
		var b strings.Builder
		for _, c := range s.clients {
			if c.op != nil {
				fmt.Fprintf(&b, " client %d seq %d %+v target %d;", c.id, c.seq, *c.op, c.target)
			}
		}
		for _, n := range s.nodes {
			if n.alive {
				fmt.Fprintf(&b, " %+v applied=%d;", n.r.Status(), n.kv.Applied)
			}
		}
		return errors.New("liveness: client requests still pending after the cluster healed:" + b.String())
	}
	return s.checkHistory()
}
