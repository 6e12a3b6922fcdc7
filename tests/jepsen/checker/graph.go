package checker

import (
	"fmt"
	"sort"
	"strings"
)

// Edge kinds of a dependency graph, as a bit set: an edge may have several.
const (
	kindWW uint8 = 1 << iota // write-write: a's version precedes b's
	kindWR                   // write-read: b read a's version
	kindRW                   // read-write (anti-dependency): a read a version b overwrote
	kindRT                   // real time: a completed before b was invoked
)

var kindNames = map[uint8]string{kindWW: "ww", kindWR: "wr", kindRW: "rw", kindRT: "rt"}

// graph is a dependency graph over transactions numbered 0..n-1.
type graph struct {
	adj []map[int]uint8 // adj[a][b]: the kinds of edge a->b
	// why explains the first edge of each kind added between two nodes.
	why map[edgeKind]string
}

type edgeKind struct {
	from, to int
	kind     uint8
}

func newGraph(n int) *graph {
	g := &graph{adj: make([]map[int]uint8, n), why: make(map[edgeKind]string)}
	for i := range g.adj {
		g.adj[i] = make(map[int]uint8)
	}
	return g
}

// link adds an edge of one kind; self-edges are ignored.
func (g *graph) link(from, to int, kind uint8, why string) {
	if from == to {
		return
	}
	if g.adj[from][to]&kind == 0 {
		g.why[edgeKind{from, to, kind}] = why
	}
	g.adj[from][to] |= kind
}

// successors returns a's successors through edges of a kind in mask, in
// ascending order (for deterministic searches).
func (g *graph) successors(a int, mask uint8) []int {
	var out []int
	for b, k := range g.adj[a] {
		if k&mask != 0 {
			out = append(out, b)
		}
	}
	sort.Ints(out)
	return out
}

// sccs returns the strongly connected components of more than one node of
// the subgraph of edges with a kind in mask (Tarjan's algorithm,
// iterative so that long chains do not recurse deeply).
func (g *graph) sccs(mask uint8) [][]int {
	n := len(g.adj)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var out [][]int
	var st []int // Tarjan's stack
	next := 0
	type frame struct {
		v    int
		succ []int
		i    int
	}
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{v: root, succ: g.successors(root, mask)}}
		index[root], low[root] = next, next
		next++
		st = append(st, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.i < len(f.succ) {
				w := f.succ[f.i]
				f.i++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					st = append(st, w)
					onStack[w] = true
					call = append(call, frame{v: w, succ: g.successors(w, mask)})
				} else if onStack[w] && index[w] < low[f.v] {
					low[f.v] = index[w]
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				if p := call[len(call)-1].v; low[v] < low[p] {
					low[p] = low[v]
				}
			}
			if low[v] == index[v] {
				var comp []int
				for {
					w := st[len(st)-1]
					st = st[:len(st)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				if len(comp) > 1 {
					sort.Ints(comp)
					out = append(out, comp)
				}
			}
		}
	}
	return out
}

// step is one edge of a cycle: from -kind-> the next step's node.
type step struct {
	node int
	kind uint8
}

// maxCycleTries bounds the BFS runs spent looking for one class of cycle
// in one component.
const maxCycleTries = 64

// findCycle looks for a cycle within comp that starts with an edge a->b of
// kind first and continues from b back to a through edges of kinds in rest.
// If needRW, the continuation must use at least one rw edge (for G2: with
// first == rw, two in all). The continuation is a shortest such path.
// Returns nil if none is found within maxCycleTries starting edges.
func (g *graph) findCycle(comp []int, first, rest uint8, needRW bool) []step {
	in := make(map[int]bool, len(comp))
	for _, v := range comp {
		in[v] = true
	}
	tries := 0
	for _, a := range comp {
		for _, b := range g.successors(a, first) {
			if !in[b] {
				continue
			}
			if tries++; tries > maxCycleTries {
				return nil
			}
			if path := g.bfs(in, b, a, rest, needRW); path != nil {
				return append([]step{{node: a, kind: first}}, path...)
			}
		}
	}
	return nil
}

// bfs finds a shortest path src ~> dst within in through edges of a kind in
// mask, using an rw edge at least once if needRW, visiting no node twice.
// It returns the steps from src (each labelled with the kind used to leave
// it), or nil. The caller's first edge ends at src, and the cycle is that
// edge plus this path.
func (g *graph) bfs(in map[int]bool, src, dst int, mask uint8, needRW bool) []step {
	type state struct {
		v   int
		saw bool
	}
	type prev struct {
		from state
		kind uint8
	}
	start := state{src, !needRW}
	goal := state{dst, true}
	parent := map[state]prev{start: {}}
	queue := []state{start}
	for len(queue) > 0 && !hasKey(parent, goal) {
		s := queue[0]
		queue = queue[1:]
		if s.v == dst {
			continue // a cycle passes dst once, at its end
		}
		for _, w := range g.successors(s.v, mask) {
			if !in[w] || w == src {
				continue
			}
			kinds := g.adj[s.v][w] & mask
			for _, k := range []uint8{kindWW, kindWR, kindRW, kindRT} {
				if kinds&k == 0 {
					continue
				}
				ns := state{w, s.saw || k == kindRW}
				if hasKey(parent, ns) {
					continue
				}
				parent[ns] = prev{from: s, kind: k}
				queue = append(queue, ns)
			}
		}
	}
	if !hasKey(parent, goal) {
		return nil
	}
	var rev []step
	for s := goal; s != start; {
		p := parent[s]
		rev = append(rev, step{node: p.from.v, kind: p.kind})
		s = p.from
	}
	out := make([]step, len(rev))
	seen := make(map[int]bool, len(rev))
	for i := range rev {
		out[i] = rev[len(rev)-1-i]
		if seen[out[i].node] {
			// The two layers of an rw search let a walk visit a node
			// twice; that is no simple cycle, so no evidence of its class.
			return nil
		}
		seen[out[i].node] = true
	}
	return out
}

func hasKey[K comparable, V any](m map[K]V, k K) bool {
	_, ok := m[k]
	return ok
}

// classify names the anomaly a cycle (without rt edges) exhibits, by the
// kinds of its edges: only ww is G0; ww and wr is G1c; exactly one rw is
// G-single; more is G2. A cycle with an rt edge is a strict-serializability
// violation.
func classify(cycle []step) string {
	var rw, wr, rt int
	for _, s := range cycle {
		switch s.kind {
		case kindRW:
			rw++
		case kindWR:
			wr++
		case kindRT:
			rt++
		}
	}
	switch {
	case rt > 0:
		return StrictSerial
	case rw == 1:
		return GSingle
	case rw > 1:
		return G2
	case wr > 0:
		return G1c
	default:
		return G0
	}
}

// describe renders a cycle, naming each transaction by label(node).
func (g *graph) describe(cycle []step, label func(int) string) string {
	var b strings.Builder
	for i, s := range cycle {
		to := cycle[(i+1)%len(cycle)].node
		fmt.Fprintf(&b, "%s\n  -%s-> (%s)\n", label(s.node), kindNames[s.kind], g.why[edgeKind{s.node, to, s.kind}])
	}
	fmt.Fprintf(&b, "%s", label(cycle[0].node))
	return b.String()
}
