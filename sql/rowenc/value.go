package rowenc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrCorrupt is returned (wrapped) by every decoder in this package when its
// input is not a valid encoding. Check it with errors.Is; the wrapped message
// says what was wrong and at which offset.
var ErrCorrupt = errors.New("rowenc: corrupt encoding")

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Kind is the type of a Value. The zero Kind is KindNull, so the zero Value
// is SQL NULL.
type Kind uint8

const (
	// KindNull is SQL NULL. It carries no payload.
	KindNull Kind = iota
	// KindBool is BOOL; the payload is I (0 = false, 1 = true).
	KindBool
	// KindInt is SMALLINT, INT and BIGINT; the payload is I.
	KindInt
	// KindFloat is REAL, DOUBLE PRECISION and FLOAT; the payload is F.
	KindFloat
	// KindString is TEXT, VARCHAR and CHAR; the payload is S.
	KindString
	// KindBytes is BYTEA; the payload is B.
	KindBytes
	// KindTimestamp is TIMESTAMP; the payload is I, in microseconds since
	// the Unix epoch (1970-01-01 00:00:00 UTC), the precision PostgreSQL keeps.
	KindTimestamp
	// KindDecimal is NUMERIC; the payload is S, the value's decimal text
	// without exponent ("-12.340"), scale included. See decimal.go.
	KindDecimal

	numKinds
)

var kindNames = [numKinds]string{"NULL", "BOOL", "INT", "FLOAT", "STRING", "BYTES", "TIMESTAMP", "DECIMAL"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one column value as the encoders see it: a Kind and the one
// payload field that Kind uses (the others are zero). The SQL layer wraps it
// in its own datum type; build Values with the constructors below so that the
// unused fields stay zero.
type Value struct {
	Kind Kind
	I    int64   // KindBool (0/1), KindInt, KindTimestamp (µs since epoch)
	F    float64 // KindFloat
	S    string  // KindString
	B    []byte  // KindBytes
}

// Null returns SQL NULL.
func Null() Value { return Value{} }

// Bool returns a BOOL value.
func Bool(b bool) Value {
	if b {
		return Value{Kind: KindBool, I: 1}
	}
	return Value{Kind: KindBool}
}

// Int returns an integer value (SMALLINT, INT, BIGINT).
func Int(i int64) Value { return Value{Kind: KindInt, I: i} }

// Float returns a floating-point value.
func Float(f float64) Value { return Value{Kind: KindFloat, F: f} }

// String returns a TEXT value. The bytes need not be valid UTF-8; validating
// text is the SQL layer's job.
func String(s string) Value { return Value{Kind: KindString, S: s} }

// Bytes returns a BYTEA value. It keeps b; the caller must not modify it.
func Bytes(b []byte) Value { return Value{Kind: KindBytes, B: b} }

// Timestamp returns a TIMESTAMP value of micros microseconds since the Unix
// epoch.
func Timestamp(micros int64) Value { return Value{Kind: KindTimestamp, I: micros} }

// TimestampFromTime returns a TIMESTAMP value for t, truncated (towards the
// past) to whole microseconds. t's location is ignored; the result is the
// instant. Times outside roughly ±292,000 years of 1970 do not fit.
func TimestampFromTime(t time.Time) Value { return Timestamp(t.UnixMicro()) }

// IsNull reports whether v is SQL NULL.
func (v Value) IsNull() bool { return v.Kind == KindNull }

// Bool returns the payload of a KindBool value.
func (v Value) Bool() bool { return v.I != 0 }

// Time returns the instant of a KindTimestamp value, in UTC.
func (v Value) Time() time.Time { return time.UnixMicro(v.I).UTC() }

// String formats v for debugging and test failures; it is not SQL output.
func (v Value) String() string {
	switch v.Kind {
	case KindNull:
		return "NULL"
	case KindBool:
		return strconv.FormatBool(v.Bool())
	case KindInt:
		return strconv.FormatInt(v.I, 10)
	case KindFloat:
		return "float:" + strconv.FormatFloat(v.F, 'g', -1, 64)
	case KindString:
		return strconv.Quote(v.S)
	case KindBytes:
		return fmt.Sprintf("bytes:%x", v.B)
	case KindTimestamp:
		return "ts:" + v.Time().Format("2006-01-02T15:04:05.999999Z")
	case KindDecimal:
		return "dec:" + v.S
	}
	return v.Kind.String()
}

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b in
// ascending key order; AppendKey in Ascending direction agrees with it:
// sign(bytes.Compare(AppendKey(nil, a, Ascending), AppendKey(nil, b, Ascending)))
// == Compare(a, b).
//
// Within a Kind this is the SQL order: false < true; numbers numerically,
// with -0 == 0 and NaN equal to itself and greater than every other float
// (+Inf included), as in PostgreSQL; TEXT and BYTEA bytewise, which for
// UTF-8 text is code-point order (PostgreSQL's "C" collation). NULL sorts
// after every non-NULL value (PostgreSQL's default NULLS LAST for ascending
// order) and compares equal to NULL, as keys need. Values of different
// non-NULL kinds, which a well-typed column never mixes, sort by Kind in the
// order BOOL < INT < FLOAT < TIMESTAMP < STRING < BYTES.
func Compare(a, b Value) int {
	if a.Kind != b.Kind {
		return cmpInt(int64(keyMarker(a)), int64(keyMarker(b)))
	}
	switch a.Kind {
	case KindNull:
		return 0
	case KindBool:
		return cmpInt(boolInt(a.I), boolInt(b.I))
	case KindInt, KindTimestamp:
		return cmpInt(a.I, b.I)
	case KindFloat:
		return cmpFloat(a.F, b.F)
	case KindString:
		return strings.Compare(a.S, b.S)
	case KindBytes:
		return bytes.Compare(a.B, b.B)
	case KindDecimal:
		return compareDecimal(a.S, b.S)
	}
	panic(fmt.Sprintf("rowenc: Compare of invalid kind %d", a.Kind))
}

func boolInt(i int64) int64 {
	if i != 0 {
		return 1
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0 // includes -0 == +0
}
