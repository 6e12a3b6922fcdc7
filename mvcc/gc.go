package mvcc

import (
	"bytes"

	"github.com/meridiandb/meridian/clock"
)

// GCOptions bound one GC call.
type GCOptions struct {
	// MaxKeys is how many user keys one call visits; zero means 1000. The
	// call returns a resume key when it stops early.
	MaxKeys int
	// Stats, when non-nil, receives the effect of the removals.
	Stats *MVCCStats
}

// GC removes versions no reader can need any more from user keys in
// [start, end) (nil end: to the end). Readers at or above threshold (the
// low-water mark) must still see what they saw, so for each key it keeps
// every version above threshold and the newest version at or below it,
// removing all older ones; when that newest version at or below threshold is
// a deletion tombstone, it goes too (a read at or above threshold sees no
// value either way). Intents are never removed.
//
// Work is bounded: GC visits at most opts.MaxKeys user keys and returns the
// key to continue from, or nil when the span is done. Reads are made through
// rw, so a batch sees the deletions of its earlier calls.
func GC(rw ReadWriter, start, end []byte, threshold clock.Timestamp, opts GCOptions) (resume []byte, err error) {
	if err := checkSpanStart(rw.Limits(), start); err != nil {
		return nil, err
	}
	if err := checkTimestamp(threshold); err != nil {
		return nil, err
	}
	maxKeys := opts.MaxKeys
	if maxKeys <= 0 {
		maxKeys = 1000
	}
	lower, upper := userSpan(start, end)
	it, err := rw.NewRawIter(lower, upper)
	if err != nil {
		return nil, err
	}
	d := statsDelta{opts.Stats}
	var p []byte
	visited := 0
	valid := it.First()
	for valid {
		n, _, err := splitKey(it.Key())
		if err != nil {
			return nil, closeIter(it, err)
		}
		p = append(p[:0], it.Key()[:n]...)
		if visited == maxKeys {
			return unescape(nil, p[1:n-2]), closeIter(it, nil)
		}
		visited++
		// Walk p's records: the intent, versions above the threshold, then
		// the newest at or below it ("kept"), then the rest (removed).
		keptFound := false
		var remaining int // records of p that stay
		for ; valid && bytes.HasPrefix(it.Key(), p); valid = it.Next() {
			k := it.Key()
			if len(k) == n { // the intent
				remaining++
				continue
			}
			ts := decodeInvertedTimestamp(k[n:])
			if threshold.Less(ts) {
				remaining++
				continue
			}
			raw, err := it.ValueAndErr()
			if err != nil {
				return nil, closeIter(it, err)
			}
			if !keptFound {
				keptFound = true
				_, tomb, err := decodeVersion(raw)
				if err != nil {
					return nil, closeIter(it, err)
				}
				if !tomb {
					remaining++
					continue
				}
			}
			// Older than the kept version, or the tombstone itself.
			if err := rw.ClearRaw(k); err != nil {
				return nil, closeIter(it, err)
			}
			d.record(len(k), len(raw), -1)
		}
		if remaining == 0 && keptFound && d.ms != nil {
			// Every record of the key went: it no longer exists. (Live
			// stats are untouched: the newest record was a tombstone.)
			d.ms.KeyCount--
		}
	}
	return nil, closeIter(it, nil)
}
