package concurrency

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/meridiandb/meridian/kv"
)

// TestTableRandom drives the pure Table with random requests of a few
// transactions (point and span locks, shared and exclusive, upgrades,
// cancelled waits, commits, releases, equal priorities) and checks its
// invariants after every step:
//   - no two transactions hold incompatible overlapping locks;
//   - an aborted transaction holds nothing and waits for nothing;
//   - no waiter could be granted now (a lost wakeup otherwise);
//   - the wait-for graph is acyclic (no deadlock);
//   - events report each waiter at most once, and only waiters that exist;
//   - a decision is true: Wait names a queued request, Granted a held lock;
//   - a transaction is only ever aborted for an older one.
//
// At the end every transaction is released and the table must be empty.
func TestTableRandom(t *testing.T) {
	for seed := range uint64(200) {
		runTableRandom(t, seed)
		if t.Failed() {
			return
		}
	}
}

type rtTxn struct {
	meta    kv.TxnMeta
	waiting map[WaiterID]bool // parked requests (usually at most one)
	status  txnStatus
	live    bool // known to the table (acquired since the last release)
}

func runTableRandom(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	tbl := NewTable()
	keys := []string{"a", "b", "c", "d", "e"}
	var txns []*rtTxn
	for range 5 {
		// Priorities collide now and then: ties are broken by TxnID.
		txns = append(txns, &rtTxn{meta: kv.TxnMeta{ID: kv.NewTxnID(), Priority: int64(1 + rng.IntN(4))}, waiting: map[WaiterID]bool{}})
	}
	byID := map[kv.TxnID]*rtTxn{}
	for _, tx := range txns {
		byID[tx.meta.ID] = tx
	}
	waiterOf := map[WaiterID]*rtTxn{}
	var trace []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d: %s\ntrace:\n%s\ntable:\n%s", seed, fmt.Sprintf(format, args...),
			fmtTrace(trace), tbl.String())
	}
	apply := func(evs []Event) {
		for _, ev := range evs {
			trace = append(trace, fmt.Sprintf("  event %d w%d", ev.Kind, ev.Waiter))
			switch ev.Kind {
			case EventGranted, EventAborted:
				tx := waiterOf[ev.Waiter]
				if tx == nil || !tx.waiting[ev.Waiter] {
					fail("event for unknown or finished waiter w%d", ev.Waiter)
				}
				delete(waiterOf, ev.Waiter)
				delete(tx.waiting, ev.Waiter)
				if ev.Kind == EventAborted {
					if !errors.Is(ev.Err, kv.ErrTxnAborted) {
						fail("waiter w%d aborted with %v", ev.Waiter, ev.Err)
					}
					tx.status = statusAborted
				}
			case EventWounded:
				if !olderBy(byID, ev.By, byID[ev.Txn]) {
					fail("%s wounded by %s, not an older transaction", ev.Txn, ev.By)
				}
				byID[ev.Txn].status = statusAborted
			}
		}
	}
	for step := range 300 {
		tx := txns[rng.IntN(len(txns))]
		switch {
		case len(tx.waiting) > 0 && rng.IntN(8) != 0:
			// Mostly one request at a time, as a client sends them; now and
			// then a second one in flight, which a client may do.
			if rng.IntN(4) == 0 {
				w := minWaiter(tx.waiting)
				trace = append(trace, fmt.Sprintf("cancel w%d", w))
				delete(waiterOf, w)
				delete(tx.waiting, w)
				apply(tbl.CancelWait(w))
			}
		case tx.status == statusAborted || tx.status == statusCommitting || rng.IntN(12) == 0:
			trace = append(trace, fmt.Sprintf("release %s", tx.meta.ID))
			apply(tbl.Release(tx.meta.ID))
			tx.status, tx.live = statusPending, false
		case rng.IntN(10) == 0 && len(tx.waiting) == 0:
			trace = append(trace, fmt.Sprintf("begin-commit %s", tx.meta.ID))
			err := tbl.BeginCommit(tx.meta)
			if err != nil {
				if !errors.Is(err, kv.ErrTxnAborted) {
					fail("BeginCommit: %v", err)
				}
				tx.status = statusAborted
			} else {
				tx.status = statusCommitting
			}
		default:
			req := Request{Txn: tx.meta, Strength: kv.LockShared}
			i := rng.IntN(len(keys))
			if rng.IntN(2) == 0 {
				req.Strength = kv.LockExclusive
			}
			if rng.IntN(3) == 0 {
				j := i + 1 + rng.IntN(len(keys)-i)
				end := "z"
				if j < len(keys) {
					end = keys[j]
				}
				req.Span = kv.Span{Key: []byte(keys[i]), EndKey: []byte(end)}
			} else {
				req.Span = kv.Span{Key: []byte(keys[i])}
			}
			trace = append(trace, fmt.Sprintf("acquire %s prio %d %s %s", tx.meta.ID, tx.meta.Priority, req.Span, req.Strength))
			d, evs := tbl.Acquire(req)
			tx.live = true
			trace = append(trace, fmt.Sprintf("  -> %s w%d %v", d.Outcome, d.Waiter, d.Err))
			switch d.Outcome {
			case Wait:
				if tbl.byID[d.Waiter] == nil {
					fail("Wait for w%d, which is not queued", d.Waiter)
				}
				tx.waiting[d.Waiter] = true
				waiterOf[d.Waiter] = tx
			case Granted:
				if !tbl.held(tbl.txns[tx.meta.ID], toLSpan(req.Span), req.Strength) {
					fail("Granted but not held")
				}
			case Aborted:
				if !errors.Is(d.Err, kv.ErrTxnAborted) {
					fail("Acquire: %v", d.Err)
				}
				if ae := (*kv.TxnAbortedError)(nil); errors.As(d.Err, &ae) && !olderBy(byID, ae.By, tx) {
					fail("aborted by %s, not an older transaction", ae.By)
				}
				tx.status = statusAborted
			}
			apply(evs)
		}
		if err := tbl.checkInvariants(); err != nil {
			fail("step %d: %v", step, err)
		}
	}
	for _, tx := range txns {
		for len(tx.waiting) > 0 {
			w := minWaiter(tx.waiting)
			delete(waiterOf, w)
			delete(tx.waiting, w)
			apply(tbl.CancelWait(w))
		}
	}
	for _, tx := range txns {
		apply(tbl.Release(tx.meta.ID))
		if err := tbl.checkInvariants(); err != nil {
			fail("final release: %v", err)
		}
	}
	if s := tbl.String(); s != "empty\n" {
		fail("table not empty after releasing everything")
	}
}

// olderBy reports whether the transaction by is known and older than tx.
func olderBy(byID map[kv.TxnID]*rtTxn, by kv.TxnID, tx *rtTxn) bool {
	o := byID[by]
	return o != nil && o.meta.Older(&tx.meta)
}

func minWaiter(ws map[WaiterID]bool) WaiterID {
	var out WaiterID
	for w := range ws {
		if out == 0 || w < out {
			out = w
		}
	}
	return out
}

func fmtTrace(trace []string) string {
	if len(trace) > 60 {
		trace = trace[len(trace)-60:]
	}
	out := ""
	for _, l := range trace {
		out += l + "\n"
	}
	return out
}

// holding is one lock as the invariant checks see it.
type holding struct {
	tx   *txnState
	span lspan
	str  kv.Strength
}

func (t *Table) holdings() []holding {
	var hs []holding
	for _, tx := range t.txns {
		for k, s := range tx.points {
			hs = append(hs, holding{tx, lspan{start: k, point: true}, s})
		}
		for _, sl := range tx.spans {
			hs = append(hs, holding{tx, sl.span, sl.strength})
		}
	}
	return hs
}

// checkInvariants checks the table's invariants (see TestTableRandom).
func (t *Table) checkInvariants() error {
	hs := t.holdings()
	for i, a := range hs {
		for _, b := range hs[i+1:] {
			if a.tx != b.tx && incompatible(a.str, b.str) && a.span.overlaps(b.span) {
				return fmt.Errorf("%s holds %s %s and %s holds %s %s", a.tx.meta.ID, a.span, a.str, b.tx.meta.ID, b.span, b.str)
			}
		}
	}
	for _, tx := range t.txns {
		if tx.status == statusAborted && (len(tx.points) > 0 || len(tx.spans) > 0 || len(tx.waiters) > 0) {
			return fmt.Errorf("aborted %s still holds or waits", tx.meta.ID)
		}
		for k, s := range tx.points {
			_, pl, ok := t.points.Get(k)
			if !ok || pl.holders[tx] != s {
				return fmt.Errorf("%s's point lock on %s missing from the table", tx.meta.ID, k)
			}
		}
	}
	if len(t.byID) != len(t.waiters) {
		return fmt.Errorf("%d waiters by id, %d queued", len(t.byID), len(t.waiters))
	}
	if !slices.IsSortedFunc(t.waiters, cmpWaiters) {
		return fmt.Errorf("queue out of order")
	}
	// waitsFor[a] are the transactions a waits for.
	waitsFor := map[*txnState][]*txnState{}
	for qi, w := range t.waiters {
		if w.txn.status != statusPending {
			return fmt.Errorf("waiter w%d of a %s transaction", w.id, w.txn.status)
		}
		blocked := false
		for _, h := range hs {
			if h.tx == w.txn || !incompatible(h.str, w.strength) || !h.span.overlaps(w.span) {
				continue
			}
			blocked = true
			waitsFor[w.txn] = append(waitsFor[w.txn], h.tx)
		}
		for _, a := range t.waiters[:qi] {
			if a.txn != w.txn && incompatible(a.strength, w.strength) && a.span.overlaps(w.span) {
				blocked = true
				waitsFor[w.txn] = append(waitsFor[w.txn], a.txn)
			}
		}
		if !blocked {
			return fmt.Errorf("waiter w%d could be granted (lost wakeup)", w.id)
		}
	}
	// Acyclic: depth-first search for a back edge.
	state := map[*txnState]int{} // 1 on the stack, 2 done
	var visit func(tx *txnState) error
	visit = func(tx *txnState) error {
		state[tx] = 1
		for _, o := range waitsFor[tx] {
			switch state[o] {
			case 1:
				return fmt.Errorf("deadlock: cycle through %s and %s", tx.meta.ID, o.meta.ID)
			case 0:
				if err := visit(o); err != nil {
					return err
				}
			}
		}
		state[tx] = 2
		return nil
	}
	for tx := range waitsFor {
		if state[tx] == 0 {
			if err := visit(tx); err != nil {
				return err
			}
		}
	}
	return nil
}
