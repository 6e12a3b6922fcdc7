// Package types describes SQL column types as PostgreSQL clients see them
// (type OIDs, names, sizes, modifiers) and converts values of those types to
// and from PostgreSQL's text format.
//
// A value of any type is a rowenc.Value; the T says how to read it: INT2,
// INT4 and INT8 are all rowenc.KindInt, and the T bounds their range. The
// text format is the one PostgreSQL's input and output functions use, so
// that psql and drivers see exactly what they would from PostgreSQL.
package types

import (
	"fmt"

	"github.com/meridiandb/meridian/sql/rowenc"
)

// PostgreSQL type OIDs (pg_type.oid) of the types Meridian knows.
const (
	OIDBool        uint32 = 16
	OIDBytea       uint32 = 17
	OIDName        uint32 = 19
	OIDInt8        uint32 = 20
	OIDInt2        uint32 = 21
	OIDInt4        uint32 = 23
	OIDText        uint32 = 25
	OIDOid         uint32 = 26
	OIDFloat4      uint32 = 700
	OIDFloat8      uint32 = 701
	OIDUnknown     uint32 = 705
	OIDBpchar      uint32 = 1042
	OIDVarchar     uint32 = 1043
	OIDTimestamp   uint32 = 1114
	OIDTimestamptz uint32 = 1184
	OIDNumeric     uint32 = 1700
	OIDDate        uint32 = 1082
)

// T is a column or expression type.
type T struct {
	// OID is the PostgreSQL type OID; zero is not a type.
	OID uint32
	// Width is n of VARCHAR(n) and CHAR(n) (characters); zero means no limit
	// for VARCHAR. CHAR without a length is CHAR(1), as in PostgreSQL.
	Width int32
}

// The types. VARCHAR(n) and CHAR(n) are built with Varchar and Char.
var (
	Unknown   = T{OID: OIDUnknown}
	Bool      = T{OID: OIDBool}
	Int2      = T{OID: OIDInt2}
	Int4      = T{OID: OIDInt4}
	Int8      = T{OID: OIDInt8}
	Float4    = T{OID: OIDFloat4}
	Float8    = T{OID: OIDFloat8}
	Text      = T{OID: OIDText}
	Bytea     = T{OID: OIDBytea}
	Timestamp = T{OID: OIDTimestamp}
)

// Varchar returns VARCHAR(n); n = 0 is VARCHAR without a limit.
func Varchar(n int32) T { return T{OID: OIDVarchar, Width: n} }

// Char returns CHAR(n).
func Char(n int32) T {
	if n <= 0 {
		n = 1
	}
	return T{OID: OIDBpchar, Width: n}
}

// FromOID returns the type with that OID (no width), and whether Meridian
// knows it.
func FromOID(oid uint32) (T, bool) {
	switch oid {
	case OIDBool, OIDBytea, OIDInt8, OIDInt2, OIDInt4, OIDText, OIDFloat4,
		OIDFloat8, OIDUnknown, OIDVarchar, OIDTimestamp, OIDNumeric, OIDDate, OIDTimestamptz,
		OIDJSON, OIDJSONB:
		return T{OID: oid}, true
	case OIDBpchar:
		return Char(1), true
	case OIDName:
		return Text, true
	}
	return T{}, false
}

// OfKind is the widest type a bare value of kind k reads as (BIGINT,
// DOUBLE PRECISION, ...; TEXT for strings and anything else), for
// converting a value whose column type is not at hand.
func OfKind(k rowenc.Kind) T {
	switch k {
	case rowenc.KindBool:
		return Bool
	case rowenc.KindInt:
		return Int8
	case rowenc.KindFloat:
		return Float8
	case rowenc.KindBytes:
		return Bytea
	case rowenc.KindTimestamp:
		return Timestamp
	}
	return Text
}

// Kind is the rowenc kind that holds values of t.
func (t T) Kind() rowenc.Kind {
	switch t.OID {
	case OIDBool:
		return rowenc.KindBool
	case OIDInt2, OIDInt4, OIDInt8, OIDOid:
		return rowenc.KindInt
	case OIDFloat4, OIDFloat8:
		return rowenc.KindFloat
	case OIDText, OIDVarchar, OIDBpchar, OIDName, OIDUnknown, OIDJSON, OIDJSONB:
		return rowenc.KindString
	case OIDBytea:
		return rowenc.KindBytes
	case OIDTimestamp, OIDTimestamptz, OIDDate:
		// DATE is midnight UTC of its day; TIMESTAMPTZ the UTC instant.
		return rowenc.KindTimestamp
	case OIDNumeric:
		return rowenc.KindDecimal
	}
	return rowenc.KindNull
}

// Name is the type's name as PostgreSQL's format_type prints it.
func (t T) Name() string {
	switch t.OID {
	case OIDBool:
		return "boolean"
	case OIDInt2:
		return "smallint"
	case OIDInt4:
		return "integer"
	case OIDInt8:
		return "bigint"
	case OIDFloat4:
		return "real"
	case OIDFloat8:
		return "double precision"
	case OIDText:
		return "text"
	case OIDVarchar:
		if t.Width > 0 {
			return fmt.Sprintf("character varying(%d)", t.Width)
		}
		return "character varying"
	case OIDBpchar:
		return fmt.Sprintf("character(%d)", t.Width)
	case OIDBytea:
		return "bytea"
	case OIDTimestamp:
		return "timestamp without time zone"
	case OIDTimestamptz:
		return "timestamp with time zone"
	case OIDDate:
		return "date"
	case OIDJSON:
		return "json"
	case OIDJSONB:
		return "jsonb"
	case OIDNumeric:
		if p, sc, ok := t.NumericPrecision(); ok {
			return fmt.Sprintf("numeric(%d,%d)", p, sc)
		}
		return "numeric"
	case OIDUnknown:
		return "unknown"
	case OIDName:
		return "name"
	case OIDOid:
		return "oid"
	}
	return fmt.Sprintf("type(oid=%d)", t.OID)
}

func (t T) String() string { return t.Name() }

// Size is pg_type.typlen: the fixed size in bytes, or -1 for variable length.
func (t T) Size() int16 {
	switch t.OID {
	case OIDBool:
		return 1
	case OIDInt2:
		return 2
	case OIDInt4, OIDFloat4, OIDOid, OIDDate:
		return 4
	case OIDInt8, OIDFloat8, OIDTimestamp, OIDTimestamptz:
		return 8
	case OIDName:
		return 64
	case OIDUnknown:
		return -2
	}
	return -1
}

// Modifier is the type modifier (atttypmod) RowDescription carries: n+4 for
// VARCHAR(n) and CHAR(n), -1 otherwise.
func (t T) Modifier() int32 {
	if (t.OID == OIDVarchar || t.OID == OIDBpchar || t.OID == OIDNumeric) && t.Width > 0 {
		return t.Width + 4
	}
	return -1
}

// IsInteger reports whether t is SMALLINT, INT or BIGINT.
func (t T) IsInteger() bool { return t.OID == OIDInt2 || t.OID == OIDInt4 || t.OID == OIDInt8 }

// IsString reports whether t is TEXT, VARCHAR or CHAR.
func (t T) IsString() bool {
	return t.OID == OIDText || t.OID == OIDVarchar || t.OID == OIDBpchar
}

// IntRange returns the smallest and largest value of an integer type.
func (t T) IntRange() (lo, hi int64) {
	switch t.OID {
	case OIDInt2:
		return -1 << 15, 1<<15 - 1
	case OIDInt4:
		return -1 << 31, 1<<31 - 1
	}
	return -1 << 63, 1<<63 - 1
}
