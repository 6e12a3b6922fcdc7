package driver

import (
	sqldriver "database/sql/driver"
	"io"
	"reflect"
	"strings"
	"time"

	msql "github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// Rows are the rows of a query, read into memory.
type Rows struct {
	cols []msql.Column
	rows [][]rowenc.Value
	next int
}

var (
	_ sqldriver.Rows                           = (*Rows)(nil)
	_ sqldriver.RowsColumnTypeDatabaseTypeName = (*Rows)(nil)
	_ sqldriver.RowsColumnTypeScanType         = (*Rows)(nil)
	_ sqldriver.RowsColumnTypeLength           = (*Rows)(nil)
)

// Columns are the column names.
func (r *Rows) Columns() []string {
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = c.Name
	}
	return names
}

// Close releases the rows.
func (r *Rows) Close() error {
	r.rows = nil
	return nil
}

// Next fills dest with the next row.
func (r *Rows) Next(dest []sqldriver.Value) error {
	if r.next >= len(r.rows) {
		return io.EOF
	}
	for i, v := range r.rows[r.next] {
		dest[i] = fromValue(v)
	}
	r.next++
	return nil
}

// ColumnTypeDatabaseTypeName is the column's type as PostgreSQL drivers
// name it: INT8, TEXT, VARCHAR, TIMESTAMP, ...
func (r *Rows) ColumnTypeDatabaseTypeName(i int) string {
	switch t := r.cols[i].Type; t.OID {
	case types.OIDVarchar:
		return "VARCHAR"
	case types.OIDBpchar:
		return "BPCHAR"
	case types.OIDTimestamp:
		return "TIMESTAMP"
	case types.OIDTimestamptz:
		return "TIMESTAMPTZ"
	case types.OIDBool:
		return "BOOL"
	case types.OIDInt2:
		return "INT2"
	case types.OIDInt4:
		return "INT4"
	case types.OIDInt8:
		return "INT8"
	case types.OIDFloat4:
		return "FLOAT4"
	case types.OIDFloat8:
		return "FLOAT8"
	default:
		return strings.ToUpper(t.Name())
	}
}

var (
	scanInt64   = reflect.TypeFor[int64]()
	scanFloat64 = reflect.TypeFor[float64]()
	scanBool    = reflect.TypeFor[bool]()
	scanString  = reflect.TypeFor[string]()
	scanBytes   = reflect.TypeFor[[]byte]()
	scanTime    = reflect.TypeFor[time.Time]()
	scanAny     = reflect.TypeFor[any]()
)

// ColumnTypeScanType is the Go type Next produces for the column.
func (r *Rows) ColumnTypeScanType(i int) reflect.Type {
	switch r.cols[i].Type.Kind() {
	case rowenc.KindInt:
		return scanInt64
	case rowenc.KindFloat:
		return scanFloat64
	case rowenc.KindBool:
		return scanBool
	case rowenc.KindString:
		return scanString
	case rowenc.KindBytes:
		return scanBytes
	case rowenc.KindTimestamp:
		return scanTime
	}
	return scanAny
}

// ColumnTypeLength is n of VARCHAR(n) and CHAR(n).
func (r *Rows) ColumnTypeLength(i int) (int64, bool) {
	t := r.cols[i].Type
	switch {
	case (t.OID == types.OIDVarchar || t.OID == types.OIDBpchar) && t.Width > 0:
		return int64(t.Width), true
	case t.IsString() || t.OID == types.OIDBytea:
		return 1<<63 - 1, true
	}
	return 0, false
}
