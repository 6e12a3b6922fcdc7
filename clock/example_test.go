package clock_test

import (
	"context"
	"fmt"
	"time"

	"github.com/meridiandb/meridian/clock"
)

// A node's clock wired to an offset tracker, stepped by a Manual source: a
// commit wait finishes once ε has elapsed past the commit timestamp.
func Example() {
	src := clock.NewManual(int64(time.Hour))
	tracker, _ := clock.NewOffsetTracker(clock.Config{Source: src, MaxOffset: 250 * time.Millisecond})
	hlc, _ := clock.NewHLC(clock.Config{Source: src, MaxOffset: 250 * time.Millisecond, Uncertainty: tracker})

	// A heartbeat round trip of 2ms to a peer whose clock reads 3ms ahead.
	sent := src.Now()
	src.Advance(time.Millisecond)
	peerTime := src.Now() + int64(3*time.Millisecond)
	src.Advance(time.Millisecond)
	o, _ := tracker.Record("n2", sent, peerTime, src.Now())
	fmt.Println("offset", o.Offset, "±", o.Error, "ε", hlc.Epsilon(), "verify", tracker.Verify())

	commitTS := hlc.Now()
	done := make(chan error)
	go func() { done <- hlc.CommitWait(context.Background(), commitTS) }()
	_ = src.WaitForTimers(context.Background(), 1) // the waiter is asleep
	src.Advance(4*time.Millisecond + 1)
	fmt.Println("commit wait:", <-done)
	// Output:
	// offset 3ms ± 1ms ε 4ms verify <nil>
	// commit wait: <nil>
}
