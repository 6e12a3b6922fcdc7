// Package mvcc stores versioned values on Pebble: every write of a user key
// is kept as a version at its timestamp, reads see the newest version at or
// below their timestamp, and transactions write provisional values (intents)
// that are later committed at a commit timestamp or removed. It is the
// Versioned Value pattern under each range's state machine; GC below a
// low-water mark bounds how many versions are kept.
//
// # Layout
//
// One Pebble instance (Engine) holds two disjoint key spaces, told apart by
// their first byte (key.go): unversioned local keys (0x01: per-range state
// such as the applied index and the range descriptor, and per-store state)
// and MVCC user data (0x02). A user key's records sort together: first its
// intent slot (if any), then its versions newest first. See EncodeKey for the
// byte layout and why the default bytewise comparer suffices.
//
// An intent is a single record holding the transaction metadata (TxnMeta)
// and the provisional value. A key has at most one intent.
//
// # Contract
//
//   - All writes go through a Batch (the only Writer). A Batch is indexed:
//     MVCC operations on it read their own earlier writes, so many operations
//     can be evaluated against one batch and applied atomically by
//     Batch.Commit(sync). Reads (Get, Scan, ComputeStats) take a Reader:
//     the Engine (latest committed state), a Snapshot or a Batch.
//   - The package does no locking between writers. Callers serialise writes
//     to a key (the range's latches / lock table do that above); two batches
//     evaluated concurrently against the same key may each pass the conflict
//     checks. Engine and Snapshot reads are safe concurrently; a Batch
//     belongs to one goroutine.
//   - Ownership: every slice returned to the caller (Value.Bytes, KeyValue
//     fields, ScanResult.ResumeSpan, error fields, GetLocal's value) is
//     freshly allocated and owned by the caller. Slices passed in (keys,
//     values) are copied before the call returns and may be reused. Slices
//     handed to callbacks (ScanLocal) are valid only during the callback.
//   - Inputs are validated: empty user keys (ErrEmptyKey), keys or values
//     over Config limits (ErrKeyTooLarge, ErrValueTooLarge), a zero
//     timestamp where one is needed (ErrZeroTimestamp), other nonsense
//     (ErrInvalidArgument). Stored bytes that do not decode give ErrCorrupt.
//   - Conflicts are typed errors, checked with errors.As:
//     *WriteIntentError (another transaction's intent is in the way),
//     *WriteTooOldError (a committed version at or above the write
//     timestamp), *ReadWithinUncertaintyIntervalError (a committed value in
//     (read ts, uncertainty limit]). A failed operation writes nothing.
//   - Stats: operations that write take a *MVCCStats (nil to skip) and add
//     their delta; after any sequence of Put, Delete, ResolveIntent(Range)
//     and GC over a span, the sum of deltas equals ComputeStats of the span.
//     Writes of local keys are not counted.
//
// # Invariants
//
//   - Within a user key, every committed version is below the key's intent
//     timestamp: writing an intent at or below a committed version fails
//     with WriteTooOldError, and while the intent exists no other writer can
//     add a version. Committing at ts >= the intent timestamp therefore
//     keeps versions strictly ordered.
//   - Readers at or above the GC threshold of a span see the same values
//     before and after GC of that span.
//   - A transaction sees its own intent of its current epoch regardless of
//     the read timestamp; intents of older epochs are invisible to it and
//     are replaced by its writes or removed on commit.
package mvcc
