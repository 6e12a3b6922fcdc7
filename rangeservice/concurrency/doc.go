// Package concurrency is the lock table: the shared and exclusive locks that
// make read-write transactions serializable (strict two-phase locking), the
// wait queues of requests that conflict with them, and deadlock resolution
// by wound-wait priority. Today the single-node store (rangeservice/store)
// owns one Manager; later each range's leaseholder will own one for its key
// span.
//
// The package is two layers:
//
//   - Table, a pure core: it takes requests (Acquire, CancelWait, BeginCommit,
//     Release) and returns decisions and Events, does no I/O, starts no
//     goroutine and never blocks. It is what the datadriven scripts in
//     testdata/ exercise.
//   - Manager, a thin blocking wrapper: one mutex around a Table, one channel
//     per waiting request; Acquire blocks until the lock is granted, the
//     transaction is wounded, or ctx ends.
//
// # Locks
//
// A lock is held by a transaction on a key (a point) or on a span [Key,
// EndKey). Shared locks of different transactions are compatible; an
// exclusive lock conflicts with every lock of another transaction that
// overlaps it. Reads take shared locks, a scan a shared span lock over the
// whole span it reads, so a write (an exclusive point lock) to any key in a
// scanned span conflicts with the scan: phantoms cannot appear. Locks of one
// transaction never conflict with each other; a request already covered by a
// lock the transaction holds (same key or a covering span, at least as
// strong) is granted without change, and a shared point lock is upgraded in
// place to exclusive.
//
// # Wound-wait
//
// Transactions are ordered by kv.TxnMeta.Older: the smaller Priority is the
// older transaction and wins (ties broken by the smaller TxnID). A request
// that conflicts waits, whether the holders are older or younger, for the
// conflicting holders and for conflicting waiters of older transactions.
// The wound comes only when it is needed: when a wait would close a cycle in
// the wait-for graph (a deadlock), the youngest transaction in the cycle is
// wounded: marked aborted, its locks released at once and its waiting
// requests woken with a *kv.TxnAbortedError. If that is the requester,
// Acquire returns Aborted. A transaction that has begun committing
// (BeginCommit) never waits, so it is never in a cycle and never wounded.
//
// Why not the textbook rule (an older requester wounds every younger
// holder at once)? It aborts transactions that are merely in the way. With
// pgbench's TPC-B script (8 clients updating one of 10 branch rows each) it
// aborted 4% of transactions, though they all lock rows in the same order
// and cannot deadlock; wounding a younger holder only once it waits itself
// still aborted 0.13%. Waiting, and wounding only to break a cycle, aborts
// none. Priority still decides who loses, so the guarantees of wound-wait
// stay: an older transaction is never aborted in favour of a younger one.
//
// Waiters are queued in priority order (oldest first). For transactions that
// started in the order they arrive this is FIFO.
//
// Deadlock freedom. A cycle needs every member to be waiting. Only Acquire
// adds edges: the new request's own if it waits, and, whether it waits or is
// granted at once, edges to its transaction from the conflicting requests
// queued behind it (younger ones). Every new cycle therefore runs through
// the requester, and Acquire searches from it (when it waits for anything)
// and breaks each one before returning. Releases and cancellations only
// remove edges. A grant from the queue adds none: the requests that conflict
// with the new lock are those queued behind the granted request that
// conflicted with it, which already waited for its transaction (one ahead
// that conflicted would have blocked the grant). (process searches again
// from a granted transaction that still waits; that finds only cycles an
// Acquire is still breaking.) TestTableRandom checks the graph after every
// step.
//
// The search runs under the Manager's mutex, so it must stay cheap. It is
// skipped when no request waits for the requester (Table.waitedFor; most
// waits on a hot key: a new transaction queues behind everyone), and it is
// linear in the queue: on a hot key each request waits for every one ahead
// of it, and the search follows only the nearest exclusive one (which waits
// for the rest), and a reader queued behind readers is not walked back over
// them again (see Table.waitEdges).
//
// Starvation freedom. A transaction that restarts keeps its priority
// (kv.TxnMeta.Priority), so it eventually becomes the oldest; the oldest
// transaction is never the youngest member of a cycle, so it is never
// wounded.
//
// Beyond one table. The search sees only this table's wait-for graph. When
// a transaction's locks span several leaseholders a cycle can run through
// more than one table; those will need the textbook rule for edges to
// transactions waiting elsewhere (a wound sent to the holder's coordinator)
// or edge-chasing probes. Today there is one table per node and one node.
// Nor does a lock request show every wait: a statement whose transaction
// holds locks and waits for another transaction it started (nextval's
// reservation, sql/sequence.go) would look idle here, and a cycle through
// that wait would hang. Such an inner transaction names the outer one as
// its kv.TxnMeta.Parent; the table counts an edge from each parent to its
// children, and wounds a child through its parent (the youngest is chosen
// among parents, and the parent is aborted: aborting the child alone would
// leave the parent's statement to run it again, into the same cycle).
// testdata/parent has the cases.
//
// Why releasing a wounded transaction's locks at once is safe. Writes are
// buffered in the client until commit and only applied after BeginCommit
// succeeds, and BeginCommit refuses a wounded transaction; so a wounded
// transaction has written nothing that the lock would protect. Its reads
// are another matter: a read that was granted its lock, then wounded, could
// observe a write the wounder commits after the release. The caller must
// therefore call Check after reading and discard the read if the
// transaction was wounded meanwhile (the store does). Releasing at once
// keeps an older transaction from waiting on a client that is slow to learn
// it was wounded.
//
// A wounded transaction stays in the table, without locks, as a tombstone
// so that its next request (or BeginCommit) returns the *kv.TxnAbortedError;
// Release removes it.
//
// # The caller's steps
//
//  1. Acquire every lock before reading or writing under it; after a read,
//     Check that the transaction was not wounded.
//  2. To commit: BeginCommit (fails if wounded; afterwards the transaction
//     cannot be wounded), apply the writes durably, then Release.
//  3. To abort, or after any *kv.TxnAbortedError: Release.
//
// Release must come exactly once per transaction that called Acquire,
// whatever happened, or its locks (or tombstone) stay forever.
package concurrency
