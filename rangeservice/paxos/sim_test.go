package paxos

// The deterministic cluster simulator. Every choice (faults, delays, client
// operations, election jitter) comes from one rand seeded by the seed, and
// nothing iterates a map where order matters, so a failing seed replays
// exactly:
//
//	go test ./rangeservice/paxos/... -run '^TestSimulation$' -seed=1234 -v
//
// (each variant test prints its own name in the command it prints).
//
// After every step the simulator checks that no two replicas lead at the
// same ballot, that every replica applies the same entry at each index (a
// committed entry never changes), and that no two leases overlap (nor
// does a majority promise another candidate while a lease holds). At the
// end it heals everything, checks that clients finish (liveness), and
// checks the clients' history for linearizability.

import (
	"flag"
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

var (
	seedFlag  = flag.Int64("seed", -1, "run exactly this simulation seed")
	seedsFlag = flag.Int("seeds", 0, "number of simulation seeds to run (default 400)")
)

// simOptsFor derives a scenario from the seed: 3 or 5 replicas, message
// loss, duplication and reordering, partitions, crash-restarts and
// membership changes in varying mixes.
func simOptsFor(seed int64) simOpts {
	rng := rand.New(rand.NewSource(seed ^ 0x5eed))
	o := simOpts{
		nodes:      3,
		ticks:      600,
		quietTicks: 400,
		loss:       []float64{0, 0.02, 0.05, 0.15}[rng.Intn(4)],
		dup:        []float64{0, 0.02, 0.1}[rng.Intn(3)],
		maxDelay:   1 + rng.Intn(4),
		crashes:    rng.Intn(3) > 0,
		partitions: rng.Intn(3) > 0,
		confChange: rng.Intn(3) == 0,
		clients:    2 + rng.Intn(3),
		compactLag: 5 + rng.Intn(30),
		drift:      rng.Intn(2) == 0,
		minDelay:   rng.Intn(2),
	}
	if seed%2 == 1 {
		o.nodes = 5
	}
	return o
}

// runSeed runs one seed of a simulation variant (test names the test that
// replays it; adjust, if set, changes the scenario simOptsFor derives).
func runSeed(t *testing.T, test string, seed int64, adjust func(*simOpts), total *simStats) {
	t.Helper()
	o := simOptsFor(seed)
	if adjust != nil {
		adjust(&o)
	}
	s := newSim(seed, o)
	s.fullTrace = *seedFlag >= 0
	defer func() {
		s.stats.ops, s.stats.ballots = len(s.history), len(s.leaders)
		total.add(s.stats)
	}()
	if err := s.run(); err != nil {
		for _, l := range s.trace {
			t.Log(l)
		}
		t.Fatalf("seed %d: %v\n%s\nreplay: go test ./rangeservice/paxos/... -run '^%s$' -seed=%d -v", seed, err, s.summary(), test, seed)
	}
	if *seedFlag >= 0 {
		t.Log(s.summary())
	}
}

// runSimulation runs -seed alone, or seeds 1..-seeds (default defaultSeeds,
// a tenth of it with -short), stopping at the first failure.
func runSimulation(t *testing.T, defaultSeeds int, adjust func(*simOpts)) {
	if *seedFlag >= 0 {
		runSeed(t, t.Name(), *seedFlag, adjust, &simStats{})
		return
	}
	n := *seedsFlag
	if n == 0 {
		n = defaultSeeds
		if testing.Short() {
			n = defaultSeeds / 10
		}
	}
	var total simStats
	for seed := int64(1); seed <= int64(n); seed++ {
		runSeed(t, t.Name(), seed, adjust, &total)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d seeds passed: %+v", n, total)
}

func (s *sim) summary() string {
	return fmt.Sprintf("opts %+v: %d ticks, %d ops completed, %d entries committed, %d ballots led, %+v",
		s.o, s.now, len(s.history), len(s.chosen), len(s.leaders), s.stats)
}

// TestSimulation runs seeded clusters under faults and checks safety after
// every step and linearizability of the clients' history at the end.
func TestSimulation(t *testing.T) {
	runSimulation(t, 400, nil)
}

// TestSimulationIsolatedLeader cuts the leader off alone, for long
// stretches, with drifting clocks: the old leader must lose its lease
// before a new one is elected.
func TestSimulationIsolatedLeader(t *testing.T) {
	runSimulation(t, 200, func(o *simOpts) { o.partitions, o.isolateLeader, o.drift = true, true, true })
}

// TestSimulationCrashAfterPersist crashes replicas right after they
// persist a new promise or commit index and send what depends on it.
// (With the promised ballot not persisted at all, TestSimulation's
// end-to-end checks first failed at seed 898 and this test's at seed 394;
// the simulator now also checks at every boot that the disk's promise
// covers every ballot the node answered at, which fails at once.)
func TestSimulationCrashAfterPersist(t *testing.T) {
	runSimulation(t, 200, func(o *simOpts) { o.crashes, o.crashAfterPersist = true, true })
}

// TestSimulationKeepRemoved runs membership-change scenarios in which
// removed replicas keep running: they may campaign with a stale
// configuration, answer prepares and receive the group's messages.
func TestSimulationKeepRemoved(t *testing.T) {
	runSimulation(t, 200, func(o *simOpts) { o.confChange, o.keepRemoved = true, true })
}

// TestElectionTicks measures how many ticks a 3-replica and a 5-replica
// group with 5% message loss take to elect a leader: from a cold start,
// and after the leader crashes.
func TestElectionTicks(t *testing.T) {
	for _, nodes := range []int{3, 5} {
		var cold, failover []int
		for seed := int64(1); seed <= 200; seed++ {
			s := newSim(seed, simOpts{nodes: nodes, loss: 0.05, minDelay: 1, maxDelay: 1})
			c := s.ticksUntilLeader(nil, 1000)
			if c < 0 {
				t.Fatalf("seed %d: no leader elected", seed)
			}
			cold = append(cold, c)
			for i := 0; i < 20; i++ { // settle: lease and heartbeats flowing
				s.step()
			}
			old := s.leaderNode()
			if old == nil {
				continue
			}
			s.crash(old)
			old.restart = 1 << 62 // stays down
			f := s.ticksUntilLeader(old, 1000)
			if f < 0 {
				t.Fatalf("seed %d: no leader after crash", seed)
			}
			failover = append(failover, f)
			if s.err != nil {
				t.Fatalf("seed %d: %v", seed, s.err)
			}
		}
		t.Logf("%d replicas, 5%% loss: cold start median %d p99 %d ticks; after leader crash median %d p99 %d ticks (election timeout 10 ticks, %d runs)",
			nodes, pct(cold, 50), pct(cold, 99), pct(failover, 50), pct(failover, 99), len(cold))
	}
}

func (s *sim) ticksUntilLeader(not *simNode, limit int) int {
	for i := 1; i <= limit; i++ {
		s.step()
		if l := s.leaderNode(); l != nil && l != not {
			return i
		}
	}
	return -1
}

func pct(xs []int, p int) int {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	if len(xs) == 0 {
		return 0
	}
	return xs[min(len(xs)-1, len(xs)*p/100)]
}
