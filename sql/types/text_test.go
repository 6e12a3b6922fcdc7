package types

import (
	"math"
	"testing"
	"time"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

func TestParseFormatRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		t        T
		in, want string
	}{
		{Bool, "true", "t"}, {Bool, " OFF ", "f"}, {Bool, "y", "t"}, {Bool, "0", "f"},
		{Int2, "-32768", "-32768"}, {Int4, " 42 ", "42"}, {Int8, "9223372036854775807", "9223372036854775807"},
		{Float8, "0.1", "0.1"}, {Float8, "1e15", "1e+15"}, {Float8, "123456789012345", "123456789012345"},
		{Float8, "0.00001", "1e-05"}, {Float8, "-0", "-0"}, {Float8, "NaN", "NaN"}, {Float8, "-inf", "-Infinity"},
		{Float4, "1.1", "1.1"}, {Float4, "1234567", "1.234567e+06"},
		{Text, "héllo", "héllo"}, {Varchar(3), "abc  ", "abc"}, {Char(4), "ab", "ab  "},
		{Bytea, `\x00ff10`, `\x00ff10`}, {Bytea, `a\\b\001`, `\x615c6201`},
		{Timestamp, "2024-02-29 13:14:15.123456", "2024-02-29 13:14:15.123456"},
		{Timestamp, "2024-02-29T13:14:15Z", "2024-02-29 13:14:15"},
		{Timestamp, "2024-02-29", "2024-02-29 00:00:00"},
		{Timestamp, "2024-02-29 13:14:15.1000004", "2024-02-29 13:14:15.1"},
	} {
		v, err := ParseText(tc.t, tc.in)
		if err != nil {
			t.Errorf("ParseText(%s, %q): %v", tc.t, tc.in, err)
			continue
		}
		if got := FormatText(tc.t, v); got != tc.want {
			t.Errorf("FormatText(ParseText(%s, %q)) = %q, want %q", tc.t, tc.in, got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		t    T
		in   string
		code string
	}{
		{Bool, "maybe", pgerror.CodeInvalidTextRepresentation},
		{Bool, "o", pgerror.CodeInvalidTextRepresentation}, // ambiguous: on/off
		{Int4, "12x", pgerror.CodeInvalidTextRepresentation},
		{Int2, "40000", pgerror.CodeNumericValueOutOfRange},
		{Int8, "99999999999999999999", pgerror.CodeNumericValueOutOfRange},
		{Float8, "abc", pgerror.CodeInvalidTextRepresentation},
		{Float8, "1e400", pgerror.CodeNumericValueOutOfRange},
		{Varchar(2), "abc", pgerror.CodeStringDataRightTruncation},
		{Char(2), "abc", pgerror.CodeStringDataRightTruncation},
		{Text, "\xff", pgerror.CodeCharacterNotInRepertoire},
		{Bytea, `\xzz`, pgerror.CodeInvalidTextRepresentation},
		{Bytea, `\9`, pgerror.CodeInvalidTextRepresentation},
		{Timestamp, "yesterday-ish", pgerror.CodeInvalidDatetimeFormat},
	} {
		_, err := ParseText(tc.t, tc.in)
		if got := pgerror.Code(err); err == nil || got != tc.code {
			t.Errorf("ParseText(%s, %q) = %v (%s), want %s", tc.t, tc.in, err, got, tc.code)
		}
	}
}

func TestExplicitTruncation(t *testing.T) {
	v, err := CheckString(Varchar(2), "héllo", true)
	if err != nil || v.S != "hé" {
		t.Fatalf("CheckString explicit = %v, %v; want hé", v, err)
	}
}

func TestFormatFloatReadsBack(t *testing.T) {
	for _, f := range []float64{0, 1, -1.5, math.Pi, 1e-300, 1e300, 123456.789, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		s := FormatFloat(f, false)
		v, err := ParseText(Float8, s)
		if err != nil || v.F != f {
			t.Errorf("%v -> %q -> %v, %v", f, s, v.F, err)
		}
	}
}

func TestTypeMetadata(t *testing.T) {
	if Varchar(10).Modifier() != 14 || Text.Modifier() != -1 || Int4.Size() != 4 || Text.Size() != -1 {
		t.Error("wrong typmod or typlen")
	}
	if Varchar(10).Name() != "character varying(10)" || Char(0).Name() != "character(1)" {
		t.Error("wrong names")
	}
	if _, ok := FromOID(OIDTimestamptz); !ok {
		t.Error("FromOID refuses timestamptz")
	}
	for _, c := range []struct {
		t        T
		in, want string
	}{
		{Date, "2024-02-29", "2024-02-29"},
		{Date, "2024-02-29 23:59:59", "2024-02-29"},
		{Date, "1969-12-31", "1969-12-31"},
		{Timestamptz, "2024-01-02 03:04:05+02", "2024-01-02 01:04:05+00"},
		{Timestamptz, "2024-01-02 03:04:05.5-05:30", "2024-01-02 08:34:05.5+00"},
		{Timestamptz, "2024-01-02 03:04:05", "2024-01-02 03:04:05+00"},
		{Timestamptz, "2024-01-02T03:04:05Z", "2024-01-02 03:04:05+00"},
	} {
		v, err := ParseText(c.t, c.in)
		if err != nil || FormatText(c.t, v) != c.want {
			t.Errorf("%s %q: got %q, %v; want %q", c.t.Name(), c.in, FormatText(c.t, v), err, c.want)
		}
	}
	if Int2.Kind() != rowenc.KindInt || Timestamp.Kind() != rowenc.KindTimestamp {
		t.Error("wrong kinds")
	}
	v, _ := TimestampValue(time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)))
	if got := FormatText(Timestamp, v); got != "2020-01-02 02:04:05" {
		t.Errorf("TimestampValue converts to UTC: got %q", got)
	}
}
