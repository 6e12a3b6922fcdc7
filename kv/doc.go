// Package kv is the key-value client API: the request and response types a
// transaction sends, and the Sender that carries them.
//
// Today the only Sender is the in-process single-node store
// (rangeservice/store). Later this package becomes the distributed KV
// client: a range directory cache and a router that splits a BatchRequest
// by the ranges its keys fall in, sends each part to the range's
// leaseholder (in process or over gRPC) and retries on stale routing. The
// types here are what crosses that seam, so they are plain data: no
// pointers into server state, no behaviour beyond validation. They will
// become protobuf messages without changing meaning.
//
// # The caller's steps (a read-write transaction)
//
//  1. Pick a TxnMeta: a fresh TxnID, a Priority (smaller = older = wins
//     wound-wait) and a ReadTimestamp from the HLC.
//  2. Send reads (GetRequest, ScanRequest) and lock requests (LockRequest)
//     in batches carrying the TxnMeta. The server takes the locks before it
//     reads: shared locks for reads (a shared span lock for a scan),
//     exclusive for KeyLocking == LockExclusive or a LockRequest.
//  3. Buffer writes locally (after taking their exclusive locks). When the
//     buffer grows large, send it in a StageRequest and empty it: the
//     server keeps staged writes for the transaction, merges them into its
//     reads, and commits or discards them with it.
//  4. Finish with exactly one EndTxnRequest: Commit with every buffered
//     write, or abort. Either releases all the transaction's locks. A
//     transaction that saw ErrTxnAborted must still send an abort so the
//     server forgets it.
//
// Non-transactional batches (Txn == nil) may carry PutRequest and
// DeleteRequest: the server applies them atomically at one timestamp, as a
// one-shot transaction of their own.
//
// # Errors
//
// Send returns an error for the whole batch; the responses of a failed batch
// are undefined. Callers branch with errors.Is on ErrTxnAborted (the
// transaction was wounded or otherwise aborted and must restart) and
// ErrInvalidRequest (a malformed batch: a programming error of the caller).
// Context errors are returned as they are (possibly wrapped). From an
// EndTxnRequest with Commit set, every error other than ErrTxnAborted and
// ErrInvalidRequest leaves the outcome unknown (ambiguous), context errors
// included: the context may end after the writes were applied (during the
// commit wait).
//
// # Ownership
//
// Send does not retain the request or its slices after it returns; the
// response's slices belong to the caller.
package kv
