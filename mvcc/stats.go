package mvcc

import "fmt"

// MVCCStats summarises the MVCC data of a span. Write operations take a
// *MVCCStats (nil to skip) and add their delta to it, so a range keeps its
// stats current without rescanning; ComputeStats recomputes them from
// scratch and must agree.
//
// Definitions. A record is one stored intent or version (tombstones
// included). Byte counts are engine bytes (encoded key, encoded value), so
// they track disk use.
//
//	KeyCount     user keys with at least one record
//	KeyBytes     sum of engine key sizes over all records
//	ValCount     number of records
//	ValBytes     sum of engine value sizes over all records
//	LiveCount    user keys whose newest record (intent if any, else newest
//	             version) is a value, not a deletion
//	LiveBytes    engine key + value bytes of those newest records
//	IntentCount  intents
//	IntentBytes  engine key + value bytes of intents
type MVCCStats struct {
	KeyCount    int64
	KeyBytes    int64
	ValCount    int64
	ValBytes    int64
	LiveCount   int64
	LiveBytes   int64
	IntentCount int64
	IntentBytes int64
}

// Add adds o to s.
func (s *MVCCStats) Add(o MVCCStats) {
	s.KeyCount += o.KeyCount
	s.KeyBytes += o.KeyBytes
	s.ValCount += o.ValCount
	s.ValBytes += o.ValBytes
	s.LiveCount += o.LiveCount
	s.LiveBytes += o.LiveBytes
	s.IntentCount += o.IntentCount
	s.IntentBytes += o.IntentBytes
}

// Subtract subtracts o from s.
func (s *MVCCStats) Subtract(o MVCCStats) {
	s.Add(MVCCStats{
		KeyCount: -o.KeyCount, KeyBytes: -o.KeyBytes, ValCount: -o.ValCount, ValBytes: -o.ValBytes,
		LiveCount: -o.LiveCount, LiveBytes: -o.LiveBytes, IntentCount: -o.IntentCount, IntentBytes: -o.IntentBytes,
	})
}

func (s MVCCStats) String() string {
	return fmt.Sprintf("keys=%d/%dB vals=%d/%dB live=%d/%dB intents=%d/%dB",
		s.KeyCount, s.KeyBytes, s.ValCount, s.ValBytes, s.LiveCount, s.LiveBytes, s.IntentCount, s.IntentBytes)
}
