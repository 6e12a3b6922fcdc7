package checker

import (
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

// hb builds histories by hand. Ops are numbered in the order added.
type hb struct{ ops []history.Op }

func (h *hb) op(op history.Op) *hb {
	op.Index = len(h.ops)
	if op.Process == 0 {
		op.Process = op.Index
	}
	h.ops = append(h.ops, op)
	return h
}

// txn adds a list-append transaction over [inv, comp].
func (h *hb) txn(inv, comp int64, out history.Outcome, mops ...history.Mop) *hb {
	return h.op(history.Op{F: "txn", Invoke: inv, Complete: comp, Outcome: out, Txn: mops})
}

func app(k, v int64) history.Mop { return history.Mop{F: history.MopAppend, Key: k, Value: v} }
func rd(k int64, vs ...int64) history.Mop {
	return history.Mop{F: history.MopRead, Key: k, Read: vs}
}

const (
	ok   = history.Ok
	fail = history.Fail
	info = history.Info
)

// wantOnly asserts the report is invalid with exactly the given anomaly
// types (nothing more), or valid when none are given.
func wantOnly(t *testing.T, r Report, types ...string) {
	t.Helper()
	if len(types) == 0 {
		if r.Verdict != Valid {
			t.Fatalf("want valid, got %s\n%s", r.Verdict, r.Text())
		}
		return
	}
	if r.Verdict != Invalid {
		t.Fatalf("want invalid (%v), got %s\n%s", types, r.Verdict, r.Text())
	}
	want := make(map[string]bool)
	for _, typ := range types {
		want[typ] = true
		if !r.Has(typ) {
			t.Errorf("want %s, not found\n%s", typ, r.Text())
		}
	}
	for typ := range r.Counts {
		if !want[typ] {
			t.Errorf("unexpected %s\n%s", typ, r.Text())
		}
	}
}

func TestAppendValidSerial(t *testing.T) {
	h := new(hb).
		txn(0, 1, ok, app(1, 1), rd(1, 1)).
		txn(2, 3, ok, rd(1, 1), app(1, 2), app(2, 3)).
		txn(4, 5, ok, rd(1, 1, 2), rd(2, 3)).
		txn(6, 7, ok, rd(3))
	wantOnly(t, Append(h.ops))
}

func TestAppendValidConcurrent(t *testing.T) {
	// Reads overlapping appends may see either state.
	h := new(hb).
		txn(0, 10, ok, app(1, 1)).
		txn(0, 10, ok, rd(1)).
		txn(0, 10, ok, rd(1, 1)).
		txn(11, 12, ok, rd(1, 1), app(1, 2))
	wantOnly(t, Append(h.ops))
}

func TestAppendIndeterminatePossiblyApplied(t *testing.T) {
	// An Info append that was observed did commit; one never observed may
	// not have; a Fail append that nobody saw is fine; an Info txn's reads
	// are not trusted (its r(2)=[99] would be a garbage read).
	h := new(hb).
		txn(0, 1, info, app(1, 1), rd(2, 99)).
		txn(2, 3, ok, rd(1, 1)).
		txn(2, 3, info, app(1, 2)).
		txn(4, 5, fail, app(1, 3)).
		txn(6, 7, ok, rd(1, 1)).
		op(history.Op{F: "final-read", Invoke: 8, Complete: 9, Outcome: ok, Txn: []history.Mop{rd(1, 1)}})
	wantOnly(t, Append(h.ops))
}

func TestAppendInfoObservedLater(t *testing.T) {
	// An Info append may take effect long after its client gave up: a read
	// invoked after the Info op "completed" may still lack it, and a later
	// read may show it.
	h := new(hb).
		txn(0, 1, info, app(1, 1)).
		txn(2, 3, ok, rd(1)).
		txn(4, 5, ok, rd(1, 1))
	wantOnly(t, Append(h.ops))
}

func TestAppendG0(t *testing.T) {
	// T0 and T1 both append to keys 1 and 2; the orders disagree.
	h := new(hb).
		txn(0, 10, ok, app(1, 1), app(2, 1)).
		txn(0, 10, ok, app(1, 2), app(2, 2)).
		txn(0, 10, ok, rd(1, 1, 2), rd(2, 2, 1))
	r := Append(h.ops)
	if !r.Has(G0) {
		t.Fatalf("want G0\n%s", r.Text())
	}
	if r.Has(GSingle) || r.Has(G1c) {
		t.Fatalf("misclassified\n%s", r.Text())
	}
}

func TestAppendG1a(t *testing.T) {
	h := new(hb).
		txn(0, 1, fail, app(1, 1)).
		txn(2, 3, ok, rd(1, 1))
	wantOnly(t, Append(h.ops), G1a)
}

func TestAppendG1b(t *testing.T) {
	h := new(hb).
		txn(0, 10, ok, app(1, 1), app(1, 2)).
		txn(0, 10, ok, rd(1, 1))
	// The read also misses the writer's own later append (rw) while seeing
	// its earlier one (wr): the same evidence is a G-single cycle.
	wantOnly(t, Append(h.ops), G1b, GSingle)
}

func TestAppendG1c(t *testing.T) {
	// Circular information flow: each reads the other's append.
	h := new(hb).
		txn(0, 10, ok, app(1, 1), rd(2, 2)).
		txn(0, 10, ok, app(2, 2), rd(1, 1))
	wantOnly(t, Append(h.ops), G1c)
}

func TestAppendGSingle(t *testing.T) {
	// Read skew: T1 sees T0's append to key 2 but not to key 1.
	h := new(hb).
		txn(0, 10, ok, app(1, 1), app(2, 1)).
		txn(0, 10, ok, rd(1), rd(2, 1)).
		txn(0, 10, ok, rd(1, 1))
	wantOnly(t, Append(h.ops), GSingle)
}

func TestAppendG2(t *testing.T) {
	// Write skew: each reads the key the other appends to, and misses it.
	h := new(hb).
		txn(0, 10, ok, rd(1), app(2, 1)).
		txn(0, 10, ok, rd(2), app(1, 2)).
		txn(11, 12, ok, rd(1, 2), rd(2, 1))
	wantOnly(t, Append(h.ops), G2)
}

func TestAppendStrictSerializability(t *testing.T) {
	// Serializable (the read can be ordered first) but not strictly: the
	// append completed before the read began, and the read missed it.
	h := new(hb).
		txn(0, 1, ok, app(1, 1)).
		txn(2, 3, ok, rd(1)).
		txn(4, 5, ok, rd(1, 1))
	r := Append(h.ops)
	wantOnly(t, r, StrictSerial)
	if !strings.Contains(r.Text(), "-rt->") {
		t.Fatalf("cycle should show its real-time edge\n%s", r.Text())
	}
}

func TestAppendDuplicateElements(t *testing.T) {
	h := new(hb).
		txn(0, 1, ok, app(1, 1)).
		txn(2, 3, ok, rd(1, 1, 1))
	r := Append(h.ops)
	if !r.Has(DuplicateElems) {
		t.Fatalf("want duplicates\n%s", r.Text())
	}
}

func TestAppendIncompatibleOrder(t *testing.T) {
	h := new(hb).
		txn(0, 10, ok, app(1, 1)).
		txn(0, 10, ok, app(1, 2)).
		txn(0, 10, ok, app(1, 3)).
		txn(0, 10, ok, rd(1, 1, 2)).
		txn(0, 10, ok, rd(1, 1, 3))
	r := Append(h.ops)
	if !r.Has(IncompatibleOrd) {
		t.Fatalf("want incompatible order\n%s", r.Text())
	}
}

func TestAppendGarbageRead(t *testing.T) {
	h := new(hb).txn(0, 1, ok, rd(1, 42))
	wantOnly(t, Append(h.ops), GarbageRead)
}

func TestAppendLostAppend(t *testing.T) {
	h := new(hb).
		txn(0, 1, ok, app(1, 1)).
		txn(0, 1, ok, app(1, 2)).
		op(history.Op{F: "final-read", Invoke: 5, Complete: 6, Outcome: ok, Txn: []history.Mop{rd(1, 2)}})
	r := Append(h.ops)
	if !r.Has(LostAppend) || r.Counts[LostAppend] != 1 {
		t.Fatalf("want one lost append\n%s", r.Text())
	}
}

func TestAppendIgnoresOtherOps(t *testing.T) {
	h := new(hb).
		op(history.Op{Process: history.NemesisProcess, F: "nemesis", Outcome: ok, Note: "kill"}).
		txn(0, 1, ok, app(1, 1)).
		op(history.Op{F: "transfer", Outcome: ok})
	wantOnly(t, Append(h.ops))
}

func TestSCCAndShortestCycle(t *testing.T) {
	// 0->1->2->0 and 2->3->4->2 share node 2; 5 is alone.
	g := newGraph(6)
	g.link(0, 1, kindWW, "")
	g.link(1, 2, kindWW, "")
	g.link(2, 0, kindWR, "")
	g.link(2, 3, kindRW, "")
	g.link(3, 4, kindWW, "")
	g.link(4, 2, kindRW, "")
	g.link(4, 5, kindWW, "")
	comps := g.sccs(kindWW | kindWR | kindRW)
	if len(comps) != 1 || len(comps[0]) != 5 {
		t.Fatalf("sccs = %v", comps)
	}
	if c := g.findCycle(comps[0], kindWW, kindWW, false); c != nil {
		t.Fatalf("no ww-only cycle exists, found %v", c)
	}
	c := g.findCycle(comps[0], kindWR, kindWW|kindWR, false)
	if len(c) != 3 || classify(c) != G1c {
		t.Fatalf("G1c cycle = %v", c)
	}
	c = g.findCycle(comps[0], kindRW, kindWW|kindWR|kindRW, true)
	if len(c) != 3 || classify(c) != G2 {
		t.Fatalf("G2 cycle = %v", c)
	}
	if got := g.sccs(kindWW); len(got) != 0 {
		t.Fatalf("ww sccs = %v", got)
	}
}

// serialHistory simulates n list-append transactions run one after another
// against a model, with overlapping-free real times: a history that must
// check valid, strict serializability included.
func serialHistory(n int, seed int64) []history.Op {
	rng := rand.New(rand.NewSource(seed))
	state := make(map[int64][]int64)
	h := new(hb)
	next := int64(0)
	for i := 0; i < n; i++ {
		var mops []history.Mop
		for j := 0; j < 1+rng.Intn(4); j++ {
			k := int64(i/20 + rng.Intn(5)) // a sliding window of keys
			if rng.Intn(2) == 0 {
				mops = append(mops, rd(k, append([]int64(nil), state[k]...)...))
			} else {
				next++
				state[k] = append(state[k], next)
				mops = append(mops, app(k, next))
			}
		}
		h.txn(int64(2*i), int64(2*i+1), ok, mops...)
	}
	return h.ops
}

func TestAppendLargeSerialHistory(t *testing.T) {
	ops := serialHistory(5000, 1)
	wantOnly(t, Append(ops))

	// Make one late read miss an element its key had: now invalid.
	for i := len(ops) - 1; i >= 0; i-- {
		m := ops[i].Txn
		if j := slices.IndexFunc(m, func(m history.Mop) bool { return m.F == history.MopRead && len(m.Read) > 2 }); j >= 0 {
			m[j].Read = append(m[j].Read[:1:1], m[j].Read[2:]...)
			break
		}
	}
	if r := Append(ops); r.Verdict != Invalid {
		t.Fatalf("a read missing a middle element must be invalid\n%s", r.Text())
	}
}
