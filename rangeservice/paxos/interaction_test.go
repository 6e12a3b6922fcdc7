package paxos

import (
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestInteraction runs the scripts in testdata/: stories of messages
// between replicas driven step by step. Regenerate with -rewrite.
//
// Commands:
//
//	add-nodes <n> [election=<ticks>] [heartbeat=<ticks>] [inflight=<n>] [batch=<n>] [forward] [join]
//	campaign <id>
//	propose <id> <data> [client=<c> seq=<s>]
//	propose-conf-change <id> add=<r> | remove=<r>
//	read-index <id> <ctx>
//	tick <id>... [n=<ticks>]
//	process-ready <id>...
//	deliver-msgs [<id>...] [drop]
//	stabilize [<id>...]
//	partition <id>,<id>... <id>,...   (groups; messages between them drop)
//	heal
//	crash <id> / restart <id>
//	compact <id> <index>
//	status [<id>...]
//	log <id>
func TestInteraction(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		env := &interactionEnv{}
		datadriven.RunTest(t, path, env.handle)
	})
}

type ddNode struct {
	id      ReplicaID
	r       *Replica
	disk    simDisk
	members []ReplicaID
	cfg     Config
	// applied is the state machine: the data of every applied entry, from
	// index 1 (a snapshot's data is this list, space-separated).
	applied []string
	alive   bool
}

type interactionEnv struct {
	nodes []*ddNode
	queue []Message // sent, not yet delivered
	group map[ReplicaID]int
	out   *strings.Builder
	seed  int64
}

func (env *interactionEnv) node(t *testing.T, id ReplicaID) *ddNode {
	for _, n := range env.nodes {
		if n.id == id {
			return n
		}
	}
	t.Fatalf("no node %d", id)
	return nil
}

func (env *interactionEnv) logf(format string, args ...any) {
	fmt.Fprintf(env.out, "INFO "+format+"\n", args...)
}

func ids(t *testing.T, d *datadriven.TestData) []ReplicaID {
	var out []ReplicaID
	for _, a := range d.CmdArgs {
		if len(a.Vals) == 0 {
			if v, err := strconv.ParseUint(a.Key, 10, 64); err == nil {
				out = append(out, ReplicaID(v))
			}
		}
	}
	return out
}

func (env *interactionEnv) all() []ReplicaID {
	var out []ReplicaID
	for _, n := range env.nodes {
		out = append(out, n.id)
	}
	return out
}

func (env *interactionEnv) handle(t *testing.T, d *datadriven.TestData) string {
	env.out = &strings.Builder{}
	switch d.Cmd {
	case "add-nodes":
		env.addNodes(t, d)
	case "campaign":
		env.node(t, ids(t, d)[0]).r.Campaign()
	case "propose":
		env.propose(t, d)
	case "propose-conf-change":
		env.proposeConfChange(t, d)
	case "read-index":
		n := env.node(t, ids(t, d)[0])
		ctx, _ := strconv.ParseUint(d.CmdArgs[1].Key, 10, 64)
		if err := n.r.ReadIndex(ctx); err != nil {
			fmt.Fprintf(env.out, "error: %v\n", err)
		}
	case "tick":
		ticks := 1
		d.MaybeScanArgs(t, "n", &ticks)
		for _, id := range ids(t, d) {
			for i := 0; i < ticks; i++ {
				env.node(t, id).r.Tick()
			}
		}
	case "process-ready":
		for _, id := range ids(t, d) {
			env.processReady(t, env.node(t, id))
		}
	case "deliver-msgs":
		env.deliver(t, ids(t, d), d.HasArg("drop"))
	case "stabilize":
		env.stabilize(t, ids(t, d))
	case "partition":
		env.group = map[ReplicaID]int{}
		for g, a := range d.CmdArgs {
			for _, s := range strings.Split(a.Key, ",") {
				v, _ := strconv.ParseUint(s, 10, 64)
				env.group[ReplicaID(v)] = g
			}
		}
	case "heal":
		env.group = nil
	case "crash":
		n := env.node(t, ids(t, d)[0])
		n.alive, n.r = false, nil
	case "restart":
		env.restart(t, env.node(t, ids(t, d)[0]))
	case "compact":
		n := env.node(t, ids(t, d)[0])
		idx, _ := strconv.ParseUint(d.CmdArgs[1].Key, 10, 64)
		if idx > uint64(len(n.applied)) {
			t.Fatalf("compact at %d above applied %d", idx, len(n.applied))
		}
		if err := n.r.Compact(idx, []byte(strings.Join(n.applied[:idx], " "))); err != nil {
			fmt.Fprintf(env.out, "error: %v\n", err)
		} else {
			sn := n.r.Snapshot()
			n.disk.snap = &sn
			fmt.Fprintf(env.out, "%s\n", &sn)
		}
	case "status":
		list := ids(t, d)
		if len(list) == 0 {
			list = env.all()
		}
		for _, id := range list {
			env.status(env.node(t, id))
		}
	case "log":
		n := env.node(t, ids(t, d)[0])
		for i := n.r.log.firstIndex(); i <= n.r.log.lastIndex(); i++ {
			if e := n.r.log.get(i); e != nil {
				fmt.Fprintf(env.out, "%s\n", e)
			} else {
				fmt.Fprintf(env.out, "%d: hole\n", i)
			}
		}
		fmt.Fprintf(env.out, "commit=%d applied: %v\n", n.r.commit, n.applied)
	default:
		t.Fatalf("unknown command %s", d.Cmd)
	}
	if env.out.Len() == 0 {
		return "ok"
	}
	return env.out.String()
}

func (n *ddNode) snapIndex() uint64 {
	if n.disk.snap == nil {
		return 0
	}
	return n.disk.snap.Index
}

// splitState decodes a snapshot's data into the applied list.
func splitState(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	return strings.Split(string(data), " ")
}

func (env *interactionEnv) addNodes(t *testing.T, d *datadriven.TestData) {
	count, _ := strconv.Atoi(d.CmdArgs[0].Key)
	cfg := Config{ElectionTicks: 10, HeartbeatTicks: 1}
	d.MaybeScanArgs(t, "election", &cfg.ElectionTicks)
	d.MaybeScanArgs(t, "heartbeat", &cfg.HeartbeatTicks)
	d.MaybeScanArgs(t, "inflight", &cfg.MaxInflight)
	d.MaybeScanArgs(t, "batch", &cfg.MaxEntriesPerMsg)
	cfg.ForwardProposals = d.HasArg("forward")
	first := len(env.nodes) + 1
	var members []ReplicaID
	if !d.HasArg("join") {
		for i := first; i < first+count; i++ {
			members = append(members, ReplicaID(i))
		}
	}
	for i := first; i < first+count; i++ {
		n := &ddNode{id: ReplicaID(i), members: members, cfg: cfg, disk: simDisk{ents: map[uint64]Entry{}}}
		env.nodes = append(env.nodes, n)
		env.restart(t, n)
	}
}

func (env *interactionEnv) restart(t *testing.T, n *ddNode) {
	cfg := n.cfg
	cfg.ID, cfg.Members = n.id, n.members
	env.seed++
	cfg.Rand = rand.New(rand.NewSource(env.seed))
	cfg.Logf = env.logf
	cfg.HardState, cfg.Snapshot, cfg.Entries = n.disk.hs, n.disk.snap, nil
	for i := uint64(0); i <= 1000; i++ {
		if e, ok := n.disk.ents[i]; ok && i > n.snapIndex() {
			cfg.Entries = append(cfg.Entries, e)
		}
	}
	cfg.Applied = n.snapIndex()
	n.applied = nil
	if n.disk.snap != nil {
		n.applied = splitState(n.disk.snap.Data)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.r, n.alive = r, true
}

func (env *interactionEnv) propose(t *testing.T, d *datadriven.TestData) {
	n := env.node(t, ids(t, d)[0])
	p := Proposal{Data: []byte(d.CmdArgs[1].Key)}
	d.MaybeScanArgs(t, "client", &p.ClientID)
	d.MaybeScanArgs(t, "seq", &p.Seq)
	d.MaybeScanArgs(t, "id", &p.ID)
	if err := n.r.Propose(p); err != nil {
		fmt.Fprintf(env.out, "error: %v\n", err)
	}
}

func (env *interactionEnv) proposeConfChange(t *testing.T, d *datadriven.TestData) {
	n := env.node(t, ids(t, d)[0])
	var cc ConfChange
	var r uint64
	if d.MaybeScanArgs(t, "add", &r) {
		cc = ConfChange{Type: AddReplica, Replica: ReplicaID(r)}
	} else {
		d.ScanArgs(t, "remove", &r)
		cc = ConfChange{Type: RemoveReplica, Replica: ReplicaID(r)}
	}
	if err := n.r.ProposeConfChange(cc); err != nil {
		fmt.Fprintf(env.out, "error: %v\n", err)
	}
}

// processReady runs the caller's duties for one Ready and prints it.
func (env *interactionEnv) processReady(t *testing.T, n *ddNode) bool {
	if !n.alive || !n.r.HasReady() {
		return false
	}
	rd := n.r.Ready()
	fmt.Fprintf(env.out, "> %d handling Ready\n", n.id)
	p := func(format string, args ...any) { fmt.Fprintf(env.out, "  "+format+"\n", args...) }
	if rd.SoftState != nil {
		p("State: %s, leader %d", rd.SoftState.State, rd.SoftState.Leader)
	}
	if rd.HardState != nil {
		p("HardState promised=%s commit=%d", rd.HardState.Promised, rd.HardState.Commit)
		n.disk.hs = *rd.HardState
	}
	if rd.Snapshot != nil {
		p("Snapshot: %s %q", rd.Snapshot, rd.Snapshot.Data)
		n.disk.snap = rd.Snapshot
		n.applied = splitState(rd.Snapshot.Data)
	}
	if len(rd.Entries) > 0 {
		p("Entries:")
		for _, e := range rd.Entries {
			p("  %s", e)
			n.disk.ents[e.Index] = e
		}
	}
	if len(rd.CommittedEntries) > 0 {
		p("CommittedEntries:")
		for _, e := range rd.CommittedEntries {
			p("  %s", e)
			if e.Type == EntryNormal {
				n.applied = append(n.applied, string(e.Data))
			} else {
				n.applied = append(n.applied, e.Type.String())
			}
		}
	}
	if len(rd.Messages) > 0 {
		p("Messages:")
		for _, m := range rd.Messages {
			if env.group != nil && env.group[m.From] != env.group[m.To] {
				p("  %s (dropped: partition)", m)
				continue
			}
			p("  %s", m)
			env.queue = append(env.queue, m)
		}
	}
	for _, rs := range rd.ReadStates {
		p("ReadState ctx=%d index=%d", rs.Ctx, rs.Index)
	}
	if len(rd.DroppedProposals) > 0 {
		p("DroppedProposals: %v", rd.DroppedProposals)
	}
	n.r.Advance()
	return true
}

// deliver steps queued messages addressed to the given nodes (all when
// none given) into them, or drops them.
func (env *interactionEnv) deliver(t *testing.T, to []ReplicaID, drop bool) bool {
	var keep, due []Message
	for _, m := range env.queue {
		if len(to) == 0 || slices.Contains(to, m.To) {
			due = append(due, m)
		} else {
			keep = append(keep, m)
		}
	}
	env.queue = keep
	for _, m := range due {
		n := env.node(t, m.To)
		switch {
		case drop:
			fmt.Fprintf(env.out, "dropped: %s\n", m)
		case !n.alive:
			fmt.Fprintf(env.out, "dropped (crashed): %s\n", m)
		case env.group != nil && env.group[m.From] != env.group[m.To]:
			fmt.Fprintf(env.out, "dropped (partition): %s\n", m)
		default:
			fmt.Fprintf(env.out, "%s\n", m)
			if err := n.r.Step(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	return len(due) > 0
}

func (env *interactionEnv) stabilize(t *testing.T, list []ReplicaID) {
	if len(list) == 0 {
		list = env.all()
	}
	for {
		progress := false
		for _, id := range list {
			if env.processReady(t, env.node(t, id)) {
				progress = true
			}
		}
		if env.deliver(t, list, false) {
			progress = true
		}
		if !progress {
			return
		}
	}
}

func (env *interactionEnv) status(n *ddNode) {
	if !n.alive {
		fmt.Fprintf(env.out, "%d: crashed\n", n.id)
		return
	}
	s := n.r.Status()
	fmt.Fprintf(env.out, "%d: %s leader=%d promised=%s commit=%d applied=%d last=%d members=%v lease=%v",
		n.id, s.State, s.Leader, s.Promised, s.Commit, s.Applied, s.LastIndex, s.Members, n.r.HasLease())
	if s.State == StateLeader {
		fmt.Fprintf(env.out, " (until tick %d, now %d)", s.LeaseExpiry, s.Now)
	}
	fmt.Fprintf(env.out, "\n")
}
