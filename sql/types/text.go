package types

import (
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

// ParseText reads s, in PostgreSQL's text format for t, into a value of t.
// Errors carry the SQLSTATE PostgreSQL uses: 22P02 for bad syntax, 22003 for
// an integer out of range, 22001 for a string too long, 22007/22008 for a
// bad timestamp, 22021 for invalid UTF-8.
func ParseText(t T, s string) (rowenc.Value, error) { return ParseTextIn(t, s, nil) }

// ParseTextIn is ParseText in the session time zone loc (nil: UTC), which
// a TIMESTAMPTZ without an explicit offset is read in.
func ParseTextIn(t T, s string, loc *time.Location) (rowenc.Value, error) {
	switch t.OID {
	case OIDBool:
		return parseBool(s)
	case OIDInt2, OIDInt4, OIDInt8:
		return parseInt(t, s)
	case OIDFloat4, OIDFloat8:
		return parseFloat(t, s)
	case OIDText, OIDVarchar, OIDBpchar, OIDName, OIDUnknown:
		if !utf8.ValidString(s) {
			return rowenc.Value{}, pgerror.New(pgerror.CodeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
		}
		return CheckString(t, s, false)
	case OIDBytea:
		return parseBytea(s)
	case OIDTimestamp:
		return parseTimestamp(s)
	case OIDTimestamptz:
		return parseTimestamptz(s, loc)
	case OIDDate:
		return parseDate(s)
	case OIDJSON, OIDJSONB:
		return parseJSON(t, s)
	case OIDNumeric:
		return ParseNumeric(t, s)
	}
	return rowenc.Value{}, pgerror.Unsupported("input of type " + t.Name())
}

func syntaxErr(t T, s string) error {
	return pgerror.New(pgerror.CodeInvalidTextRepresentation, "invalid input syntax for type %s: %q", t.Name(), s)
}

func parseBool(s string) (rowenc.Value, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" {
		return rowenc.Value{}, syntaxErr(Bool, s)
	}
	// PostgreSQL accepts any unique prefix of these words.
	for _, w := range []struct {
		word string
		val  bool
		min  int
	}{{"true", true, 1}, {"false", false, 1}, {"yes", true, 1}, {"no", false, 1}, {"on", true, 2}, {"off", false, 2}} {
		if len(v) >= w.min && strings.HasPrefix(w.word, v) {
			return rowenc.Bool(w.val), nil
		}
	}
	switch v {
	case "1":
		return rowenc.Bool(true), nil
	case "0":
		return rowenc.Bool(false), nil
	}
	return rowenc.Value{}, syntaxErr(Bool, s)
}

func parseInt(t T, s string) (rowenc.Value, error) {
	v := strings.TrimSpace(s)
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return rowenc.Value{}, OutOfRange(t, s)
		}
		return rowenc.Value{}, syntaxErr(t, s)
	}
	return CheckInt(t, i)
}

// OutOfRange is the 22003 error for a value that does not fit t.
func OutOfRange(t T, s string) error {
	return pgerror.New(pgerror.CodeNumericValueOutOfRange, "value %q is out of range for type %s", s, t.Name())
}

// CheckInt returns i as a value of the integer type t, or 22003 when it does
// not fit.
func CheckInt(t T, i int64) (rowenc.Value, error) {
	lo, hi := t.IntRange()
	if i < lo || i > hi {
		if t.OID == OIDInt2 {
			return rowenc.Value{}, pgerror.New(pgerror.CodeNumericValueOutOfRange, "smallint out of range")
		}
		return rowenc.Value{}, pgerror.New(pgerror.CodeNumericValueOutOfRange, "integer out of range")
	}
	return rowenc.Int(i), nil
}

func parseFloat(t T, s string) (rowenc.Value, error) {
	v := strings.TrimSpace(s)
	var f float64
	switch strings.ToLower(v) {
	case "nan":
		f = math.NaN()
	case "infinity", "+infinity", "inf", "+inf":
		f = math.Inf(1)
	case "-infinity", "-inf":
		f = math.Inf(-1)
	default:
		bits := 64
		if t.OID == OIDFloat4 {
			bits = 32
		}
		var err error
		f, err = strconv.ParseFloat(v, bits)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return rowenc.Value{}, pgerror.New(pgerror.CodeNumericValueOutOfRange, "%q is out of range for type %s", s, t.Name())
			}
			return rowenc.Value{}, syntaxErr(t, s)
		}
	}
	return rowenc.Float(f), nil
}

// CheckString returns s as a value of the string type t. VARCHAR(n) and
// CHAR(n) refuse a longer string with 22001, unless explicit (a cast), which
// truncates as PostgreSQL does; trailing spaces beyond n are always cut.
// CHAR(n) is padded with spaces to n characters.
func CheckString(t T, s string, explicit bool) (rowenc.Value, error) {
	if (t.OID == OIDVarchar || t.OID == OIDBpchar) && t.Width > 0 {
		n := utf8.RuneCountInString(s)
		if n > int(t.Width) {
			cut := s[:runeOffset(s, int(t.Width))]
			if !explicit && strings.TrimRight(s[len(cut):], " ") != "" {
				return rowenc.Value{}, pgerror.New(pgerror.CodeStringDataRightTruncation, "value too long for type %s", t.Name())
			}
			s, n = cut, int(t.Width)
		}
		if t.OID == OIDBpchar && n < int(t.Width) {
			s += strings.Repeat(" ", int(t.Width)-n)
		}
	}
	return rowenc.String(s), nil
}

// runeOffset returns the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

func parseBytea(s string) (rowenc.Value, error) {
	if strings.HasPrefix(s, `\x`) {
		h := s[2:]
		b, err := hex.DecodeString(h)
		if err != nil {
			return rowenc.Value{}, syntaxErr(Bytea, s)
		}
		return rowenc.Bytes(b), nil
	}
	// Escape format: backslash followed by octal digits or a backslash.
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			b = append(b, '\\')
			i++
		case i+3 < len(s)+0 && isOct(s[i+1]) && isOct(s[i+2]) && isOct(s[i+3]) && s[i+1] <= '3':
			b = append(b, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			return rowenc.Value{}, syntaxErr(Bytea, s)
		}
	}
	return rowenc.Bytes(b), nil
}

func isOct(c byte) bool { return c >= '0' && c <= '7' }

// timestampLayouts are the inputs accepted for TIMESTAMP, tried in order. A
// zone offset is accepted and ignored for TIMESTAMP WITHOUT TIME ZONE, as
// PostgreSQL does.
var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999-0700",
	"2006-01-02 15:04",
	"2006-01-02",
}

func parseTimestamp(s string) (rowenc.Value, error) {
	v := strings.TrimSpace(s)
	switch strings.ToLower(v) {
	case "infinity", "-infinity":
		return rowenc.Value{}, pgerror.Unsupported("infinite timestamps")
	}
	for _, layout := range timestampLayouts {
		tm, err := time.Parse(layout, v)
		if err != nil {
			continue
		}
		// Keep the wall-clock reading; drop the zone.
		wall := time.Date(tm.Year(), tm.Month(), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond(), time.UTC)
		return TimestampValue(wall)
	}
	return rowenc.Value{}, pgerror.New(pgerror.CodeInvalidDatetimeFormat, "invalid input syntax for type timestamp: %q", s)
}

// TimestampValue returns the TIMESTAMP value of t's UTC reading, rounded to
// microseconds (half away from zero, as PostgreSQL rounds).
func TimestampValue(t time.Time) (rowenc.Value, error) {
	t = t.UTC()
	if t.Year() < -4713 || t.Year() > 294276 {
		return rowenc.Value{}, pgerror.New(pgerror.CodeDatetimeFieldOverflow, "timestamp out of range")
	}
	return rowenc.Timestamp(t.Round(time.Microsecond).UnixMicro()), nil
}

// FormatText renders v, a value of t, in PostgreSQL's text format. NULL has
// no text form; callers send it as a NULL field.
func FormatText(t T, v rowenc.Value) string { return FormatTextIn(t, v, nil) }

// FormatTextIn is FormatText in the session time zone loc (nil: UTC),
// which a TIMESTAMPTZ prints in.
func FormatTextIn(t T, v rowenc.Value, loc *time.Location) string {
	switch v.Kind {
	case rowenc.KindNull:
		return ""
	case rowenc.KindBool:
		if v.Bool() {
			return "t"
		}
		return "f"
	case rowenc.KindInt:
		return strconv.FormatInt(v.I, 10)
	case rowenc.KindFloat:
		return FormatFloat(v.F, t.OID == OIDFloat4)
	case rowenc.KindString:
		return v.S
	case rowenc.KindBytes:
		return `\x` + hex.EncodeToString(v.B)
	case rowenc.KindTimestamp:
		switch t.OID {
		case OIDDate:
			return FormatDate(v.I)
		case OIDTimestamptz:
			return FormatTimestamptzIn(v.I, loc)
		}
		return FormatTimestamp(v.I)
	case rowenc.KindDecimal:
		return FormatNumeric(t, v)
	}
	return v.String()
}

// FormatFloat renders f as PostgreSQL does with extra_float_digits >= 1: the
// shortest text that reads back exactly, in exponent form when the decimal
// exponent is below -4 or at least the type's precision (15, or 6 for REAL).
func FormatFloat(f float64, single bool) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	bits, digits := 64, 15
	if single {
		bits, digits = 32, 6
	}
	e := strconv.FormatFloat(f, 'e', -1, bits)
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= digits {
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		es := strconv.Itoa(exp)
		if len(es) < 2 {
			es = "0" + es
		}
		return mant + "e" + sign + es
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// FormatTimestamp renders microseconds since the epoch as PostgreSQL's
// ISO DateStyle does: "2006-01-02 15:04:05" with the fraction, if any,
// without trailing zeros.
func FormatTimestamp(micros int64) string {
	t := time.UnixMicro(micros).UTC()
	s := t.Format("2006-01-02 15:04:05.999999")
	if t.Year() <= 0 {
		// PostgreSQL writes years before 1 AD as "... BC" counting from 1.
		bc := time.Date(1-t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
		return bc.Format("2006-01-02 15:04:05.999999") + " BC"
	}
	return s
}
