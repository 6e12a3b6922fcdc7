package rowenc

import (
	"bytes"
	"math"
)

// edgeValues lists values of every kind, in ascending Compare order, with
// the edge cases the encodings must get right. Adjacent entries that compare
// equal are marked by the equalToPrev set below.
func edgeValues() []Value {
	return []Value{
		Bool(false),
		Bool(true),
		Int(math.MinInt64),
		Int(math.MinInt64 + 1),
		Int(-256),
		Int(-1),
		Int(0),
		Int(1),
		Int(255),
		Int(256),
		Int(math.MaxInt64 - 1),
		Int(math.MaxInt64),
		Float(math.Inf(-1)),
		Float(-math.MaxFloat64),
		Float(-1.5),
		Float(-math.SmallestNonzeroFloat64),
		Float(math.Copysign(0, -1)),
		Float(0),
		Float(math.SmallestNonzeroFloat64),
		Float(1),
		Float(math.MaxFloat64),
		Float(math.Inf(1)),
		Float(math.NaN()),
		Float(math.Float64frombits(0xFFF8000000000001)), // negative NaN
		Timestamp(math.MinInt64),
		Timestamp(-1),
		Timestamp(0),
		Timestamp(1),
		Timestamp(math.MaxInt64),
		String(""),
		String("\x00"),
		String("\x00\x00"),
		String("\x00\x01"),
		String("\x00\xff"),
		String("\x01"),
		String("a"),
		String("a\x00"),
		String("a\x00b"),
		String("a\x01"),
		String("ab"),
		String("b"),
		String("\xff"),
		String("\xff\x00"),
		String("\xff\xff"),
		Bytes(nil),
		Bytes([]byte{0}),
		Bytes([]byte{0, 0xff}),
		Bytes([]byte{1}),
		Bytes([]byte{0xff}),
		Bytes([]byte{0xff, 0xff, 0xff}),
		Null(),
	}
}

// sameValue reports whether a and b are identical, floats by bits.
func sameValue(a, b Value) bool {
	if a.Kind != b.Kind || a.I != b.I || a.S != b.S || !bytes.Equal(a.B, b.B) {
		return false
	}
	return math.Float64bits(a.F) == math.Float64bits(b.F)
}

// fuzzValue builds a Value of kind k%numKinds from fuzz inputs.
func fuzzValue(k uint8, i int64, f float64, s string) Value {
	switch Kind(k % uint8(numKinds)) {
	case KindNull:
		return Null()
	case KindBool:
		return Bool(i&1 != 0)
	case KindInt:
		return Int(i)
	case KindFloat:
		return Float(f)
	case KindString:
		return String(s)
	case KindBytes:
		return Bytes([]byte(s))
	default:
		return Timestamp(i)
	}
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}
