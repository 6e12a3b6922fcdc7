package pgwire

import (
	"encoding/binary"
	"math"
	"time"
	"unicode/utf8"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// Format codes.
const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// pgEpochMicros is 2000-01-01 00:00:00 UTC in microseconds since the Unix
// epoch: binary timestamps count from there, rowenc's from 1970.
const pgEpochMicros = 946684800 * 1_000_000

const microsPerDay = 86_400_000_000

// hasBinary reports whether Meridian speaks t's binary format.
func hasBinary(t types.T) bool {
	switch t.OID {
	case types.OIDInt2, types.OIDInt4, types.OIDInt8, types.OIDFloat4, types.OIDFloat8,
		types.OIDBool, types.OIDBytea, types.OIDText, types.OIDVarchar, types.OIDBpchar,
		types.OIDName, types.OIDUnknown, types.OIDTimestamp, types.OIDNumeric,
		types.OIDTimestamptz, types.OIDDate, types.OIDJSON, types.OIDJSONB:
		return true
	}
	return false
}

// checkFormat refuses a format code Meridian cannot produce for t.
func checkFormat(t types.T, f int16) error {
	switch f {
	case formatText:
		return nil
	case formatBinary:
		if hasBinary(t) {
			return nil
		}
		return pgerror.Unsupported("binary format for type " + t.Name())
	}
	return pgerror.New(pgerror.CodeProtocolViolation, "unsupported format code: %d", f)
}

// encodeValue renders v, a value of type t, in format f; NULL is nil. The
// text format of a timestamptz is in the session TimeZone loc (nil: UTC);
// its binary format is UTC microseconds whatever the zone.
func encodeValue(t types.T, f int16, v rowenc.Value, loc *time.Location) ([]byte, error) {
	if v.IsNull() {
		return nil, nil
	}
	if f == formatText {
		return []byte(types.FormatTextIn(t, v, loc)), nil
	}
	switch t.OID {
	case types.OIDInt2:
		return binary.BigEndian.AppendUint16(nil, uint16(int16(v.I))), nil
	case types.OIDInt4:
		return binary.BigEndian.AppendUint32(nil, uint32(int32(v.I))), nil
	case types.OIDInt8:
		return binary.BigEndian.AppendUint64(nil, uint64(v.I)), nil
	case types.OIDFloat4:
		return binary.BigEndian.AppendUint32(nil, math.Float32bits(float32(v.F))), nil
	case types.OIDFloat8:
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(v.F)), nil
	case types.OIDBool:
		if v.Bool() {
			return []byte{1}, nil
		}
		return []byte{0}, nil
	case types.OIDBytea:
		if v.B == nil {
			return []byte{}, nil
		}
		return v.B, nil
	case types.OIDText, types.OIDVarchar, types.OIDBpchar, types.OIDName, types.OIDUnknown:
		return []byte(v.S), nil
	case types.OIDTimestamp, types.OIDTimestamptz:
		return binary.BigEndian.AppendUint64(nil, uint64(v.I-pgEpochMicros)), nil
	case types.OIDJSON:
		return []byte(v.S), nil
	case types.OIDJSONB:
		// A version byte (1), then the text.
		return append([]byte{1}, v.S...), nil
	case types.OIDDate:
		// int32 days since 2000-01-01.
		return binary.BigEndian.AppendUint32(nil, uint32(int32((v.I-pgEpochMicros)/microsPerDay))), nil
	case types.OIDNumeric:
		return encodeNumeric(t, v), nil
	}
	return nil, pgerror.Unsupported("binary format for type " + t.Name())
}

// decodeParam reads a Bind parameter of type t in format f; nil is NULL. A
// text timestamptz without an offset is in the session TimeZone loc.
func decodeParam(t types.T, f int16, b []byte, loc *time.Location) (rowenc.Value, error) {
	if b == nil {
		return rowenc.Null(), nil
	}
	switch f {
	case formatText:
		if !utf8.Valid(b) {
			return rowenc.Value{}, pgerror.New(pgerror.CodeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		return types.ParseTextIn(t, string(b), loc)
	case formatBinary:
	default:
		return rowenc.Value{}, pgerror.New(pgerror.CodeProtocolViolation, "unsupported format code: %d", f)
	}
	bad := func() (rowenc.Value, error) {
		return rowenc.Value{}, pgerror.New(pgerror.CodeInvalidBinaryRepresentation,
			"incorrect binary data format for type %s (%d bytes)", t.Name(), len(b))
	}
	switch t.OID {
	case types.OIDInt2, types.OIDInt4, types.OIDInt8:
		// Accept any integer width: a client that sends an int8 for an int4
		// parameter gets a range check, not a format error.
		var i int64
		switch len(b) {
		case 2:
			i = int64(int16(binary.BigEndian.Uint16(b)))
		case 4:
			i = int64(int32(binary.BigEndian.Uint32(b)))
		case 8:
			i = int64(binary.BigEndian.Uint64(b))
		default:
			return bad()
		}
		return types.CheckInt(t, i)
	case types.OIDFloat4, types.OIDFloat8:
		switch len(b) {
		case 4:
			return rowenc.Float(float64(math.Float32frombits(binary.BigEndian.Uint32(b)))), nil
		case 8:
			f := math.Float64frombits(binary.BigEndian.Uint64(b))
			if t.OID == types.OIDFloat4 && !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) > math.MaxFloat32 {
				return rowenc.Value{}, types.OutOfRange(t, "binary")
			}
			return rowenc.Float(f), nil
		}
		return bad()
	case types.OIDBool:
		if len(b) != 1 || b[0] > 1 {
			return bad()
		}
		return rowenc.Bool(b[0] == 1), nil
	case types.OIDBytea:
		return rowenc.Bytes(append([]byte{}, b...)), nil
	case types.OIDText, types.OIDVarchar, types.OIDBpchar, types.OIDName, types.OIDUnknown:
		if !utf8.Valid(b) {
			return rowenc.Value{}, pgerror.New(pgerror.CodeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		return types.CheckString(t, string(b), false)
	case types.OIDJSON, types.OIDJSONB:
		if t.OID == types.OIDJSONB {
			if len(b) == 0 || b[0] != 1 {
				return rowenc.Value{}, pgerror.New(pgerror.CodeInvalidBinaryRepresentation, "unsupported jsonb version number")
			}
			b = b[1:]
		}
		if !utf8.Valid(b) {
			return rowenc.Value{}, pgerror.New(pgerror.CodeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		return types.ParseText(t, string(b))
	case types.OIDDate:
		if len(b) != 4 {
			return bad()
		}
		return rowenc.Timestamp(int64(int32(binary.BigEndian.Uint32(b)))*microsPerDay + pgEpochMicros), nil
	case types.OIDTimestamp, types.OIDTimestamptz:
		if len(b) != 8 {
			return bad()
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us > math.MaxInt64-pgEpochMicros {
			return rowenc.Value{}, pgerror.New(pgerror.CodeDatetimeFieldOverflow, "timestamp out of range")
		}
		return rowenc.Timestamp(us + pgEpochMicros), nil
	case types.OIDNumeric:
		return decodeNumeric(t, b)
	}
	return rowenc.Value{}, pgerror.Unsupported("binary format for type " + t.Name())
}
