// Package store is a single node's in-process KV store: it implements
// kv.Sender by evaluating batches on an mvcc.Engine under a lock table
// (rangeservice/concurrency). It is what the embedded driver and
// `meridian demo` run on today; it is also the seed of a range's
// leaseholder-side evaluation once ranges are replicated (see "Later").
//
// # Opening and closing
//
//	s, err := store.Open(store.Config{Dir: "/path/to/data"}) // or Dir: store.MemoryDir
//	db := txn.NewDB(s, s.Clock())
//	...
//	s.Close() // after every transaction has finished
//
// # Read-write transactions (strict two-phase locking)
//
// Every read takes its lock first (shared, a shared span lock over the whole
// span of a scan, exclusive when asked) and then reads the newest committed
// versions, at the HLC's now. That is safe because a writer holds its
// exclusive locks until its writes are applied: a read under a shared lock
// cannot miss a commit that is in flight on that key. After evaluating a
// batch the store checks that the transaction was not wounded meanwhile
// (its locks may have been released under it, see package concurrency) and
// otherwise returns *kv.TxnAbortedError instead of the reads.
//
// Commit (EndTxnRequest with Commit):
//
//  1. BeginCommit in the lock table: refuses a wounded transaction; after it
//     the transaction cannot be wounded. (Before it, a commit whose context
//     has already ended is refused with the context's error: nothing is
//     written.)
//  2. Take the commit timestamp from the HLC (strictly greater than every
//     timestamp read at, so than every version read) and register it as in
//     flight (see read-only transactions below).
//  3. Write every buffered write, plus the commit timestamp under the
//     high-water key of the commit's slot (so that after a restart the HLC
//     starts above every version on disk; see highWaterKey for why one key
//     per in-flight commit), in ONE Pebble batch committed with fsync: the
//     commit is atomic under a crash.
//  4. Release the locks, then commit-wait on the clock until the commit
//     timestamp is in the past everywhere, then reply.
//
// # Large transactions (staged writes)
//
// A transaction whose writes outgrow its client's buffer sends them ahead
// in StageRequests (txn.StageAfter). The store keeps them in a staging
// area of the transaction's own (staging.go: a WAL-less Pebble instance in
// <dir>/staging, emptied at Open, since a crash ends every transaction);
// the transaction's locked Gets and Scans merge them over the committed
// versions, and no one else sees them. Its commit differs from the above
// in step 3: the EndTxn's writes join the staged ones, which are written
// as versions at the commit timestamp into sstables (mvcc.IngestWriter)
// that one Pebble ingestion adds atomically and durably, after a synced
// batch with the high-water key (harmless if the ingestion never lands).
// So neither the client nor the store holds a COPY of millions of rows in
// memory. EndTxn, committed or not, drops the staging area.
//
// # Read-only transactions (snapshot reads without locks)
//
// A read-only transaction reads the snapshot at its ReadTimestamp T without
// taking locks, so it neither blocks writers nor gets wounded. It is correct
// only once no commit at a timestamp <= T can still be applied. The store
// guarantees that with a closed timestamp: it first folds T into its HLC
// (so every later commit timestamp is > T), then waits until no commit that
// took a timestamp <= T is still in flight (timestamps are taken and
// registered under one mutex). Only commits that write in the spans the
// batch reads count (each registers its smallest and greatest key): a
// commit ingesting millions of rows for seconds holds up readers of its
// table, not everyone. Then every version <= T that will ever exist in
// those spans is already in Pebble, and T is a consistent snapshot; strict
// serializability holds because the client takes T from the HLC at Begin,
// after every commit acknowledged before it began.
//
// # Non-transactional batches
//
// A batch without Txn is run as a one-shot read-write transaction of its
// own: locks (exclusive for Put/Delete, in request order), reads, then one
// atomic commit; it is retried internally when wounded.
//
// # Errors
//
// Send returns *kv.TxnAbortedError (errors.Is kv.ErrTxnAborted) when the
// transaction was wounded; an error wrapping kv.ErrInvalidRequest for a
// malformed batch or a write mvcc refuses (key or value too large), in which
// case nothing was committed; ErrClosed after Close; ctx errors. From a
// commit, a ctx error is plain if the context ended before BeginCommit
// (nothing written) and wrapped, with the commit timestamp in the message,
// if it ended during the commit wait (the writes are durable); callers that
// cannot tell the two apart treat both as ambiguous. Anything else from a
// commit (a failed fsync) leaves its outcome unknown.
//
// # Later
//
// What the replicated system needs from this package and is not built yet:
// the evaluation here becomes proposal-producing (the write batch is
// proposed to the range's Paxos log instead of committed to Pebble
// directly, and applied by the state machine); the closed timestamp
// becomes the range's safe time published to followers for follower reads;
// the lock table moves behind the range lease; and intents replace
// directly committed values when a commit spans ranges (two-phase commit).
// Engine and Clock are exposed for that wiring and for tooling.
package store
