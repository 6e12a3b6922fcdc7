// Package wal is the node's write-ahead log engine: one segmented log,
// shared by every range replica on the node, that makes their consensus
// log entries and state durable with group commit.
//
// The WAL knows nothing about consensus. It stores, per range, a log of
// entries (index, ballot, payload), the last State written (promised
// ballot, commit index) and a low-water mark, and it makes them durable
// before it says so. Many ranges' batches share one fdatasync: callers
// encode their batches and queue them; a single committer goroutine (the
// singular update queue) takes everything queued, writes it to the active
// segment with one write and makes it durable with one fdatasync, while the
// next group forms in the queue. See WAL for the pipeline's ordering
// invariants and the designs measured against it, and
// encoding.go for the byte layouts.
//
// # The caller's duties
//
//  1. Open the WAL once per node directory (Config.Dir) before any replica
//     starts, and read each range's durable state back with Range and
//     Entries: that is the state the replica restarts from.
//  2. Persist before you promise. A replica must have Write (or Submit and
//     then the Pending) return nil for a batch holding its new promised
//     ballot or accepted entries before it sends the promise or accepted
//     message that depends on them. Submit returning is not durability.
//  3. Submit a range's batches in the order they are to take effect, from
//     one goroutine per range (or otherwise ordered): batches take effect
//     in Submit order. Appending index i discards the range's entries at
//     and above i. An append below the range's mark, or past its last
//     index + 1, is refused with ErrInvalid (unless the log is empty: then
//     any index >= mark may start it).
//  4. Put things that must survive together in one Batch: a batch is
//     atomic across a crash (recovered whole or not at all), whatever
//     ranges it touches.
//  5. Raise a range's low-water mark with Truncate once entries below it
//     are no longer needed (they are in a snapshot, or applied durably to
//     the state machine). Segments holding nothing at or above any range's
//     mark are deleted.
//  6. Treat ErrFailed as fatal for the node's log: nothing more can be made
//     durable. Close and reopen (which recovers what was durable) or stop.
//     Treat a context error from Write or Pending.Wait as an ambiguous
//     result: the batch may or may not have become durable.
//  7. Close the WAL when done. Close waits for submitted batches, and is
//     idempotent.
//
// # Ownership
//
// Batch methods copy what they are given (payloads are encoded at once).
// A submitted Batch belongs to the WAL until its Pending is done. Entry
// payloads returned by Entries may be shared with the WAL's cache and with
// other callers: they are read-only.
//
// # Guarantees
//
//   - An acknowledged batch (Pending done with nil) survives any crash.
//   - A read (Range, Entries, Ballot) sees exactly the acknowledged
//     batches, never a batch that is only written.
//   - After a crash, recovery never shows an entry that an acknowledged
//     batch overwrote or truncated, and shows each batch that was in
//     flight either whole or not at all.
//   - A failed write or sync is never acknowledged, and the engine refuses
//     every later write (sticky ErrFailed).
//
// # Errors
//
// ErrClosed, ErrFailed (sticky, wraps the cause), ErrInvalid (the batch
// broke a rule; nothing written), ErrCompacted and ErrUnavailable (reads
// outside the log), and ErrCorrupt via *CorruptionError{File, Offset} from
// Open or a read whose record fails its checksum.
//
// # Faults in tests
//
// FS abstracts the filesystem; MemFS is an in-memory implementation that
// tracks synced versus unsynced bytes and can crash (Crash, CrashTorn) or
// fail syncs and writes on command. It is exported for the node-level
// simulator.
package wal
