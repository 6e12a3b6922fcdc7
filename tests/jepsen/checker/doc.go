// Package checker holds the consistency checkers of the Jepsen-style
// harness. Each is a pure function from a history (a []history.Op, as
// recorded by package history) to a Report: no I/O, no clocks, no
// goroutines, so that any recorded history can be re-checked offline and
// every checker is unit-tested on hand-built histories.
//
// # Contract shared by every checker
//
//   - Ok operations happened, and their reads are trusted.
//   - Fail operations did not happen: a value written only by a failed
//     operation must never be observed (for list-append that is G1a, for
//     the set a "failed-present" anomaly).
//   - Info operations may or may not have happened: their writes may be
//     observed or not, and their reads are ignored. Never is an Info
//     operation's effect required to be visible, nor forbidden.
//   - Operations of other kinds (the nemesis' entries, another workload's
//     F) are ignored.
//
// The checkers:
//
//   - Bank: every Ok read conserves the total and shows no negative balance.
//   - Append: Elle-style list-append. Version orders are inferred from Ok
//     reads (every read of a key must be a prefix of the longest one);
//     write-write, write-read and read-write edges form a dependency graph
//     whose cycles (Tarjan SCC, then a BFS for a shortest cycle in each
//     component) are classified as G0, G1c, G-single and G2; aborted reads
//     (G1a), intermediate reads (G1b), duplicated elements, incompatible
//     orders and (given a final read) lost appends are reported besides.
//     With real-time edges added, cycles that need one are reported as
//     strict-serializability violations, separately.
//   - Register: per-key linearizability of read, write and compare-and-set,
//     with porcupine; the result can render porcupine's visualization.
//   - Set: a final read contains every acknowledged add, nothing never
//     attempted and nothing certainly failed.
//
// Reports own their slices; the checkers never retain the history.
package checker
