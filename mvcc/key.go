package mvcc

import (
	"bytes"
	"encoding/binary"

	"github.com/meridiandb/meridian/clock"
)

// Engine key space. The first byte of every Pebble key says what it is:
//
//	0x01 local   per-range and per-store state, unversioned (see LocalKey)
//	0x02 user    MVCC versions and intents of user keys (see EncodeKey)
//
// The user-key encoding always starts with 0x02, so no user key, however it
// is chosen, can land in the local space: the two spaces are disjoint by
// their first byte, and a scan of all user data is the engine span
// [0x02, 0x03).
const (
	localPrefix byte = 0x01
	userPrefix  byte = 0x02
	userEnd     byte = 0x03

	// Bytes that follow localPrefix.
	localRangePrefix byte = 'r'
	localStorePrefix byte = 's'
)

// Escaping of user keys inside engine keys.
const (
	escape       byte = 0x00 // a literal 0x00 in the user key is written 0x00 0xFF
	escapedZero  byte = 0xFF
	terminator   byte = 0x01 // 0x00 0x01 ends the user key
	versionedLen      = clock.EncodedTimestampLen
)

// MVCCKey is a user key and a version timestamp. A zero Timestamp denotes the
// key's intent slot, which sorts before all of its versions.
type MVCCKey struct {
	Key       []byte
	Timestamp clock.Timestamp
}

// EncodeKey appends the engine key for (key, ts) to dst and returns it. A zero
// ts encodes the intent key (what EncodeIntentKey returns).
//
// Byte layout:
//
//	+------+------------------------------+-----------+------------------------+
//	| 0x02 | user key, each 0x00 written  | 0x00 0x01 | timestamp: 12 bytes of  |
//	|      | as 0x00 0xFF                 |           | clock.Timestamp.Encode, |
//	|      |                              |           | every bit inverted      |
//	+------+------------------------------+-----------+------------------------+
//	                                                   (absent for the intent)
//
// Why this shape. Pebble compares keys bytewise (its default comparer), so
// the encoding alone must give the MVCC order:
//   - user keys ascending: the escaped body plus terminator is
//     order-preserving and prefix-free, so "a" (61 00 01 ...) sorts before
//     "a\x00" (61 00 FF 00 01 ...) and a longer key can never be confused
//     with a shorter key followed by a timestamp;
//   - within one user key, the intent (no suffix) first, then versions newest
//     first: inverting the order-preserving timestamp bytes makes a larger
//     timestamp sort earlier.
//
// A Pebble Comparer with a Split function (CockroachDB's choice, with a
// length byte at the end) would enable prefix bloom filters, at the price of
// a custom comparer every tool must register and whose invariants Pebble
// checks. Reads here find a key's intent and newest visible version with one
// SeekGE and a short Next, which measured within target without bloom
// filters, so we keep the default bytewise comparer. The encoding is already
// prefix-free, so a Split (at the terminator) could be added later.
func EncodeKey(dst, key []byte, ts clock.Timestamp) []byte {
	dst = appendUserKeyPrefix(dst, key)
	if ts.IsEmpty() {
		return dst
	}
	return appendInvertedTimestamp(dst, ts)
}

// EncodeIntentKey appends the engine key of key's intent slot to dst.
func EncodeIntentKey(dst, key []byte) []byte {
	return appendUserKeyPrefix(dst, key)
}

// appendUserKeyPrefix appends 0x02, the escaped key and the terminator.
func appendUserKeyPrefix(dst, key []byte) []byte {
	dst = appendEscaped(append(dst, userPrefix), key)
	return append(dst, escape, terminator)
}

// appendEscaped appends key with every 0x00 written as 0x00 0xFF.
func appendEscaped(dst, key []byte) []byte {
	for {
		i := bytes.IndexByte(key, escape)
		if i < 0 {
			return append(dst, key...)
		}
		dst = append(dst, key[:i+1]...)
		dst = append(dst, escapedZero)
		key = key[i+1:]
	}
}

func appendInvertedTimestamp(dst []byte, ts clock.Timestamp) []byte {
	n := len(dst)
	dst = ts.Encode(dst)
	for i := n; i < len(dst); i++ {
		dst[i] = ^dst[i]
	}
	return dst
}

func decodeInvertedTimestamp(b []byte) clock.Timestamp {
	var buf [versionedLen]byte
	for i := range buf {
		buf[i] = ^b[i]
	}
	ts, _ := clock.DecodeTimestamp(buf[:])
	return ts
}

// DecodeKey decodes an engine key made by EncodeKey. The returned user key is
// freshly allocated. A zero Timestamp means the key is an intent key.
func DecodeKey(ek []byte) (MVCCKey, error) {
	key, ts, err := decodeKeyAppend(nil, ek)
	if err != nil {
		return MVCCKey{}, err
	}
	if key == nil {
		key = []byte{}
	}
	return MVCCKey{Key: key, Timestamp: ts}, nil
}

// splitKey returns the length of the user-key part of engine key ek (prefix
// byte, escaped key and terminator) and the version timestamp (zero for an
// intent key). Two engine keys belong to the same user key iff their prefixes
// of that length are equal.
func splitKey(ek []byte) (prefixLen int, ts clock.Timestamp, err error) {
	if len(ek) == 0 || ek[0] != userPrefix {
		return 0, ts, corruptf("engine key %x is not a user key", ek)
	}
	i := 1
	for {
		j := bytes.IndexByte(ek[i:], escape)
		if j < 0 || i+j+1 >= len(ek) {
			return 0, ts, corruptf("engine key %x is not terminated", ek)
		}
		i += j + 1
		switch ek[i] {
		case escapedZero:
			i++
			continue
		case terminator:
			i++
		default:
			return 0, ts, corruptf("engine key %x has a bad escape", ek)
		}
		break
	}
	switch len(ek) - i {
	case 0:
		return i, ts, nil
	case versionedLen:
		ts = decodeInvertedTimestamp(ek[i:])
		if ts.IsEmpty() {
			return 0, ts, corruptf("engine key %x has a zero timestamp", ek)
		}
		return i, ts, nil
	}
	return 0, ts, corruptf("engine key %x has a %d-byte suffix", ek, len(ek)-i)
}

// decodeKeyAppend appends the unescaped user key of ek to dst.
func decodeKeyAppend(dst, ek []byte) ([]byte, clock.Timestamp, error) {
	n, ts, err := splitKey(ek)
	if err != nil {
		return nil, ts, err
	}
	return unescape(dst, ek[1:n-2]), ts, nil
}

// unescape appends body with 0x00 0xFF pairs turned back into 0x00.
func unescape(dst, body []byte) []byte {
	for {
		i := bytes.IndexByte(body, escape)
		if i < 0 {
			return append(dst, body...)
		}
		dst = append(dst, body[:i+1]...)
		body = body[i+2:]
	}
}

// userSpan returns the engine bounds [lower, upper) covering every intent and
// version of user keys in [start, end). A nil or empty end means "to the end
// of the user key space". lower is the escaped start without terminator: it
// is <= every engine key of start itself. upper is the escaped end without
// terminator, which sorts after the engine keys of every user key < end
// (those that extend to end's prefix have 0x00 0x01 where end has a larger
// byte or 0x00 0xFF).
func userSpan(start, end []byte) (lower, upper []byte) {
	lower = appendEscaped([]byte{userPrefix}, start)
	if len(end) == 0 {
		return lower, []byte{userEnd}
	}
	return lower, appendEscaped([]byte{userPrefix}, end)
}

// LocalKey is an engine key in the unversioned local space. It never equals
// or sorts among user-key encodings.
type LocalKey []byte

// Local key layout:
//
//	range-local: | 0x01 | 'r' | range ID, 8 bytes BE | suffix |
//	store-local: | 0x01 | 's' | suffix |
//
// All keys of one range share the first 10 bytes, so RangeLocalSpan covers
// them with one span (for snapshots and range removal).

// RangeLocalKey returns the key of per-range state suffix for rangeID.
func RangeLocalKey(rangeID uint64, suffix string) LocalKey {
	k := make([]byte, 0, 10+len(suffix))
	k = append(k, localPrefix, localRangePrefix)
	k = binary.BigEndian.AppendUint64(k, rangeID)
	return append(k, suffix...)
}

// RangeLocalSpan returns the engine span [lower, upper) holding every
// range-local key of rangeID.
func RangeLocalSpan(rangeID uint64) (lower, upper LocalKey) {
	lower = RangeLocalKey(rangeID, "")
	upper = append(LocalKey(nil), lower...)
	upper = append(upper, 0xFF) // no suffix starts with 0xFF by convention
	return lower, upper
}

// StoreLocalKey returns the key of node-wide state suffix (store identity,
// version markers, ...).
func StoreLocalKey(suffix string) LocalKey {
	return append(LocalKey{localPrefix, localStorePrefix}, suffix...)
}

// Well-known range-local suffixes.
const (
	// SuffixAppliedIndex holds the highest log index applied to the range's
	// state machine.
	SuffixAppliedIndex = "applied-index"
	// SuffixRangeDescriptor holds the encoded range descriptor.
	SuffixRangeDescriptor = "range-descriptor"
	// SuffixGCThreshold holds the range's GC low-water mark.
	SuffixGCThreshold = "gc-threshold"
	// SuffixStats holds the range's encoded MVCCStats.
	SuffixStats = "stats"
)

// AppliedIndexKey is RangeLocalKey(rangeID, SuffixAppliedIndex).
func AppliedIndexKey(rangeID uint64) LocalKey { return RangeLocalKey(rangeID, SuffixAppliedIndex) }

// RangeDescriptorKey is RangeLocalKey(rangeID, SuffixRangeDescriptor).
func RangeDescriptorKey(rangeID uint64) LocalKey {
	return RangeLocalKey(rangeID, SuffixRangeDescriptor)
}
