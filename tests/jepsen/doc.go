// Package jepsen is Meridian's Jepsen-style consistency harness: it runs a
// workload of concurrent SQL transactions against one or more nodes over
// the PostgreSQL wire protocol (pgx), optionally while a nemesis injects
// faults, records every operation in a history, and checks the history.
//
// # Entry point
//
// Run(ctx, Options) is what `meridian check` calls. In order it:
//
//  1. creates the workload's table (named per run, so runs never collide)
//     and its initial rows, retrying while the cluster comes up;
//  2. starts Concurrency clients, spread round-robin over Options.URLs,
//     each running one operation at a time with a per-operation timeout,
//     and the nemesis schedule, for Options.Duration;
//  3. stops issuing operations, waits for those in flight, heals the
//     nemesis;
//  4. runs the workload's final reads (set, append, bank), retrying until
//     one succeeds or FinalTimeout passes;
//  5. checks the history with the workload's checker (package checker) and
//     writes history.jsonl, report.json and report.txt (and, for a
//     register history that fails, porcupine's linearizability.html) to
//     Options.OutDir;
//  6. returns the verdict.
//
// # Outcomes
//
// Every operation is one transaction: BEGIN (Options.Begin), statements,
// COMMIT. Its outcome (see package history) is decided by runTxn:
// SQLSTATE 40001 anywhere, any other SQL error before COMMIT, or a
// deliberate rollback (insufficient funds, a compare-and-set that found
// another value) is Fail; a connection error or timeout is Fail only if no
// write statement had been sent yet, else Info; an error AT COMMIT other
// than 40001 is Info unless the transaction wrote nothing. A client whose
// operation ended Info continues under a new process id.
//
// # Workloads
//
//   - bank: Accounts accounts; transfers read both balances and write both
//     back (read-modify-write), refusing to overdraw; reads select every
//     balance in one statement. The total is summed client-side.
//   - append: lists stored as comma-separated TEXT per key, appended by
//     read-modify-write; transactions of 1-4 reads and appends over a
//     sliding window of keys, each key retired after a bounded number of
//     appends; a final read of every key.
//   - register: a few keys, each a BIGINT; read, write (unique values) and
//     compare-and-set as UPDATE … WHERE val = old, checking rows affected.
//   - set: unique inserts; a final read of the whole table.
//
// The SQL uses only CREATE TABLE with a PRIMARY KEY, INSERT, SELECT …
// WHERE/ORDER BY, UPDATE and BEGIN/COMMIT/ROLLBACK, sent over the simple
// query protocol.
package jepsen
