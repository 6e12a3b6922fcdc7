package rowenc

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Direction is the sort direction of one key column.
type Direction uint8

const (
	// Ascending sorts values as Compare does, NULL last.
	Ascending Direction = iota
	// Descending sorts values in the reverse of Compare, NULL first (the
	// mirror image, as PostgreSQL's DESC defaults to NULLS FIRST).
	Descending
)

func (d Direction) String() string {
	switch d {
	case Ascending:
		return "ASC"
	case Descending:
		return "DESC"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// Key markers: the first byte of every ascending key encoding. Their order
// is the order of kinds (see Compare), NULL last. 0x00 and 0xFF are never
// markers in either direction, so callers may use them as sentinels that sort
// before/after every encoded column value. A descending encoding is the
// bitwise complement of the ascending one, byte for byte, so its marker is
// ^marker; the two marker sets are disjoint, which makes every encoding say
// its own direction.
const (
	markerFalse     byte = 0x10
	markerTrue      byte = 0x11
	markerInt       byte = 0x20
	markerFloat     byte = 0x30
	markerDecimal   byte = 0x38
	markerTimestamp byte = 0x40
	markerString    byte = 0x50
	markerBytes     byte = 0x60
	markerNull      byte = 0xFE
)

// Escapes inside string and bytes payloads (ascending form).
const (
	escape      byte = 0x00 // starts an escape pair
	escaped00   byte = 0xFF // escape, escaped00 stands for a 0x00 payload byte
	escapedTerm byte = 0x01 // escape, escapedTerm ends the payload
)

// canonicalNaN is the one NaN the key encoding writes; every NaN is mapped to
// it so that all NaNs produce the same key (they compare equal).
const canonicalNaN uint64 = 0x7FF8000000000000

func keyMarker(v Value) byte {
	switch v.Kind {
	case KindNull:
		return markerNull
	case KindBool:
		if v.I != 0 {
			return markerTrue
		}
		return markerFalse
	case KindInt:
		return markerInt
	case KindFloat:
		return markerFloat
	case KindString:
		return markerString
	case KindBytes:
		return markerBytes
	case KindTimestamp:
		return markerTimestamp
	case KindDecimal:
		return markerDecimal
	}
	panic(fmt.Sprintf("rowenc: invalid kind %d", v.Kind))
}

// AppendKey appends the order-preserving key encoding of v in direction dir
// to dst and returns the extended slice. Encodings of several columns are
// simply concatenated to form a composite key: each one is self-delimiting
// and no encoding is a prefix of another, so bytes.Compare on the
// concatenation orders tuples lexicographically, column by column, each in
// its own direction.
//
// Ascending layout (marker byte, then payload):
//
//	NULL       0xFE                                 (sorts last)
//	false      0x10
//	true       0x11
//	INT        0x20 | 8 bytes big-endian uint64(i) ^ 1<<63
//	FLOAT      0x30 | 8 bytes big-endian of the float's bits b, transformed:
//	                  b ^ 1<<63 if the sign bit is clear, ^b if it is set;
//	                  -0 is written as +0 and every NaN as 0x7FF8000000000000,
//	                  which transforms to 0xFFF8…00, above +Inf (0xFFF0…00)
//	DECIMAL    0x38 | see appendDecimalKey
//	TIMESTAMP  0x40 | 8 bytes big-endian uint64(micros) ^ 1<<63
//	STRING     0x50 | escaped payload | 0x00 0x01
//	BYTES      0x60 | escaped payload | 0x00 0x01
//
// where the escaped payload is the bytes with each 0x00 written as 0x00 0xFF.
// So "" is 0x50 0x00 0x01; "a" < "a\x00" because 0x01 < 0xFF at the first
// difference; and "a\x00" < "a\x01" because 0x00 < 0x01.
//
// Descending layout: the ascending encoding with every byte complemented
// (b ^ 0xFF), e.g. NULL is 0x01 and "" is 0xAF 0xFF 0xFE.
//
// The encoding is canonical: values that Compare equal (-0 and +0, any two
// NaNs) have identical keys, and DecodeKey rejects any other spelling.
// AppendKey panics on an invalid Kind or Direction (a programming error).
func AppendKey(dst []byte, v Value, dir Direction) []byte {
	var flip byte
	switch dir {
	case Ascending:
	case Descending:
		flip = 0xFF
	default:
		panic(fmt.Sprintf("rowenc: invalid direction %d", dir))
	}
	dst = append(dst, keyMarker(v)^flip)
	switch v.Kind {
	case KindInt, KindTimestamp:
		return appendUint64(dst, uint64(v.I)^(1<<63), flip)
	case KindFloat:
		return appendUint64(dst, floatKeyBits(v.F), flip)
	case KindString:
		return appendEscaped(dst, v.S, flip)
	case KindBytes:
		return appendEscaped(dst, v.B, flip)
	case KindDecimal:
		return appendDecimalKey(dst, v.S, flip)
	}
	return dst // NULL and BOOL carry everything in the marker
}

func floatKeyBits(f float64) uint64 {
	var b uint64
	switch {
	case math.IsNaN(f):
		b = canonicalNaN
	case f == 0:
		b = 0 // folds -0 into +0
	default:
		b = math.Float64bits(f)
	}
	if b&(1<<63) != 0 {
		return ^b
	}
	return b ^ (1 << 63)
}

func floatFromKeyBits(u uint64) float64 {
	if u&(1<<63) != 0 {
		return math.Float64frombits(u ^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

func appendUint64(dst []byte, u uint64, flip byte) []byte {
	if flip != 0 {
		u = ^u
	}
	return binary.BigEndian.AppendUint64(dst, u)
}

func appendEscaped[T string | []byte](dst []byte, s T, flip byte) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == escape {
			dst = append(dst, escape^flip, escaped00^flip)
		} else {
			dst = append(dst, c^flip)
		}
	}
	return append(dst, escape^flip, escapedTerm^flip)
}

// DecodeKey decodes the key-encoded value at the start of b and returns it,
// the direction it was written in, and the rest of b. The returned Value
// never aliases b. Any input that AppendKey could not have produced returns
// an error wrapping ErrCorrupt; DecodeKey never panics.
func DecodeKey(b []byte) (v Value, dir Direction, rest []byte, err error) {
	if len(b) == 0 {
		return Value{}, 0, nil, corruptf("empty key")
	}
	m, flip, ok := readMarker(b[0])
	if !ok {
		return Value{}, 0, nil, corruptf("unknown key marker 0x%02x", b[0])
	}
	if flip != 0 {
		dir = Descending
	}
	b = b[1:]
	switch m {
	case markerNull:
		return Value{}, dir, b, nil
	case markerFalse:
		return Bool(false), dir, b, nil
	case markerTrue:
		return Bool(true), dir, b, nil
	case markerInt, markerTimestamp, markerFloat:
		if len(b) < 8 {
			return Value{}, 0, nil, corruptf("key: %d bytes for a fixed 8-byte payload", len(b))
		}
		u := binary.BigEndian.Uint64(b)
		if flip != 0 {
			u = ^u
		}
		b = b[8:]
		switch m {
		case markerInt:
			return Int(int64(u ^ (1 << 63))), dir, b, nil
		case markerTimestamp:
			return Timestamp(int64(u ^ (1 << 63))), dir, b, nil
		}
		f := floatFromKeyBits(u)
		if f == 0 && math.Signbit(f) {
			return Value{}, 0, nil, corruptf("key: non-canonical float -0")
		}
		if math.IsNaN(f) && math.Float64bits(f) != canonicalNaN {
			return Value{}, 0, nil, corruptf("key: non-canonical NaN %#x", math.Float64bits(f))
		}
		return Float(f), dir, b, nil
	case markerDecimal:
		v, rest, err := decodeDecimalKey(b, flip)
		if err != nil {
			return Value{}, 0, nil, err
		}
		return v, dir, rest, nil
	case markerString, markerBytes:
		p, rest, err := decodeEscaped(b, flip)
		if err != nil {
			return Value{}, 0, nil, err
		}
		if m == markerString {
			return String(string(p)), dir, rest, nil
		}
		return Bytes(p), dir, rest, nil
	}
	return Value{}, 0, nil, corruptf("unknown key marker 0x%02x", m)
}

// readMarker returns the ascending marker of the encoding whose first byte is
// c and the flip mask of its direction.
func readMarker(c byte) (marker, flip byte, ok bool) {
	if isMarker(c) {
		return c, 0, true
	}
	if isMarker(^c) {
		return ^c, 0xFF, true
	}
	return 0, 0, false
}

func isMarker(c byte) bool {
	switch c {
	case markerNull, markerFalse, markerTrue, markerInt, markerFloat,
		markerTimestamp, markerString, markerBytes, markerDecimal:
		return true
	}
	return false
}

// decodeEscaped unescapes the payload at the start of b, written with flip,
// up to and including its terminator. The result is a fresh slice (non-nil,
// possibly empty) of exactly the payload's length.
func decodeEscaped(b []byte, flip byte) (payload, rest []byte, err error) {
	// First pass: validate, find the terminator and the payload length.
	n, end := 0, -1
	for i := 0; i < len(b); i++ {
		if b[i]^flip != escape {
			n++
			continue
		}
		if i+1 >= len(b) {
			return nil, nil, corruptf("key: truncated escape at offset %d", i)
		}
		i++
		switch b[i] ^ flip {
		case escaped00:
			n++
		case escapedTerm:
			end = i + 1
		default:
			return nil, nil, corruptf("key: invalid escape 0x%02x at offset %d", b[i], i)
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return nil, nil, corruptf("key: unterminated string")
	}
	// Second pass: copy, now known to be well formed.
	out := make([]byte, 0, n)
	for i := 0; len(out) < n; i++ {
		c := b[i] ^ flip
		if c == escape {
			i++ // escaped00
		}
		out = append(out, c)
	}
	return out, b[end:], nil
}

// KeyLength returns the length of the key-encoded value at the start of b,
// to skip over a column. It validates exactly what DecodeKey validates (and
// for now costs as much).
func KeyLength(b []byte) (int, error) {
	_, _, rest, err := DecodeKey(b)
	if err != nil {
		return 0, err
	}
	return len(b) - len(rest), nil
}

// PrefixEnd returns the smallest key that is greater than every key having
// prefix as a prefix, for the exclusive end of a scan span [prefix,
// PrefixEnd(prefix)). It returns nil when there is no such key (prefix is
// empty or all 0xFF), meaning the span is unbounded above. The result is a
// new slice.
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			end := make([]byte, i+1)
			copy(end, prefix)
			end[i]++
			return end
		}
	}
	return nil
}
