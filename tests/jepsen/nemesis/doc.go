// Package nemesis injects faults into a system under test while a workload
// runs, and undoes them.
//
// A Nemesis injects one fault per Start and undoes every fault it injected
// on Heal; both describe what they did, for the history. The schedule that
// calls them (RunSchedule) is seeded and real-time by nature: it alternates
// quiet and faulty periods of jittered length, and always heals before it
// returns, so that a workload's final reads run against a healed system.
//
// The interface leaves room for faults that are not about processes —
// network partitions (Start cuts links, Heal restores them), clock skew
// (Start skews a node's clock, Heal resets it), membership changes — each a
// Nemesis of its own, composable with Compose.
//
// Process runs a real server (the `meridian start` binary, or any command)
// as a child: start, wait for its address to accept connections, kill -9,
// SIGSTOP/SIGCONT, restart with the same store. The process nemesis
// (NewProcessNemesis) kills or pauses a seeded choice of them.
//
// Caller's duties: Start every Process before the schedule runs; call
// Close on each when done (it kills a process that is still running, and
// resumes a paused one first). A Process is safe for concurrent use.
package nemesis
