package clock_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/meridiandb/meridian/clock"
)

func TestMeasureOffset(t *testing.T) {
	for _, tc := range []struct {
		sent, peer, recv int64
		want             clock.Offset
	}{
		{100, 150, 120, clock.Offset{Offset: 40, Error: 10}},
		{100, 50, 120, clock.Offset{Offset: -60, Error: 10}},
		{100, 100, 100, clock.Offset{}},
		// Odd round trip: the error bar rounds up so it still covers the
		// whole interval [peer-recv, peer-sent] = [-21, -20].
		{100, 80, 101, clock.Offset{Offset: -20, Error: 1}},
	} {
		got, err := clock.MeasureOffset(tc.sent, tc.peer, tc.recv)
		if err != nil || got != tc.want {
			t.Errorf("MeasureOffset(%d, %d, %d) = %+v, %v; want %+v", tc.sent, tc.peer, tc.recv, got, err, tc.want)
		}
	}
	if _, err := clock.MeasureOffset(100, 0, 99); !errors.Is(err, clock.ErrBadSample) {
		t.Fatalf("received before sent: err = %v, want ErrBadSample", err)
	}
}

// cluster simulates a node (self) and peers, all skewed views of one true
// time, pinging each other over a network with configurable one-way delays.
type cluster struct {
	t       *testing.T
	truth   *clock.Manual
	self    *clock.Skewed
	peers   map[string]*clock.Skewed
	tracker *clock.OffsetTracker
}

const (
	testMaxOffset = 100 * time.Millisecond
	testWindow    = 5 * time.Second
)

func newCluster(t *testing.T, peers ...string) *cluster {
	truth := clock.NewManual(int64(1000 * time.Hour))
	c := &cluster{t: t, truth: truth, self: clock.NewSkewed(truth), peers: map[string]*clock.Skewed{}}
	tr, err := clock.NewOffsetTracker(clock.Config{Source: c.self, MaxOffset: testMaxOffset, OffsetWindow: testWindow})
	if err != nil {
		t.Fatal(err)
	}
	c.tracker = tr
	for _, p := range peers {
		c.peers[p] = clock.NewSkewed(truth)
		tr.AddPeer(p)
	}
	return c
}

// ping measures peer with the given one-way delays and records the sample.
func (c *cluster) ping(peer string, out, back time.Duration) clock.Offset {
	c.t.Helper()
	sent := c.self.Now()
	c.truth.Advance(out)
	peerTime := c.peers[peer].Now()
	c.truth.Advance(back)
	o, err := c.tracker.Record(peer, sent, peerTime, c.self.Now())
	if err != nil {
		c.t.Fatal(err)
	}
	return o
}

func (c *cluster) pingAll() {
	for p := range c.peers {
		c.ping(p, time.Millisecond, time.Millisecond)
	}
}

func (c *cluster) check(wantFenced bool, wantEps time.Duration, when string) {
	c.t.Helper()
	st := c.tracker.Status()
	if st.Fenced != wantFenced || st.Epsilon != wantEps {
		c.t.Fatalf("%s: status %+v, want fenced=%v ε=%s", when, st, wantFenced, wantEps)
	}
	err := c.tracker.Verify()
	if wantFenced {
		var fe *clock.FencedError
		if !errors.Is(err, clock.ErrFenced) || !errors.As(err, &fe) || fe.Status != st {
			c.t.Fatalf("%s: Verify = %v, want *FencedError for %+v", when, err, st)
		}
	} else if err != nil {
		c.t.Fatalf("%s: Verify = %v, want nil", when, err)
	}
	if got := c.tracker.Epsilon(); got != wantEps {
		c.t.Fatalf("%s: Epsilon = %s, want %s", when, got, wantEps)
	}
}

// TestOffsetErrorBarCoversTrueOffset: with any split of the round trip
// between the two directions, the true offset lies within the error bar.
func TestOffsetErrorBarCoversTrueOffset(t *testing.T) {
	c := newCluster(t, "p")
	c.self.SetOffset(-7 * time.Millisecond)
	c.peers["p"].SetOffset(12 * time.Millisecond)
	const trueOffset = 19 * time.Millisecond
	for _, d := range [][2]time.Duration{{0, 0}, {time.Millisecond, time.Millisecond}, {0, 9 * time.Millisecond}, {9 * time.Millisecond, 0}, {3, 4}} {
		o := c.ping("p", d[0], d[1])
		if o.Offset-o.Error > trueOffset || trueOffset > o.Offset+o.Error {
			t.Errorf("delays %v: measured %s ± %s does not cover true offset %s", d, o.Offset, o.Error, trueOffset)
		}
		if want := (d[0] + d[1] + 1) / 2; o.Error != want {
			t.Errorf("delays %v: error bar %s, want half the round trip %s", d, o.Error, want)
		}
	}
	if o, fresh := c.tracker.PeerOffset("p"); !fresh || o.Error != 4 {
		t.Fatalf("PeerOffset = %+v fresh=%v, want the latest sample, fresh", o, fresh)
	}
}

func TestTrackerSingleNode(t *testing.T) {
	c := newCluster(t)
	c.check(false, 0, "no peers")
	c.truth.Advance(time.Hour)
	c.check(false, 0, "no peers, an hour later")
}

// TestTrackerUnderSkew: five members; ε follows the worst fresh peer and the
// node fences itself once a majority (three of five, counting itself as
// vouching) can no longer vouch.
func TestTrackerUnderSkew(t *testing.T) {
	c := newCluster(t, "a", "b", "c", "d")
	c.check(true, testMaxOffset, "before any sample (all peers silent)")

	c.pingAll() // clocks agree; error bar 1ms each
	c.check(false, time.Millisecond, "synchronised")

	c.peers["a"].SetOffset(30 * time.Millisecond)
	c.pingAll()
	c.check(false, 31*time.Millisecond, "a 30ms ahead")

	c.self.SetDrift(-200) // we fall behind everyone over time
	c.truth.Advance(100 * time.Millisecond)
	c.pingAll()
	if eps := c.tracker.Epsilon(); eps <= 31*time.Millisecond {
		t.Fatalf("ε %s did not grow while our clock drifted", eps)
	}
	c.self.SetDrift(0)
	c.self.SetOffset(0)

	// Two of four peers beyond the bound: self + 2 = 3 of 5 still vouch.
	c.peers["a"].SetOffset(testMaxOffset + 10*time.Millisecond)
	c.peers["b"].SetOffset(-testMaxOffset - 10*time.Millisecond)
	c.pingAll()
	if st := c.tracker.Status(); st.Vouching != 3 || st.Fresh != 4 || st.Members != 5 {
		t.Fatalf("two bad peers: status %+v, want 3 vouching of 5, 4 fresh", st)
	}
	c.check(false, testMaxOffset, "two of four peers beyond max offset (ε capped)")

	// A peer whose error bar straddles the bound does not vouch either.
	c.peers["c"].SetOffset(testMaxOffset - 5*time.Millisecond)
	c.ping("c", 10*time.Millisecond, 10*time.Millisecond) // 95ms ± 10ms
	c.check(true, testMaxOffset, "third peer not provably within the bound")

	c.peers["c"].SetOffset(0)
	c.ping("c", time.Millisecond, time.Millisecond)
	c.check(false, testMaxOffset, "third peer back")

	// Our own clock jumps: now everyone disagrees with us.
	c.self.SetOffset(-3 * testMaxOffset)
	c.pingAll()
	if st := c.tracker.Status(); st.Vouching != 1 {
		t.Fatalf("after our clock jumped: %d vouching, want only ourselves", st.Vouching)
	}
	c.check(true, testMaxOffset, "our clock far behind everyone")
}

// TestTrackerSilence: samples age out after the window; silent peers stop
// vouching, and a majority of silent peers fences the node.
func TestTrackerSilence(t *testing.T) {
	c := newCluster(t, "a", "b")
	c.peers["a"].SetOffset(3 * time.Millisecond)
	c.pingAll()
	c.check(false, 4*time.Millisecond, "fresh samples")

	// pingAll took 2ms per peer, so the older sample is now exactly at the
	// window's edge: still fresh.
	c.truth.Advance(testWindow - 2*time.Millisecond)
	c.check(false, 4*time.Millisecond, "at the edge of the window")

	c.truth.Advance(2*time.Millisecond + 1)
	if st := c.tracker.Status(); st.Fresh != 0 {
		t.Fatalf("past the window: %d fresh peers, want 0", st.Fresh)
	}
	if _, fresh := c.tracker.PeerOffset("a"); fresh {
		t.Fatal("PeerOffset reports an aged-out sample as fresh")
	}
	c.check(true, testMaxOffset, "all peers silent")

	// One of two peers answering is a majority of three with ourselves. The
	// silent peer's old, larger offset no longer counts towards ε.
	c.ping("b", time.Millisecond, time.Millisecond)
	c.check(false, time.Millisecond, "b answers, a silent")

	// Removing the silent peer shrinks the membership; adding a new one
	// that has not answered yet leaves 2 of 3 vouching.
	c.tracker.RemovePeer("a")
	if st := c.tracker.Status(); st.Members != 2 || st.Vouching != 2 {
		t.Fatalf("after RemovePeer: %+v, want 2 members both vouching", st)
	}
	c.tracker.AddPeer("e")
	c.check(false, time.Millisecond, "new silent peer e")
	c.peers["e"] = clock.NewSkewed(c.truth)
	c.truth.Advance(testWindow)
	c.ping("e", 2*time.Millisecond, 2*time.Millisecond)
	if st := c.tracker.Status(); st.Fresh != 1 || st.Vouching != 2 || st.Members != 3 {
		t.Fatalf("b aged out, e answered: %+v, want 1 fresh, 2 of 3 vouching", st)
	}
	c.check(false, 2*time.Millisecond, "b aged out, e answers")
	c.truth.Advance(testWindow + 1)
	c.check(true, testMaxOffset, "both peers silent again")
}

func TestFencedErrorMessage(t *testing.T) {
	c := newCluster(t, "a")
	err := c.tracker.Verify()
	if err == nil {
		t.Fatal("silent sole peer: Verify = nil, want fenced")
	}
	if got, want := err.Error(), fmt.Sprintf("clock: node fenced: 1 of 2 members (0 peers fresh) vouch for a clock within %s; a strict majority is needed", testMaxOffset); got != want {
		t.Fatalf("error %q, want %q", got, want)
	}
}
