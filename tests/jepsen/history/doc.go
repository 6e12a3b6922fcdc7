// Package history is the record a consistency test keeps: one Op per client
// operation, with the times it was invoked and completed (read from one
// monotonic clock) and its outcome.
//
// # Outcomes
//
// Every operation ends in exactly one of three outcomes, and the whole value
// of a history rests on getting them right:
//
//   - Ok: the operation certainly took effect, and any values it read are
//     what the database returned.
//   - Fail: the operation certainly did NOT take effect. A client may only
//     record Fail when the database proved a rollback: SQLSTATE 40001 at any
//     point, any other error before COMMIT was sent, a deliberate ROLLBACK,
//     or a connection/timeout error before the transaction wrote anything.
//   - Info: indeterminate. The operation may or may not have taken effect:
//     a timeout or lost connection after the first write, or an error AT
//     COMMIT other than 40001. Checkers must treat Info operations as
//     possibly applied (their writes may be visible) and must not trust any
//     value they read.
//
// # Caller's duties
//
//  1. Read Invoke from the Recorder's clock immediately before sending the
//     first statement of the operation, and Complete immediately after the
//     last response (or the error) arrived.
//  2. Give every write a value unique within the history (the checkers infer
//     version orders from those values).
//  3. Add the finished Op to the Recorder exactly once; the Recorder assigns
//     Index. A process that ends an operation Info must not issue another:
//     the client takes a new process id, as its old operation may still be
//     in flight.
//
// Ops returned by Recorder.Ops are a copy owned by the caller, sorted by
// Invoke (ties by Index). Serialisation is JSON lines: one Op per line, in
// that order (see WriteJSONL and ReadJSONL).
package history
