package front

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/types"
	tidbmysql "github.com/pingcap/tidb/pkg/parser/mysql"
	tidbtypes "github.com/pingcap/tidb/pkg/parser/types"
)

// parseType reads a PostgreSQL type name at toks[i:] and returns the type
// and the index after it.
func parseType(toks []token, i int) (types.T, int, error) {
	if i >= len(toks) {
		return types.T{}, i, syntaxErr(lastPos(toks), "syntax error at end of input: type name expected")
	}
	t := toks[i]
	if t.kind != tokIdent && t.kind != tokQIdent {
		return types.T{}, i, syntaxErr(t.pos, "syntax error at or near %q: type name expected", t.text)
	}
	name := t.text
	if t.kind == tokQIdent {
		name = strings.ToLower(name)
	}
	i++
	// Qualified pg_catalog.name.
	if name == "pg_catalog" && i+1 < len(toks) && toks[i].text == "." {
		name = toks[i+1].text
		i += 2
	}
	word := func(w string) bool {
		if i < len(toks) && toks[i].is(w) {
			i++
			return true
		}
		return false
	}
	// width reads an optional (n).
	width := func() (int32, bool, error) {
		if i+2 < len(toks) && toks[i].text == "(" && toks[i].kind == tokOp {
			if toks[i+1].kind != tokNumber || toks[i+2].text != ")" {
				return 0, false, syntaxErr(toks[i].pos, "syntax error at or near %q: type modifier expected", toks[i+1].text)
			}
			n, err := strconv.ParseInt(toks[i+1].text, 10, 32)
			if err != nil || n < 1 || n > 10485760 {
				return 0, false, pgerror.New(pgerror.CodeInvalidParameterValue, "length for type must be between 1 and 10485760")
			}
			i += 3
			return int32(n), true, nil
		}
		return 0, false, nil
	}
	var typ types.T
	switch name {
	case "bool", "boolean":
		typ = types.Bool
	case "smallint", "int2":
		typ = types.Int2
	case "int", "integer", "int4":
		typ = types.Int4
	case "bigint", "int8":
		typ = types.Int8
	case "real", "float4":
		typ = types.Float4
	case "float8":
		typ = types.Float8
	case "float":
		typ = types.Float8
		n, ok, err := width()
		if err != nil {
			return typ, i, err
		}
		if ok && n <= 24 {
			typ = types.Float4
		}
	case "double":
		if !word("precision") {
			return typ, i, syntaxErr(t.pos, "syntax error at or near \"double\": PRECISION expected")
		}
		typ = types.Float8
	case "text":
		typ = types.Text
	case "varchar", "character", "char", "bpchar":
		varying := name == "varchar"
		if name == "character" && word("varying") {
			varying = true
		}
		n, _, err := width()
		if err != nil {
			return typ, i, err
		}
		if varying {
			typ = types.Varchar(n)
		} else if name == "bpchar" && n == 0 {
			typ = types.T{OID: types.OIDBpchar}
		} else {
			typ = types.Char(n)
		}
	case "bytea":
		typ = types.Bytea
	case "numeric", "decimal", "dec":
		typ = types.Numeric
		if i+1 < len(toks) && toks[i].text == "(" && toks[i].kind == tokOp {
			if toks[i+1].kind != tokNumber {
				return typ, i, syntaxErr(toks[i].pos, "syntax error at or near %q: type modifier expected", toks[i+1].text)
			}
			p, err := strconv.ParseInt(toks[i+1].text, 10, 32)
			if err != nil || p < 1 || p > 1000 {
				return typ, i, pgerror.New(pgerror.CodeInvalidParameterValue, "NUMERIC precision %s must be between 1 and 1000", toks[i+1].text)
			}
			var sc int64
			j := i + 2
			if j+1 < len(toks) && toks[j].text == "," && toks[j+1].kind == tokNumber {
				sc, err = strconv.ParseInt(toks[j+1].text, 10, 32)
				if err != nil || sc < 0 || sc > p {
					return typ, i, pgerror.New(pgerror.CodeInvalidParameterValue, "NUMERIC scale %s must be between 0 and precision %d", toks[j+1].text, p)
				}
				j += 2
			}
			if j >= len(toks) || toks[j].text != ")" {
				return typ, i, syntaxErr(toks[i].pos, "syntax error: ) expected after the NUMERIC type modifier")
			}
			i = j + 1
			typ = types.NumericOf(int32(p), int32(sc))
		}
	case "timestamp":
		if i+2 < len(toks) && toks[i].text == "(" {
			// Precision is accepted; values keep microseconds.
			if _, _, err := width(); err != nil {
				return typ, i, err
			}
		}
		if i+2 < len(toks) && toks[i].is("with") && toks[i+1].is("time") && toks[i+2].is("zone") {
			return types.Timestamptz, i + 3, nil
		}
		if i+2 < len(toks) && toks[i].is("without") && toks[i+1].is("time") && toks[i+2].is("zone") {
			i += 3
		}
		typ = types.Timestamp
	case "timestamptz":
		if i+2 < len(toks) && toks[i].text == "(" {
			if _, _, err := width(); err != nil {
				return typ, i, err
			}
		}
		typ = types.Timestamptz
	case "date":
		typ = types.Date
	case "json":
		typ = types.JSON
	case "jsonb":
		typ = types.JSONB
	case "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2":
		return typ, i, pgerror.Unsupported("type " + name + " (use an integer primary key with explicit values)")
	default:
		return typ, i, pgerror.Unsupported("type " + name)
	}
	if i < len(toks) && toks[i].text == "[" {
		return typ, i, pgerror.Unsupported("array types")
	}
	return typ, i, nil
}

func lastPos(toks []token) int {
	if len(toks) == 0 {
		return 0
	}
	return toks[len(toks)-1].pos
}

// TypeName is the canonical spelling of t that meridian_cast carries and
// ParseTypeName reads back.
func TypeName(t types.T) string {
	switch t.OID {
	case types.OIDVarchar, types.OIDBpchar, types.OIDNumeric:
		return fmt.Sprintf("%d:%d", t.OID, t.Width)
	}
	return strconv.FormatUint(uint64(t.OID), 10)
}

// ParseTypeName reads a TypeName.
func ParseTypeName(s string) (types.T, bool) {
	oidStr, wStr, hasW := strings.Cut(s, ":")
	oid, err := strconv.ParseUint(oidStr, 10, 32)
	if err != nil {
		return types.T{}, false
	}
	t := types.T{OID: uint32(oid)}
	if hasW {
		w, err := strconv.ParseInt(wStr, 10, 32)
		if err != nil {
			return types.T{}, false
		}
		t.Width = int32(w)
	}
	if _, ok := types.FromOID(t.OID); !ok {
		return types.T{}, false
	}
	return t, true
}

// CastFunc is the function name casts are translated to:
// meridian_cast(expr, 'TypeName').
const CastFunc = "meridian_cast"

// DefaultFunc wraps a column's DEFAULT expression, so that any expression
// fits the TiDB grammar there: DEFAULT meridian_default(expr).
const DefaultFunc = "meridian_default"

// ConcatFunc is what a call of concat(...) is renamed to, so that it is
// not taken for the concat(a, b) the parser makes of a || b.
const ConcatFunc = "meridian_concat"

// JSONGetFunc and JSONGetTextFunc are what x -> k and x ->> k become.
const (
	JSONGetFunc     = "meridian_json_get"
	JSONGetTextFunc = "meridian_json_get_text"
)

// NullsFunc wraps an ORDER BY item that says NULLS FIRST or NULLS LAST:
// meridian_nulls(expr, 'first'|'last').
const NullsFunc = "meridian_nulls"

// ddlSpelling is the MySQL spelling of t in a column definition, chosen so
// that TypeFromField maps it back to t.
func ddlSpelling(t types.T) string {
	switch t.OID {
	case types.OIDBool:
		return "boolean"
	case types.OIDInt2:
		return "smallint"
	case types.OIDInt4:
		return "int"
	case types.OIDInt8:
		return "bigint"
	case types.OIDFloat4:
		return "float"
	case types.OIDFloat8:
		return "double"
	case types.OIDText:
		return "text"
	case types.OIDVarchar:
		return fmt.Sprintf("varchar(%d)", t.Width)
	case types.OIDBpchar:
		return fmt.Sprintf("char(%d)", t.Width)
	case types.OIDBytea:
		return "longblob"
	case types.OIDTimestamp:
		return "datetime(6)"
	case types.OIDTimestamptz:
		return "timestamp(6)"
	case types.OIDDate:
		return "date"
	case types.OIDJSONB:
		return "json"
	case types.OIDJSON:
		return "mediumtext"
	case types.OIDNumeric:
		if p, s, ok := t.NumericPrecision(); ok {
			return fmt.Sprintf("decimal(%d,%d)", p, s)
		}
		return "decimal"
	}
	panic("front: no DDL spelling for " + t.Name())
}

// TypeFromField maps the column type of a translated CREATE TABLE back to
// the PostgreSQL type.
func TypeFromField(ft *tidbtypes.FieldType) (types.T, error) {
	switch ft.GetType() {
	case tidbmysql.TypeTiny:
		return types.Bool, nil
	case tidbmysql.TypeShort:
		return types.Int2, nil
	case tidbmysql.TypeLong:
		return types.Int4, nil
	case tidbmysql.TypeLonglong:
		return types.Int8, nil
	case tidbmysql.TypeFloat:
		return types.Float4, nil
	case tidbmysql.TypeDouble:
		return types.Float8, nil
	case tidbmysql.TypeBlob:
		return types.Text, nil
	case tidbmysql.TypeVarchar:
		return types.Varchar(int32(max(ft.GetFlen(), 0))), nil
	case tidbmysql.TypeString:
		return types.Char(int32(max(ft.GetFlen(), 0))), nil
	case tidbmysql.TypeLongBlob:
		return types.Bytea, nil
	case tidbmysql.TypeDatetime:
		return types.Timestamp, nil
	case tidbmysql.TypeTimestamp:
		return types.Timestamptz, nil
	case tidbmysql.TypeDate:
		return types.Date, nil
	case tidbmysql.TypeJSON:
		return types.JSONB, nil
	case tidbmysql.TypeMediumBlob:
		return types.JSON, nil
	case tidbmysql.TypeNewDecimal:
		if ft.GetFlen() <= 0 {
			return types.Numeric, nil
		}
		return types.NumericOf(int32(ft.GetFlen()), int32(max(ft.GetDecimal(), 0))), nil
	}
	return types.T{}, pgerror.Unsupported("column type " + ft.String())
}

var timestampT = types.Timestamp
