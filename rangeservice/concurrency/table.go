package concurrency

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/RaduBerinde/btreemap"

	"github.com/meridiandb/meridian/kv"
)

// Request asks for a lock for a transaction.
type Request struct {
	Txn      kv.TxnMeta
	Span     kv.Span
	Strength kv.Strength
}

// WaiterID names a request waiting in the table.
type WaiterID uint64

// Outcome is what Acquire decided.
type Outcome uint8

const (
	// Granted: the lock is held.
	Granted Outcome = iota + 1
	// Wait: the request is queued as Decision.Waiter; an Event will say when
	// it is granted or aborted.
	Wait
	// Aborted: the transaction was wounded, earlier or by this request
	// (it would have had to wait while an older transaction waits for it);
	// Decision.Err is a *kv.TxnAbortedError saying by whom. Or the request
	// is invalid (Decision.Err wraps kv.ErrInvalidRequest).
	Aborted
)

func (o Outcome) String() string {
	switch o {
	case Granted:
		return "granted"
	case Wait:
		return "wait"
	case Aborted:
		return "aborted"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Decision is Acquire's answer.
type Decision struct {
	Outcome Outcome
	Waiter  WaiterID // when Wait
	Err     error    // when Aborted: a *kv.TxnAbortedError
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventGranted: waiting request Waiter now holds its lock.
	EventGranted EventKind = iota + 1
	// EventAborted: waiting request Waiter will never be granted; Err
	// (a *kv.TxnAbortedError) says why.
	EventAborted
	// EventWounded: transaction Txn was wounded by By; its locks are gone.
	EventWounded
)

// Event reports a change to a request or transaction other than the one the
// call was about (or, for a request that had to wait, about it later).
type Event struct {
	Kind   EventKind
	Waiter WaiterID
	Txn    kv.TxnID
	By     kv.TxnID
	Err    error
}

type txnStatus uint8

const (
	statusPending txnStatus = iota
	statusCommitting
	statusAborted
)

func (s txnStatus) String() string {
	return [...]string{"pending", "committing", "aborted"}[s]
}

// txnState is the table's record of one transaction.
type txnState struct {
	meta   kv.TxnMeta
	status txnStatus
	// abortErr is set when status == statusAborted.
	abortErr *kv.TxnAbortedError
	// points holds the strength of each point lock the transaction holds.
	// Invariant: points[k] == s iff Table.points[k].holders[this] == s.
	points map[string]kv.Strength
	// spans are the span locks the transaction holds.
	// Invariant: each is also in Table.spans.
	spans []*spanLock
	// waiters are the transaction's queued requests.
	// Invariant: each is also in Table.waiters; empty unless pending.
	waiters map[WaiterID]*waiter
	// seen is the number of the last cycle search that listed the
	// transaction as an edge (Table.search).
	seen uint64
}

// lspan is a kv.Span in the table's representation (strings, so they can be
// map and tree keys).
type lspan struct {
	start, end string
	point      bool
}

func toLSpan(s kv.Span) lspan {
	if s.IsPoint() {
		return lspan{start: string(s.Key), point: true}
	}
	return lspan{start: string(s.Key), end: string(s.EndKey)}
}

func (a lspan) String() string {
	if a.point {
		return a.start
	}
	return "[" + a.start + "," + a.end + ")"
}

func (a lspan) overlaps(b lspan) bool {
	switch {
	case a.point && b.point:
		return a.start == b.start
	case a.point:
		return b.start <= a.start && a.start < b.end
	case b.point:
		return a.start <= b.start && b.start < a.end
	}
	return a.start < b.end && b.start < a.end
}

// covers reports whether every key of b is in a.
func (a lspan) covers(b lspan) bool {
	switch {
	case a.point:
		return b.point && a.start == b.start
	case b.point:
		return a.start <= b.start && b.start < a.end
	}
	return a.start <= b.start && b.end <= a.end
}

func incompatible(a, b kv.Strength) bool { return a == kv.LockExclusive || b == kv.LockExclusive }

// pointLock is the set of holders of one key's point locks.
type pointLock struct {
	// Invariant: non-empty; if one holder is exclusive it is the only one.
	holders map[*txnState]kv.Strength
}

type spanLock struct {
	txn      *txnState
	strength kv.Strength
	span     lspan
}

type waiter struct {
	id       WaiterID
	txn      *txnState
	span     lspan
	strength kv.Strength
}

// Table is the pure lock table. It is not safe for concurrent use: the
// caller serializes calls (Manager holds a mutex).
type Table struct {
	txns   map[kv.TxnID]*txnState
	points *btreemap.BTreeMap[string, *pointLock]
	// spans is every span lock, in no order. A scan request checks all of
	// them; there are few (one per scan of a live transaction).
	spans []*spanLock
	// waiters is the wait queue: every waiting request, oldest transaction
	// first (kv.TxnMeta.Older), then by WaiterID (arrival).
	// Invariant: no waiter could be granted (process leaves none).
	waiters []*waiter
	byID    map[WaiterID]*waiter
	nextID  WaiterID
	events  []Event
	// children lists, by parent ID, the transactions whose TxnMeta.Parent
	// names it: the parent waits for each of them (an edge of the wait-for
	// graph no lock request shows).
	children map[kv.TxnID][]*txnState
	// search numbers the searches of cycleThrough (see txnState.seen).
	search uint64
	// steps counts queued requests examined by blocked, waitedFor and
	// waitEdges, so that a test can check the cost of a call stays linear
	// in the queue.
	steps int
}

// NewTable returns an empty lock table.
func NewTable() *Table {
	return &Table{
		txns:     make(map[kv.TxnID]*txnState),
		points:   btreemap.New[string, *pointLock](16, strings.Compare),
		byID:     make(map[WaiterID]*waiter),
		children: make(map[kv.TxnID][]*txnState),
	}
}

func (t *Table) txn(meta kv.TxnMeta) *txnState {
	ts := t.txns[meta.ID]
	if ts == nil {
		ts = &txnState{meta: meta, points: make(map[string]kv.Strength), waiters: make(map[WaiterID]*waiter)}
		t.txns[meta.ID] = ts
		if meta.Parent != (kv.TxnID{}) {
			t.children[meta.Parent] = append(t.children[meta.Parent], ts)
		}
	}
	return ts
}

func (t *Table) takeEvents() []Event {
	ev := t.events
	t.events = nil
	return ev
}

// Acquire asks for req's lock. The returned events concern other requests
// and transactions (grants after a wound released locks, wounds, aborted
// waiters).
func (t *Table) Acquire(req Request) (Decision, []Event) {
	if req.Strength != kv.LockShared && req.Strength != kv.LockExclusive {
		return Decision{Outcome: Aborted, Err: fmt.Errorf("%w: lock strength %s", kv.ErrInvalidRequest, req.Strength)}, nil
	}
	tx := t.txn(req.Txn)
	switch tx.status {
	case statusAborted:
		return Decision{Outcome: Aborted, Err: tx.abortErr}, nil
	case statusCommitting:
		// A client bug (requests racing its own commit); refuse it rather
		// than let a committing transaction wait, which would break the
		// deadlock-freedom argument.
		return Decision{Outcome: Aborted, Err: fmt.Errorf("%w: lock request by committing transaction %s", kv.ErrInvalidRequest, tx.meta.ID)}, nil
	}
	sp := toLSpan(req.Span)
	if t.held(tx, sp, req.Strength) {
		return Decision{Outcome: Granted}, nil
	}
	t.nextID++
	w := &waiter{id: t.nextID, txn: tx, span: sp, strength: req.Strength}
	// The new request goes behind every waiter of an older transaction.
	if t.tryGrant(w) {
		if len(tx.waiters) == 0 {
			return Decision{Outcome: Granted}, nil
		}
		// tx also has requests waiting (several in flight): the new lock
		// adds edges towards a waiting transaction, which may close a cycle.
	} else {
		t.enqueue(w)
		// Waiting adds edges from tx to its blockers; if one closes a cycle,
		// it is broken here (see "Deadlock freedom" in doc.go).
	}
	if by := t.breakCycles(tx); by != nil {
		t.abort(tx, by, false)
		t.process()
	}
	// The outcome for w goes in the decision, not in events.
	switch {
	case tx.status == statusAborted:
		t.events = slices.DeleteFunc(t.events, func(ev Event) bool {
			return (ev.Kind == EventAborted && ev.Waiter == w.id) || (ev.Kind == EventWounded && ev.Txn == tx.meta.ID)
		})
		return Decision{Outcome: Aborted, Err: tx.abortErr}, t.takeEvents()
	case t.byID[w.id] == nil:
		t.events = slices.DeleteFunc(t.events, func(ev Event) bool { return ev.Kind == EventGranted && ev.Waiter == w.id })
		return Decision{Outcome: Granted}, t.takeEvents()
	}
	return Decision{Outcome: Wait, Waiter: w.id}, t.takeEvents()
}

// breakCycles wounds the youngest transaction of each cycle of the wait-for
// graph through tx, until none is left. If tx itself is the youngest of
// one, it stops and returns the transaction tx would wait for in that
// cycle; the caller aborts tx.
func (t *Table) breakCycles(tx *txnState) (by *txnState) {
	// A victim's release can wound tx elsewhere (process checks again
	// transactions it grants), hence the status test.
	for len(tx.waiters) > 0 && tx.status == statusPending {
		if !t.waitedFor(tx) && !t.parentWaitedFor(tx) {
			return nil
		}
		cycle := t.cycleThrough(tx)
		if cycle == nil {
			return nil
		}
		// A child is wounded through its parent: aborting the child alone
		// would leave the parent's statement to run it again, into the same
		// cycle; aborting the parent releases what the others wait for.
		victim := t.root(cycle[0])
		for _, c := range cycle[1:] {
			if r := t.root(c); victim.meta.Older(&r.meta) {
				victim = r
			}
		}
		if victim == tx {
			return cycle[1]
		}
		by := tx
		for _, c := range cycle {
			if r := t.root(c); r != victim {
				by = r
				break
			}
		}
		t.abort(victim, by, true)
		t.process()
	}
	return nil
}

// root returns tx's parent (see kv.TxnMeta.Parent) if the table knows it,
// else tx.
func (t *Table) root(tx *txnState) *txnState {
	if p := t.txns[tx.meta.Parent]; p != nil && tx.meta.Parent != (kv.TxnID{}) && p.status == statusPending {
		return p
	}
	return tx
}

// parentWaitedFor is waitedFor for tx's parent: a request waiting for the
// parent waits, through it, for tx.
func (t *Table) parentWaitedFor(tx *txnState) bool {
	p := t.root(tx)
	return p != tx && t.waitedFor(p)
}

// waitedFor reports whether a queued request of another transaction waits
// for tx: tx holds a lock that conflicts with it, or has a conflicting
// request queued ahead of it. If none does, no cycle runs through tx and
// the search is not needed. That is the usual case of a new request on a
// hot key (the youngest, behind everyone, and holding nothing others want),
// and this test costs a pass over the queue at most, and none over the
// requests ahead of tx's when tx holds no lock; the search would walk the
// whole chain of requests ahead, each step several times dearer.
func (t *Table) waitedFor(tx *txnState) bool {
	first := len(t.waiters) // the position of tx's first queued request
	for _, w := range tx.waiters {
		pos, _ := slices.BinarySearchFunc(t.waiters, w, cmpWaiters)
		first = min(first, pos)
	}
	from := first + 1
	if len(tx.points) > 0 || len(tx.spans) > 0 {
		from = 0
	}
	for i := from; i < len(t.waiters); i++ {
		u := t.waiters[i]
		if u.txn == tx {
			continue
		}
		t.steps++
		if i > first && t.txnBlocks(tx, u) {
			return true
		}
		if i < first && t.txnHoldsConflicting(tx, u) {
			return true
		}
	}
	return false
}

func (t *Table) enqueue(w *waiter) {
	pos, _ := slices.BinarySearchFunc(t.waiters, w, cmpWaiters)
	t.waiters = slices.Insert(t.waiters, pos, w)
	t.byID[w.id] = w
	w.txn.waiters[w.id] = w
}

// CancelWait removes a waiting request (its context ended). Requests queued
// behind it may be granted. Cancelling an unknown (already granted or
// aborted) waiter is a no-op.
func (t *Table) CancelWait(id WaiterID) []Event {
	w := t.byID[id]
	if w == nil {
		return nil
	}
	t.removeWaiter(w)
	t.process()
	return t.takeEvents()
}

// Check returns the *kv.TxnAbortedError if the transaction was wounded, else
// nil.
func (t *Table) Check(id kv.TxnID) error {
	if tx := t.txns[id]; tx != nil && tx.status == statusAborted {
		return tx.abortErr
	}
	return nil
}

// Known reports whether the transaction asked for a lock and was not
// released since.
func (t *Table) Known(id kv.TxnID) bool {
	_, ok := t.txns[id]
	return ok
}

// BeginCommit marks the transaction as committing, after which it cannot be
// wounded, or returns its *kv.TxnAbortedError if it already was. The caller
// applies the writes and then calls Release.
func (t *Table) BeginCommit(meta kv.TxnMeta) error {
	tx := t.txn(meta)
	switch tx.status {
	case statusAborted:
		return tx.abortErr
	case statusPending:
		if len(tx.waiters) > 0 {
			return fmt.Errorf("%w: commit of transaction %s while it has requests waiting", kv.ErrInvalidRequest, meta.ID)
		}
		tx.status = statusCommitting
	}
	return nil
}

// Release forgets the transaction (committed or aborted): its locks are
// released, its waiting requests (there should be none) aborted, and queued
// requests it blocked may be granted.
func (t *Table) Release(id kv.TxnID) []Event {
	tx := t.txns[id]
	if tx == nil {
		return nil
	}
	for _, w := range sortedWaiters(tx) {
		t.removeWaiter(w)
		t.events = append(t.events, Event{Kind: EventAborted, Waiter: w.id, Txn: id,
			Err: &kv.TxnAbortedError{Txn: id, Reason: "transaction released while waiting"}})
	}
	t.releaseLocks(tx)
	delete(t.txns, id)
	if p := tx.meta.Parent; p != (kv.TxnID{}) {
		t.children[p] = slices.DeleteFunc(t.children[p], func(c *txnState) bool { return c == tx })
		if len(t.children[p]) == 0 {
			delete(t.children, p)
		}
	}
	t.process()
	return t.takeEvents()
}

func cmpWaiters(a, b *waiter) int {
	if a.txn != b.txn {
		if a.txn.meta.Older(&b.txn.meta) {
			return -1
		}
		if b.txn.meta.Older(&a.txn.meta) {
			return 1
		}
	}
	return cmp.Compare(a.id, b.id)
}

// held reports whether tx already holds a lock covering sp at strength s or
// stronger.
func (t *Table) held(tx *txnState, sp lspan, s kv.Strength) bool {
	if sp.point && tx.points[sp.start] >= s {
		return true
	}
	for _, sl := range tx.spans {
		if sl.strength >= s && sl.span.covers(sp) {
			return true
		}
	}
	return false
}

// conflictingHolders returns the transactions other than tx holding locks
// that conflict with (sp, s), oldest first.
func (t *Table) conflictingHolders(tx *txnState, sp lspan, s kv.Strength) []*txnState {
	var out []*txnState
	for h := range t.holdersConflicting(tx, sp, s) {
		out = append(out, h)
	}
	// One transaction may hold several of the locks; sorted, its entries
	// are adjacent. (Deduplicating as they come would be quadratic in the
	// holders: hundreds of readers can share a key.)
	slices.SortFunc(out, func(a, b *txnState) int {
		switch {
		case a == b:
			return 0
		case a.meta.Older(&b.meta):
			return -1
		}
		return 1
	})
	return slices.Compact(out)
}

// holdersConflicting yields the holder of each lock of a transaction other
// than tx that conflicts with (sp, s); a transaction may come more than
// once.
func (t *Table) holdersConflicting(tx *txnState, sp lspan, s kv.Strength) iter.Seq[*txnState] {
	return func(yield func(*txnState) bool) {
		ok := true
		checkPoint := func(_ string, pl *pointLock) bool {
			for h, hs := range pl.holders {
				if h != tx && incompatible(hs, s) {
					if ok = yield(h); !ok {
						return false
					}
				}
			}
			return true
		}
		if sp.point {
			if _, pl, found := t.points.Get(sp.start); found {
				checkPoint(sp.start, pl)
			}
		} else {
			t.points.AscendFunc(btreemap.GE(sp.start), btreemap.LT(sp.end), checkPoint)
		}
		for _, sl := range t.spans {
			if !ok {
				return
			}
			if sl.txn != tx && incompatible(sl.strength, s) && sl.span.overlaps(sp) {
				ok = yield(sl.txn)
			}
		}
	}
}

// blocked reports whether anything blocks w: a holder of a conflicting
// lock, or a conflicting request of another transaction queued ahead of it
// (those of older transactions). Requests of w's own transaction do not
// block it. w may or may not be in the queue.
func (t *Table) blocked(w *waiter) bool {
	for range t.holdersConflicting(w.txn, w.span, w.strength) {
		return true
	}
	for _, a := range t.ahead(w) {
		t.steps++
		if a.txn != w.txn && incompatible(a.strength, w.strength) && a.span.overlaps(w.span) {
			return true
		}
	}
	return false
}

// ahead returns the waiters queued ahead of w, in queue order.
func (t *Table) ahead(w *waiter) []*waiter {
	pos, _ := slices.BinarySearchFunc(t.waiters, w, cmpWaiters)
	return t.waiters[:pos]
}

// waitEdges appends to out the transactions w waits for (the holders and
// queued requests that block it), or enough of them that the rest are
// reached by the cycle search anyway: out may repeat one. It is called by
// cycleThrough, for a transaction it explores.
//
// Why not all of them: on a hot key every request waits for every
// conflicting one ahead of it, so listing them all makes a search of the
// graph quadratic in the queue's length, under the Manager's mutex. The
// scan goes from w towards the front and stops at the first request a whose
// span covers w's and whose strength is at least w's. Every holder and
// request further ahead that blocks w then blocks a too (or is a's own
// transaction), and the search explores a's transaction: it is listed here
// (a exclusive, of another transaction: a blocks w), or it is w's own
// (being explored), or the search has already listed it (shared readers
// queued together: the exclusive request behind them listed them all).
// a is ahead of w, so these reasons never go round in a circle. The edges
// listed are real ones, so a cycle found is a real deadlock.
func (t *Table) waitEdges(w *waiter, out []*txnState) []*txnState {
	ahead := t.ahead(w)
	for i := len(ahead) - 1; i >= 0; i-- {
		a := ahead[i]
		t.steps++
		if !a.span.overlaps(w.span) {
			continue
		}
		blocks := a.txn != w.txn && incompatible(a.strength, w.strength)
		if blocks {
			out = append(out, a.txn)
		}
		if a.strength >= w.strength && a.span.covers(w.span) && (blocks || a.txn == w.txn || a.txn.seen == t.search) {
			if !blocks && a.txn != w.txn && t.txnBlocks(a.txn, w) {
				// What blocks w from further ahead is reached through
				// a's transaction, except that transaction itself.
				out = append(out, a.txn)
			}
			return out
		}
	}
	return append(out, t.conflictingHolders(w.txn, w.span, w.strength)...)
}

// txnBlocks reports whether o, another transaction than w's, blocks w: it
// holds a conflicting lock or has a conflicting request queued ahead of w.
func (t *Table) txnBlocks(o *txnState, w *waiter) bool {
	if t.txnHoldsConflicting(o, w) {
		return true
	}
	for _, u := range o.waiters {
		if cmpWaiters(u, w) < 0 && incompatible(u.strength, w.strength) && u.span.overlaps(w.span) {
			return true
		}
	}
	return false
}

// txnHoldsConflicting reports whether o, another transaction than w's,
// holds a lock that conflicts with w.
func (t *Table) txnHoldsConflicting(o *txnState, w *waiter) bool {
	if w.span.point {
		if s, ok := o.points[w.span.start]; ok && incompatible(s, w.strength) {
			return true
		}
	} else {
		for k, s := range o.points {
			if incompatible(s, w.strength) && w.span.overlaps(lspan{start: k, point: true}) {
				return true
			}
		}
	}
	for _, sl := range o.spans {
		if incompatible(sl.strength, w.strength) && sl.span.overlaps(w.span) {
			return true
		}
	}
	return false
}

// tryGrant grants w if nothing blocks it and reports whether it did. w may
// or may not be in the queue.
func (t *Table) tryGrant(w *waiter) bool {
	if t.blocked(w) {
		return false
	}
	t.grant(w.txn, w.span, w.strength)
	return true
}

// cycleThrough returns a cycle of the wait-for graph through tx, starting
// with tx, or nil. Edges go from each waiting request's transaction to the
// transactions it waits for (see waitEdges). Each transaction's edges are
// listed once, when the search explores it, so the search is linear in the
// edges waitEdges lists.
func (t *Table) cycleThrough(tx *txnState) []*txnState {
	// Depth-first search for a path from tx back to tx. A transaction is
	// marked (its seen set to this search's number) when it is first listed
	// as an edge, before it is explored: waitEdges relies on every marked
	// transaction being explored, unless the search stops at a cycle.
	t.search++
	tx.seen = t.search
	path := []*txnState{tx}
	var dfs func(a *txnState) bool
	dfs = func(a *txnState) bool {
		var edges []*txnState
		if len(a.waiters) == 1 {
			// The usual case, without sortedWaiters' allocation.
			for _, w := range a.waiters {
				edges = t.waitEdges(w, nil)
			}
		} else {
			for _, w := range sortedWaiters(a) {
				edges = t.waitEdges(w, edges)
			}
		}
		// A parent waits for its children, whatever they wait for.
		edges = append(edges, t.children[a.meta.ID]...)
		next := edges[:0]
		for _, b := range edges {
			if b == tx {
				return true
			}
			if b.seen != t.search {
				b.seen = t.search
				next = append(next, b)
			}
		}
		for _, b := range next {
			path = append(path, b)
			if dfs(b) {
				return true
			}
			path = path[:len(path)-1]
		}
		return false
	}
	if dfs(tx) {
		return path
	}
	return nil
}

func (t *Table) grant(tx *txnState, sp lspan, s kv.Strength) {
	if !sp.point {
		sl := &spanLock{txn: tx, strength: s, span: sp}
		tx.spans = append(tx.spans, sl)
		t.spans = append(t.spans, sl)
		return
	}
	_, pl, ok := t.points.Get(sp.start)
	if !ok {
		pl = &pointLock{holders: make(map[*txnState]kv.Strength, 1)}
		t.points.ReplaceOrInsert(sp.start, pl)
	}
	s = max(s, pl.holders[tx])
	pl.holders[tx] = s
	tx.points[sp.start] = s
}

func (t *Table) releaseLocks(tx *txnState) {
	for k := range tx.points {
		_, pl, _ := t.points.Get(k)
		delete(pl.holders, tx)
		if len(pl.holders) == 0 {
			t.points.Delete(k)
		}
	}
	clear(tx.points)
	if len(tx.spans) > 0 {
		t.spans = slices.DeleteFunc(t.spans, func(sl *spanLock) bool { return sl.txn == tx })
		tx.spans = nil
	}
}

func (t *Table) removeWaiter(w *waiter) {
	delete(t.byID, w.id)
	delete(w.txn.waiters, w.id)
	if i := slices.Index(t.waiters, w); i >= 0 {
		t.waiters = slices.Delete(t.waiters, i, i+1)
	}
}

// abort wounds the pending transaction h on behalf of by: its locks are
// released and its waiting requests woken with the error. notify says
// whether to report it as an EventWounded (not when h learns it from its
// own request's Decision). The caller processes the queue afterwards.
func (t *Table) abort(h, by *txnState, notify bool) {
	h.status = statusAborted
	h.abortErr = &kv.TxnAbortedError{Txn: h.meta.ID, By: by.meta.ID,
		Reason: fmt.Sprintf("wounded to break a deadlock with transaction %s (priority %d is younger than %d)", by.meta.ID, h.meta.Priority, by.meta.Priority)}
	if notify {
		t.events = append(t.events, Event{Kind: EventWounded, Txn: h.meta.ID, By: by.meta.ID, Err: h.abortErr})
	}
	t.releaseLocks(h)
	for _, w := range sortedWaiters(h) {
		t.removeWaiter(w)
		t.events = append(t.events, Event{Kind: EventAborted, Waiter: w.id, Txn: h.meta.ID, By: by.meta.ID, Err: h.abortErr})
	}
}

func sortedWaiters(tx *txnState) []*waiter {
	ws := make([]*waiter, 0, len(tx.waiters))
	for _, w := range tx.waiters {
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b *waiter) int { return cmp.Compare(a.id, b.id) })
	return ws
}

// process grants every waiter that can be granted, in queue order, and
// re-establishes the invariant on t.waiters (no waiter could be granted).
// A grant can unblock only requests behind it in the queue, and a pass goes
// front to back, so one pass is enough.
func (t *Table) process() {
	var stillWaiting []*txnState
	for i := 0; i < len(t.waiters); i++ {
		w := t.waiters[i]
		if t.tryGrant(w) {
			t.removeWaiter(w)
			t.events = append(t.events, Event{Kind: EventGranted, Waiter: w.id, Txn: w.txn.meta.ID})
			i--
			if len(w.txn.waiters) > 0 {
				stillWaiting = append(stillWaiting, w.txn)
			}
		}
	}
	// A grant adds no edge (see "Deadlock freedom" in doc.go), so outside
	// breakCycles this finds nothing; inside it, a victim's release may grant
	// a transaction with several requests in flight that is on another cycle
	// through the requester, which is broken here or by breakCycles' loop.
	for _, tx := range stillWaiting {
		if tx.status != statusPending {
			continue
		}
		if by := t.breakCycles(tx); by != nil {
			t.abort(tx, by, true)
			t.process()
		}
	}
}

// TxnNamer names transactions in String's output.
type TxnNamer func(kv.TxnID) string

// String dumps the table: locks by key, span locks, the wait queue and
// transactions that are not pending. Deterministic, for tests and debugging.
func (t *Table) String() string { return t.Format(kv.TxnID.String) }

// Format is String with transactions named by name.
func (t *Table) Format(name TxnNamer) string {
	var b strings.Builder
	holderList := func(m map[*txnState]kv.Strength) string {
		var hs []string
		for h, s := range m {
			hs = append(hs, name(h.meta.ID)+":"+s.String())
		}
		slices.Sort(hs)
		return strings.Join(hs, " ")
	}
	t.points.AscendFunc(btreemap.Min[string](), btreemap.Max[string](), func(k string, pl *pointLock) bool {
		fmt.Fprintf(&b, "lock %s: %s\n", k, holderList(pl.holders))
		return true
	})
	var spans []string
	for _, sl := range t.spans {
		spans = append(spans, fmt.Sprintf("lock %s: %s:%s\n", sl.span, name(sl.txn.meta.ID), sl.strength))
	}
	slices.Sort(spans)
	b.WriteString(strings.Join(spans, ""))
	for _, w := range t.waiters {
		fmt.Fprintf(&b, "wait w%d: %s %s %s\n", w.id, name(w.txn.meta.ID), w.strength, w.span)
	}
	var txns []string
	for _, tx := range t.txns {
		if tx.status != statusPending {
			txns = append(txns, fmt.Sprintf("txn %s: %s\n", name(tx.meta.ID), tx.status))
		}
	}
	slices.Sort(txns)
	b.WriteString(strings.Join(txns, ""))
	if b.Len() == 0 {
		return "empty\n"
	}
	return b.String()
}
