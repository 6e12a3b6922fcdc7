package clock_test

import (
	"testing"

	"github.com/meridiandb/meridian/clock"
)

// BenchmarkHLCNow measures Now under contention from all Ps, on the wall
// clock (the production path: one time.Now and one mutex per call).
func BenchmarkHLCNow(b *testing.B) {
	h := newHLC(b, clock.Config{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var last clock.Timestamp
		for pb.Next() {
			ts := h.Now()
			if !last.Less(ts) {
				b.Fatalf("Now went %s then %s", last, ts)
			}
			last = ts
		}
	})
}
