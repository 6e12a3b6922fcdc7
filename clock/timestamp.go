package clock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Timestamp is a hybrid logical clock reading: a physical component in
// nanoseconds since the Unix epoch and a logical counter that orders events
// sharing the same physical time (the Lamport part of the HLC).
//
// Timestamps are totally ordered by (WallTime, Logical). The zero Timestamp is
// "no timestamp" and sorts before every real one.
type Timestamp struct {
	WallTime int64
	Logical  int32
}

// MaxTimestamp sorts after every timestamp a clock can produce.
var MaxTimestamp = Timestamp{WallTime: 1<<63 - 1, Logical: 1<<31 - 1}

// EncodedTimestampLen is the size of Timestamp.Encode's output.
const EncodedTimestampLen = 12

// ErrBadTimestamp is returned when a timestamp cannot be decoded or parsed.
var ErrBadTimestamp = errors.New("clock: malformed timestamp")

// IsEmpty reports whether t is the zero timestamp.
func (t Timestamp) IsEmpty() bool { return t == Timestamp{} }

// Compare returns -1, 0 or +1 as t is before, equal to or after u.
func (t Timestamp) Compare(u Timestamp) int {
	switch {
	case t.WallTime < u.WallTime:
		return -1
	case t.WallTime > u.WallTime:
		return 1
	case t.Logical < u.Logical:
		return -1
	case t.Logical > u.Logical:
		return 1
	}
	return 0
}

// Less reports whether t sorts strictly before u.
func (t Timestamp) Less(u Timestamp) bool { return t.Compare(u) < 0 }

// LessEq reports whether t sorts before or equal to u.
func (t Timestamp) LessEq(u Timestamp) bool { return t.Compare(u) <= 0 }

// Forward returns the later of t and u.
func (t Timestamp) Forward(u Timestamp) Timestamp {
	if t.Less(u) {
		return u
	}
	return t
}

// Backward returns the earlier of t and u.
func (t Timestamp) Backward(u Timestamp) Timestamp {
	if u.Less(t) {
		return u
	}
	return t
}

// Next returns the smallest timestamp strictly after t.
func (t Timestamp) Next() Timestamp {
	if t.Logical == 1<<31-1 {
		return Timestamp{WallTime: t.WallTime + 1}
	}
	return Timestamp{WallTime: t.WallTime, Logical: t.Logical + 1}
}

// Prev returns the largest timestamp strictly before t. Prev of the zero
// timestamp is the zero timestamp.
func (t Timestamp) Prev() Timestamp {
	switch {
	case t.Logical > 0:
		return Timestamp{WallTime: t.WallTime, Logical: t.Logical - 1}
	case t.WallTime > 0:
		return Timestamp{WallTime: t.WallTime - 1, Logical: 1<<31 - 1}
	}
	return Timestamp{}
}

// AddNanos returns t moved by d nanoseconds of wall time, logical part reset
// when d is non-zero.
func (t Timestamp) AddNanos(d int64) Timestamp {
	if d == 0 {
		return t
	}
	return Timestamp{WallTime: t.WallTime + d}
}

// String renders t as "<seconds>.<nanoseconds, 9 digits>,<logical>", e.g.
// "1700000000.000000123,4". ParseTimestamp reads it back.
func (t Timestamp) String() string {
	sec, nsec := t.WallTime/1e9, t.WallTime%1e9
	sign := ""
	if t.WallTime < 0 {
		sign, sec, nsec = "-", -sec, -nsec
	}
	return fmt.Sprintf("%s%d.%09d,%d", sign, sec, nsec, t.Logical)
}

// ParseTimestamp parses the String form. The ",logical" suffix and the
// fractional seconds are optional, so "5" and "5,1" and "5.000000001" parse.
func ParseTimestamp(s string) (Timestamp, error) {
	wallStr, logStr, hasLogical := strings.Cut(s, ",")
	var t Timestamp
	if hasLogical {
		l, err := strconv.ParseInt(logStr, 10, 32)
		if err != nil || l < 0 {
			return Timestamp{}, fmt.Errorf("%w: logical part of %q", ErrBadTimestamp, s)
		}
		t.Logical = int32(l)
	}
	neg := strings.HasPrefix(wallStr, "-")
	wallStr = strings.TrimPrefix(wallStr, "-")
	secStr, nsStr, hasFrac := strings.Cut(wallStr, ".")
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil || sec < 0 || sec > (1<<63-1)/int64(1e9) {
		return Timestamp{}, fmt.Errorf("%w: seconds of %q", ErrBadTimestamp, s)
	}
	var ns int64
	if hasFrac {
		if len(nsStr) == 0 || len(nsStr) > 9 {
			return Timestamp{}, fmt.Errorf("%w: fraction of %q", ErrBadTimestamp, s)
		}
		ns, err = strconv.ParseInt(nsStr+strings.Repeat("0", 9-len(nsStr)), 10, 64)
		if err != nil || ns < 0 {
			return Timestamp{}, fmt.Errorf("%w: fraction of %q", ErrBadTimestamp, s)
		}
	}
	t.WallTime = sec*1e9 + ns
	if neg {
		t.WallTime = -t.WallTime
	}
	return t, nil
}

// Encode appends the fixed-width, order-preserving encoding of t to dst:
//
//	+----------------------------+------------------------+
//	| wall time (8 bytes, BE,    | logical (4 bytes, BE,  |
//	|   sign bit flipped)        |   sign bit flipped)    |
//	+----------------------------+------------------------+
//
// bytes.Compare on two encodings agrees with Timestamp.Compare.
func (t Timestamp) Encode(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(t.WallTime)^(1<<63))
	return binary.BigEndian.AppendUint32(dst, uint32(t.Logical)^(1<<31))
}

// DecodeTimestamp decodes the first EncodedTimestampLen bytes of b.
func DecodeTimestamp(b []byte) (Timestamp, error) {
	if len(b) < EncodedTimestampLen {
		return Timestamp{}, fmt.Errorf("%w: %d bytes, want %d", ErrBadTimestamp, len(b), EncodedTimestampLen)
	}
	return Timestamp{
		WallTime: int64(binary.BigEndian.Uint64(b) ^ (1 << 63)),
		Logical:  int32(binary.BigEndian.Uint32(b[8:]) ^ (1 << 31)),
	}, nil
}
