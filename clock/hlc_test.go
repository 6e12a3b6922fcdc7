package clock_test

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/meridiandb/meridian/clock"
)

func newHLC(t testing.TB, cfg clock.Config) *clock.HLC {
	t.Helper()
	h, err := clock.NewHLC(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestConfigValidation(t *testing.T) {
	h := newHLC(t, clock.Config{})
	if h.MaxOffset() != clock.DefaultMaxOffset || h.Epsilon() != clock.DefaultMaxOffset {
		t.Fatalf("zero Config: MaxOffset %s ε %s, want both %s", h.MaxOffset(), h.Epsilon(), clock.DefaultMaxOffset)
	}
	if _, ok := h.Source().(clock.Wall); !ok {
		t.Fatalf("zero Config: Source %T, want Wall", h.Source())
	}
	for name, cfg := range map[string]clock.Config{
		"negative max offset": {MaxOffset: -1},
		"negative window":     {OffsetWindow: -time.Second},
		"ε above max offset":  {MaxOffset: time.Millisecond, Uncertainty: clock.FixedUncertainty(2 * time.Millisecond)},
		"negative ε":          {Uncertainty: clock.FixedUncertainty(-1)},
	} {
		if _, err := clock.NewHLC(cfg); !errors.Is(err, clock.ErrInvalidConfig) {
			t.Errorf("%s: NewHLC err = %v, want ErrInvalidConfig", name, err)
		}
		if _, err := clock.NewOffsetTracker(cfg); !errors.Is(err, clock.ErrInvalidConfig) {
			t.Errorf("%s: NewOffsetTracker err = %v, want ErrInvalidConfig", name, err)
		}
	}
}

func TestNowFollowsPhysicalAndTicksLogical(t *testing.T) {
	m := clock.NewManual(100)
	h := newHLC(t, clock.Config{Source: m})
	if got, want := h.Now(), (clock.Timestamp{WallTime: 100}); got != want {
		t.Fatalf("Now = %s, want %s", got, want)
	}
	if got, want := h.Now(), (clock.Timestamp{WallTime: 100, Logical: 1}); got != want {
		t.Fatalf("second Now at same physical time = %s, want %s", got, want)
	}
	m.Advance(5)
	if got, want := h.Now(), (clock.Timestamp{WallTime: 105}); got != want {
		t.Fatalf("Now after advance = %s, want %s", got, want)
	}
	m.Set(50) // physical clock steps back
	if got, want := h.Now(), (clock.Timestamp{WallTime: 105, Logical: 1}); got != want {
		t.Fatalf("Now after physical step back = %s, want %s", got, want)
	}
}

// TestNowMonotonicConcurrent calls Now from many goroutines while another
// goroutine moves the physical clock forwards and backwards. Each goroutine
// must see strictly increasing timestamps and no timestamp may be handed
// out twice.
func TestNowMonotonicConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  func() (clock.Source, func(i int))
	}{
		{"wall", func() (clock.Source, func(int)) { return clock.Wall{}, func(int) {} }},
		{"manual stepping both ways", func() (clock.Source, func(int)) {
			m := clock.NewManual(1 << 40)
			return m, func(i int) {
				if i%3 == 0 {
					m.Advance(-7)
				} else {
					m.Advance(5)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, step := tc.src()
			h := newHLC(t, clock.Config{Source: src})
			const goroutines, perG = 16, 2000
			results := make([][]clock.Timestamp, goroutines)
			stop := make(chan struct{})
			stepperDone := make(chan struct{})
			go func() {
				defer close(stepperDone)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
						step(i)
					}
				}
			}()
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ts := make([]clock.Timestamp, perG)
					for i := range ts {
						ts[i] = h.Now()
					}
					results[g] = ts
				}()
			}
			wg.Wait()
			close(stop)
			<-stepperDone

			seen := make(map[clock.Timestamp]int, goroutines*perG)
			for g, ts := range results {
				for i, x := range ts {
					if i > 0 && !ts[i-1].Less(x) {
						t.Fatalf("goroutine %d: Now went %s then %s", g, ts[i-1], x)
					}
					if other, dup := seen[x]; dup {
						t.Fatalf("timestamp %s returned to goroutines %d and %d", x, other, g)
					}
					seen[x] = g
				}
			}
		})
	}
}

func TestUpdateRefusesFarAheadRemote(t *testing.T) {
	const maxOffset = 100 * time.Millisecond
	m := clock.NewManual(int64(time.Hour))
	h := newHLC(t, clock.Config{Source: m, MaxOffset: maxOffset})
	before := h.Now()

	edge := clock.Timestamp{WallTime: m.Now() + int64(maxOffset), Logical: 3}
	if err := h.Update(edge); err != nil {
		t.Fatalf("Update exactly MaxOffset ahead: %v", err)
	}
	if got := h.Now(); !edge.Less(got) {
		t.Fatalf("Now after Update(%s) = %s, not after it", edge, got)
	}

	far := clock.Timestamp{WallTime: m.Now() + int64(maxOffset) + 1}
	err := h.Update(far)
	if !errors.Is(err, clock.ErrUntrustworthyRemote) {
		t.Fatalf("Update 1ns beyond MaxOffset: err = %v, want ErrUntrustworthyRemote", err)
	}
	var ue *clock.UntrustworthyRemoteError
	if !errors.As(err, &ue) || ue.Remote != far || ue.Physical != m.Now() || ue.MaxOffset != maxOffset {
		t.Fatalf("error = %#v, want the remote, physical time and max offset", err)
	}
	if got := h.Now(); !got.Less(far) || !before.Less(got) {
		t.Fatalf("Now after refused Update = %s: refused timestamp %s leaked in", got, far)
	}
	if err := h.Update(clock.MaxTimestamp); !errors.Is(err, clock.ErrUntrustworthyRemote) {
		t.Fatalf("Update(MaxTimestamp): err = %v", err)
	}
}

// node is a simulated node: its own skewed view of a shared true time and
// its HLC.
type node struct {
	src *clock.Skewed
	hlc *clock.HLC
}

// TestCausalityAcrossSkewedNodes passes messages along random chains between
// nodes whose clocks are skewed and drifting (within MaxOffset of each
// other). Every message's timestamp must be below the receiver's next Now,
// so causally later events get larger timestamps whatever the clocks say,
// and no HLC may run ahead of the fastest physical clock.
func TestCausalityAcrossSkewedNodes(t *testing.T) {
	const maxOffset = 50 * time.Millisecond
	rng := rand.New(rand.NewPCG(1, 2))
	truth := clock.NewManual(int64(1000 * time.Hour))
	nodes := make([]node, 5)
	for i := range nodes {
		s := clock.NewSkewed(truth)
		h := newHLC(t, clock.Config{Source: s, MaxOffset: maxOffset})
		nodes[i] = node{s, h}
	}
	// Any two nodes stay within maxOffset of each other.
	reskew := func() {
		for _, n := range nodes {
			// Offsets within ±(maxOffset/2 - 1ms); drift over the run adds
			// well under 1ms more.
			n.src.SetOffset(time.Duration(rng.Int64N(int64(maxOffset-2*time.Millisecond))) - maxOffset/2 + time.Millisecond)
			n.src.SetDrift(rng.Float64()*400 - 200)
		}
	}
	reskew()

	var fastest int64
	for chain := range 200 {
		if chain%20 == 0 {
			reskew() // clocks step, some backwards, during the run
		}
		from := rng.IntN(len(nodes))
		msg := nodes[from].hlc.Now()
		for hop := range 1 + rng.IntN(6) {
			truth.Advance(time.Duration(rng.Int64N(int64(2 * time.Millisecond)))) // network delay
			to := rng.IntN(len(nodes))
			recv := nodes[to].hlc
			if err := recv.Update(msg); err != nil {
				t.Fatalf("chain %d hop %d: Update(%s) on node %d: %v", chain, hop, msg, to, err)
			}
			next := recv.Now()
			if !msg.Less(next) {
				t.Fatalf("chain %d hop %d: node %d Now %s after receiving %s", chain, hop, to, next, msg)
			}
			for _, n := range nodes {
				fastest = max(fastest, n.src.Now())
			}
			if next.WallTime > fastest {
				t.Fatalf("node %d HLC %s is ahead of every physical clock (fastest %d)", to, next, fastest)
			}
			msg = next
		}
	}
}
