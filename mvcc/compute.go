package mvcc

import (
	"bytes"
)

// ComputeStats recomputes MVCCStats for user keys in [start, end) (nil end:
// to the end) by reading every record. Tests compare it with the stats
// maintained incrementally by the write operations.
func ComputeStats(r Reader, start, end []byte) (MVCCStats, error) {
	var ms MVCCStats
	lower, upper := userSpan(start, end)
	it, err := r.NewRawIter(lower, upper)
	if err != nil {
		return ms, err
	}
	var p []byte
	for valid := it.First(); valid; {
		n, _, err := splitKey(it.Key())
		if err != nil {
			return ms, closeIter(it, err)
		}
		p = append(p[:0], it.Key()[:n]...)
		ms.KeyCount++
		first := true
		for ; valid && bytes.HasPrefix(it.Key(), p); valid = it.Next() {
			k := it.Key()
			raw, err := it.ValueAndErr()
			if err != nil {
				return ms, closeIter(it, err)
			}
			ms.ValCount++
			ms.KeyBytes += int64(len(k))
			ms.ValBytes += int64(len(raw))
			var deleted bool
			if len(k) == n {
				in, err := decodeIntent(raw)
				if err != nil {
					return ms, closeIter(it, err)
				}
				deleted = in.Deleted
				ms.IntentCount++
				ms.IntentBytes += int64(len(k) + len(raw))
			} else if _, deleted, err = decodeVersion(raw); err != nil {
				return ms, closeIter(it, err)
			}
			if first && !deleted {
				ms.LiveCount++
				ms.LiveBytes += int64(len(k) + len(raw))
			}
			first = false
		}
	}
	return ms, closeIter(it, nil)
}
