// Package concurrency is the lock table: the shared and exclusive locks that
// make read-write transactions serializable (strict two-phase locking), the
// wait queues of requests that conflict with them, and deadlock prevention by
// wound-wait. Today the single-node store (rangeservice/store) owns one
// Manager; later each range's leaseholder will own one for its key span.
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
// older transaction and wins (ties broken by the smaller TxnID). When a
// request conflicts:
//
//   - every conflicting holder younger than the requester is wounded: marked
//     aborted, its locks released at once and its waiting requests woken with
//     a *kv.TxnAbortedError. A transaction that has begun committing
//     (BeginCommit) cannot be wounded; the requester waits for it instead.
//   - the requester then waits for the remaining conflicting holders (all
//     older than it, or committing) and for conflicting waiters older than it.
//
// Waiters are queued in priority order (oldest first). For transactions that
// started in the order they arrive this is FIFO; an older request does not
// queue behind a younger waiter, because it would then either have to wound
// it (aborting a transaction that holds nothing in its way) or wait for a
// younger transaction, which could deadlock. Note that wounding only the
// holders when the requester is older than all of them, and waiting
// otherwise, is NOT enough: a requester older than one holder and younger
// than another would wait for the younger one while that one could wait
// for it. Hence the pairwise rule above.
//
// Deadlock freedom. Every wait-for edge goes from a transaction to an older
// one, or to a committing one (which never waits: committing takes no
// locks). Edges to younger transactions are never created: a younger holder
// is wounded and its locks are gone before the requester decides to wait.
// Hence the wait-for graph has no cycle.
//
// Starvation freedom. A transaction that restarts keeps its priority
// (kv.TxnMeta.Priority), so it eventually becomes the oldest and is never
// wounded again.
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
