package checker

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

// kv names one appended element: Value appended to the list at Key.
type kv struct{ k, v int64 }

// appendRef locates the append that wrote an element.
type appendRef struct {
	op   int  // index into the ops slice
	last bool // the last append to this key within its transaction
}

// readRef is one Ok read of a key.
type readRef struct {
	op   int // index into the ops slice
	list []int64
}

// Append checks an Elle-style list-append history. Transactions ("txn", and
// "final-read" transactions run after the workload stopped) are sequences
// of Mops that append unique values to lists or read lists.
//
// It reports:
//   - G1a (aborted read): an Ok read saw a value appended only by a Fail
//     transaction.
//   - G1b (intermediate read): an Ok read ended with a value that its
//     writer (another transaction) followed with another append to the same
//     key.
//   - duplicate-elements: a read list holds a value twice.
//   - garbage-read: a read saw a value nobody appended.
//   - incompatible-order: two reads of a key are not prefixes of one
//     another, so no single version order explains them.
//   - lost-append: given an Ok final read of a key, an Ok append to it that
//     the final read lacks.
//   - G0, G1c, G-single, G2: cycles in the graph of ww, wr and rw
//     dependencies between Ok and Info transactions, classified by the
//     kinds of their edges (see classify).
//   - strict-serializability: a cycle that needs a real-time edge (one
//     transaction completed before another was invoked).
//
// Info transactions are nodes of the graph (their appends may have
// committed) but their reads are ignored; Fail transactions are not nodes.
// The version order of a key is its longest Ok read; an Ok append never
// observed by any read is known to follow all observed ones, and is placed
// after them (ww from the last observed writer, rw from every read).
func Append(ops []history.Op) Report {
	r := Report{Checker: "append"}
	isTxn := func(op history.Op) bool {
		return (op.F == "txn" || op.F == "final-read") && len(op.Txn) > 0
	}

	// Who appended what.
	writers := make(map[kv]appendRef)
	for i, op := range ops {
		if !isTxn(op) {
			continue
		}
		countOutcome(&r, op)
		lastAppend := make(map[int64]int)
		for j, m := range op.Txn {
			if m.F == history.MopAppend {
				lastAppend[m.Key] = j
			}
		}
		for j, m := range op.Txn {
			if m.F == history.MopAppend {
				writers[kv{m.Key, m.Value}] = appendRef{op: i, last: lastAppend[m.Key] == j}
			}
		}
	}

	// Graph nodes: transactions that may have committed.
	node := make(map[int]int) // ops index -> node
	var nodeOp []int          // node -> ops index
	for i, op := range ops {
		if isTxn(op) && op.Outcome != history.Fail {
			node[i] = len(nodeOp)
			nodeOp = append(nodeOp, i)
		}
	}
	label := func(n int) string {
		op := ops[nodeOp[n]]
		mops := make([]string, len(op.Txn))
		for i, m := range op.Txn {
			mops[i] = m.String()
		}
		return fmt.Sprintf("op %d (process %d, %s): %s", op.Index, op.Process, op.Outcome, strings.Join(mops, " "))
	}

	opIndex := func(n int) int { return ops[nodeOp[n]].Index }

	// Reads: per-read anomalies, and the reads of each key.
	reads := make(map[int64][]readRef)
	finalSeen := make(map[int64]map[int64]bool)
	for i, op := range ops {
		if !isTxn(op) || op.Outcome != history.Ok {
			continue
		}
		for _, m := range op.Txn {
			if m.F != history.MopRead {
				continue
			}
			reads[m.Key] = append(reads[m.Key], readRef{op: i, list: m.Read})
			if op.F == "final-read" {
				set := make(map[int64]bool, len(m.Read))
				for _, v := range m.Read {
					set[v] = true
				}
				finalSeen[m.Key] = set
			}
			seen := make(map[int64]bool, len(m.Read))
			for _, v := range m.Read {
				if seen[v] {
					r.add(Anomaly{Type: DuplicateElems, Ops: []int{op.Index},
						Description: fmt.Sprintf("read of key %d holds %d twice: %v", m.Key, v, m.Read)})
				}
				seen[v] = true
				w, ok := writers[kv{m.Key, v}]
				switch {
				case !ok:
					r.add(Anomaly{Type: GarbageRead, Ops: []int{op.Index},
						Description: fmt.Sprintf("read of key %d saw %d, which nobody appended", m.Key, v)})
				case ops[w.op].Outcome == history.Fail:
					r.add(Anomaly{Type: G1a, Ops: []int{ops[w.op].Index, op.Index},
						Description: fmt.Sprintf("op %d read key %d = %v, including %d appended by op %d, which failed (%s)",
							op.Index, m.Key, m.Read, v, ops[w.op].Index, ops[w.op].Error)})
				}
			}
			if n := len(m.Read); n > 0 {
				v := m.Read[n-1]
				if w, ok := writers[kv{m.Key, v}]; ok && w.op != i && !w.last {
					r.add(Anomaly{Type: G1b, Ops: []int{ops[w.op].Index, op.Index},
						Description: fmt.Sprintf("op %d read key %d = %v, ending in %d, an intermediate append of op %d, which appended to key %d again after it",
							op.Index, m.Key, m.Read, v, ops[w.op].Index, m.Key)})
				}
			}
		}
	}

	// Lost appends: Ok appends missing from a final read of their key.
	var lostKeys []kv
	for e, w := range writers {
		if set, ok := finalSeen[e.k]; ok && ops[w.op].Outcome == history.Ok && !set[e.v] {
			lostKeys = append(lostKeys, e)
		}
	}
	sort.Slice(lostKeys, func(i, j int) bool {
		return lostKeys[i].k < lostKeys[j].k || lostKeys[i].k == lostKeys[j].k && lostKeys[i].v < lostKeys[j].v
	})
	for _, e := range lostKeys {
		r.add(Anomaly{Type: LostAppend, Ops: []int{ops[writers[e].op].Index},
			Description: fmt.Sprintf("op %d appended %d to key %d and committed, but the final read of key %d lacks it", ops[writers[e].op].Index, e.v, e.k, e.k)})
	}

	// Version orders and the dependency graph.
	appended := make(map[int64][]int64) // key -> values appended, ascending
	for e := range writers {
		appended[e.k] = append(appended[e.k], e.v)
	}
	for _, vs := range appended {
		slices.Sort(vs)
	}
	g := newGraph(len(nodeOp))
	keys := make([]int64, 0, len(reads))
	for k := range reads {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	writerNode := func(k, v int64) (int, bool) {
		w, ok := writers[kv{k, v}]
		if !ok {
			return 0, false
		}
		n, ok := node[w.op]
		return n, ok
	}
	for _, k := range keys {
		rs := reads[k]
		longest := rs[0].list
		for _, rd := range rs[1:] {
			if len(rd.list) > len(longest) {
				longest = rd.list
			}
		}
		inOrder := make(map[int64]bool, len(longest))
		for _, v := range longest {
			inOrder[v] = true
		}
		for i := 1; i < len(longest); i++ {
			a, okA := writerNode(k, longest[i-1])
			b, okB := writerNode(k, longest[i])
			if okA && okB {
				g.link(a, b, kindWW, fmt.Sprintf("key %d: %d then %d", k, longest[i-1], longest[i]))
			}
		}
		// Ok appends no read observed follow every observed one.
		var unobserved []int64
		for _, v := range appended[k] {
			if !inOrder[v] && ops[writers[kv{k, v}].op].Outcome == history.Ok {
				unobserved = append(unobserved, v)
			}
		}
		for _, u := range unobserved {
			b, _ := writerNode(k, u)
			if n := len(longest); n > 0 {
				if a, ok := writerNode(k, longest[n-1]); ok {
					g.link(a, b, kindWW, fmt.Sprintf("key %d: %d then unobserved %d", k, longest[n-1], u))
				}
			}
		}
		for _, rd := range rs {
			if !slices.Equal(rd.list, longest[:min(len(rd.list), len(longest))]) {
				r.add(Anomaly{Type: IncompatibleOrd, Ops: []int{ops[rd.op].Index},
					Description: fmt.Sprintf("key %d: op %d read %v, which is not a prefix of the longest read %v",
						k, ops[rd.op].Index, rd.list, longest)})
				continue
			}
			rn := node[rd.op]
			j := len(rd.list)
			if j > 0 {
				if a, ok := writerNode(k, rd.list[j-1]); ok {
					g.link(a, rn, kindWR, fmt.Sprintf("key %d: read saw %d", k, rd.list[j-1]))
				}
			}
			if j < len(longest) {
				if b, ok := writerNode(k, longest[j]); ok {
					g.link(rn, b, kindRW, fmt.Sprintf("key %d: read missed %d", k, longest[j]))
				}
			}
			for _, u := range unobserved {
				b, _ := writerNode(k, u)
				g.link(rn, b, kindRW, fmt.Sprintf("key %d: read missed %d", k, u))
			}
		}
	}
	addRealTime(g, ops, nodeOp)

	// Cycles without real time: serializability anomalies.
	const dep = kindWW | kindWR | kindRW
	for _, comp := range g.sccs(dep) {
		found := false
		for _, search := range []struct {
			first, rest uint8
			needRW      bool
		}{
			{kindWW, kindWW, false},          // G0
			{kindWR, kindWW | kindWR, false}, // G1c
			{kindRW, kindWW | kindWR, false}, // G-single
			{kindRW, dep, true},              // G2
		} {
			if c := g.findCycle(comp, search.first, search.rest, search.needRW); c != nil {
				found = true
				r.addCycle(g, c, label, opIndex)
			}
		}
		if !found { // the searches' bounds hid every cycle: take any.
			if c := g.findCycle(comp, dep, dep, false); c != nil {
				r.addCycle(g, c, label, opIndex)
			}
		}
	}
	// Cycles that need real time: strict-serializability violations.
	for _, comp := range g.sccs(dep | kindRT) {
		if c := g.findCycle(comp, kindRT, dep|kindRT, false); c != nil {
			r.addCycle(g, c, label, opIndex)
		}
	}
	r.stat("nodes", len(nodeOp))
	r.stat("keys", len(keys))
	r.finish()
	return r
}

// addCycle reports a cycle of graph nodes, classified by classify.
func (r *Report) addCycle(g *graph, c []step, label func(int) string, opIndex func(int) int) {
	idx := make([]int, len(c))
	for i, s := range c {
		idx[i] = opIndex(s.node)
	}
	r.add(Anomaly{Type: classify(c), Ops: idx, Description: "cycle:\n" + g.describe(c, label)})
}

// addRealTime adds rt edges a->b for every pair of graph nodes where a (Ok)
// completed before b was invoked, transitively reduced: scanning events in
// time order, each invocation links from the current frontier (completed
// ops not yet known to precede a later-completed op), and each completion
// replaces in the frontier the ops that preceded it. Info ops never
// complete: they may have taken effect at any time after their invocation.
func addRealTime(g *graph, ops []history.Op, nodeOp []int) {
	type event struct {
		t        int64
		complete bool
		n        int
	}
	var evs []event
	for n, i := range nodeOp {
		evs = append(evs, event{t: ops[i].Invoke, n: n})
		if ops[i].Outcome == history.Ok {
			evs = append(evs, event{t: ops[i].Complete, complete: true, n: n})
		}
	}
	// At equal times invocations come first: real time needs a strict gap.
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].t != evs[j].t {
			return evs[i].t < evs[j].t
		}
		return !evs[i].complete && evs[j].complete
	})
	frontier := make(map[int]bool)
	preds := make(map[int][]int)
	for _, e := range evs {
		if !e.complete {
			ps := make([]int, 0, len(frontier))
			for p := range frontier {
				ps = append(ps, p)
			}
			sort.Ints(ps)
			for _, p := range ps {
				g.link(p, e.n, kindRT, "completed before invoked")
			}
			preds[e.n] = ps
			continue
		}
		for _, p := range preds[e.n] {
			delete(frontier, p)
		}
		delete(preds, e.n)
		frontier[e.n] = true
	}
}
