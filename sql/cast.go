package sql

import (
	"math"
	"strings"
	"time"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// castExpr converts its operand to a type: explicitly (CAST, ::) or by
// assignment (INSERT, UPDATE).
type castExpr struct {
	e        expr
	to       types.T
	explicit bool
}

func (e *castExpr) typ() types.T { return e.to }
func (e *castExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	v, err := e.e.eval(ec, row)
	if err != nil {
		return v, err
	}
	return castValue(v, e.e.typ(), e.to, e.explicit, ec.s.vars.loc)
}

const codeCannotCoerce = "42846"

// canCast reports whether from converts to to, explicitly or by assignment.
func canCast(from, to types.T, explicit bool) bool {
	switch {
	case from.OID == to.OID, from.OID == types.OIDUnknown:
		return true
	case isNumeric(from) && isNumeric(to):
		return true
	case isJSON(from) && isJSON(to):
		return true
	case from.Kind() == rowenc.KindTimestamp && to.Kind() == rowenc.KindTimestamp:
		return true // date, timestamp, timestamptz (UTC)
	case to.IsString():
		return true // every type has a text form
	case isStringy(from):
		return explicit
	case from.OID == types.OIDBool && to.IsInteger() && to.OID != types.OIDInt2,
		from.IsInteger() && from.OID != types.OIDInt2 && to.OID == types.OIDBool:
		return explicit
	}
	return false
}

// castValue converts v, of type from, to type to; loc is the session
// TimeZone (nil: UTC), which casts between timestamptz and text, timestamp
// or date use.
func castValue(v rowenc.Value, from, to types.T, explicit bool, loc *time.Location) (rowenc.Value, error) {
	if v.IsNull() {
		return v, nil
	}
	switch {
	case to.IsString():
		s := v.S
		if v.Kind == rowenc.KindBool {
			// bool's cast to text spells the word (its output is t/f).
			s = "false"
			if v.Bool() {
				s = "true"
			}
		} else if v.Kind != rowenc.KindString {
			s = types.FormatTextIn(from, v, loc)
		}
		if from.OID == types.OIDBpchar && to.OID != types.OIDBpchar {
			s = strings.TrimRight(s, " ")
		}
		return types.CheckString(to, s, explicit)
	case v.Kind == rowenc.KindString:
		return types.ParseTextIn(to, v.S, loc)
	case v.Kind == rowenc.KindTimestamp && to.Kind() == rowenc.KindTimestamp:
		if from.OID == types.OIDTimestamptz && to.OID != types.OIDTimestamptz {
			// To the wall-clock time in the session zone.
			v = rowenc.Timestamp(types.InstantToLocal(v.I, loc))
		} else if from.OID != types.OIDTimestamptz && to.OID == types.OIDTimestamptz {
			// A timestamp or date is a wall-clock time in the session zone.
			return types.LocalToInstant(v.I, loc)
		}
		if to.OID == types.OIDDate {
			return rowenc.Timestamp(types.TruncDay(v.I)), nil
		}
		return v, nil
	case to.OID == types.OIDNumeric:
		if v.Kind == rowenc.KindBool {
			break
		}
		d, err := toDecimal(v)
		if err != nil {
			return rowenc.Null(), err
		}
		return types.NumericValue(to, d)
	case v.Kind == rowenc.KindDecimal && to.IsInteger():
		return decimalToInt(to, v)
	case v.Kind == rowenc.KindDecimal && to.Kind() == rowenc.KindFloat:
		return decimalToFloat(to, v)
	case to.IsInteger():
		switch v.Kind {
		case rowenc.KindInt:
			return checkInt(to, v.I)
		case rowenc.KindFloat:
			f := math.RoundToEven(v.F)
			if math.IsNaN(f) || f < -9.223372036854775808e18 || f >= 9.223372036854775808e18 {
				return rowenc.Null(), outOfRange(to)
			}
			return checkInt(to, int64(f))
		case rowenc.KindBool:
			return rowenc.Int(v.I), nil
		}
	case to.Kind() == rowenc.KindFloat:
		switch v.Kind {
		case rowenc.KindInt:
			f := float64(v.I)
			if to.OID == types.OIDFloat4 {
				f = float64(float32(f))
			}
			return rowenc.Float(f), nil
		case rowenc.KindFloat:
			f := v.F
			if to.OID == types.OIDFloat4 {
				f32 := float32(f)
				if math.IsInf(float64(f32), 0) && !math.IsInf(f, 0) {
					return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value out of range: overflow")
				}
				f = float64(f32)
			}
			return rowenc.Float(f), nil
		}
	case to.OID == types.OIDBool:
		if v.Kind == rowenc.KindInt {
			return rowenc.Bool(v.I != 0), nil
		}
		if v.Kind == rowenc.KindBool {
			return v, nil
		}
	case to.OID == from.OID:
		return v, nil
	}
	return rowenc.Null(), pgerror.New(codeCannotCoerce, "cannot cast type %s to %s", from.Name(), to.Name())
}

func checkInt(t types.T, i int64) (rowenc.Value, error) {
	lo, hi := t.IntRange()
	if i < lo || i > hi {
		return rowenc.Null(), outOfRange(t)
	}
	return rowenc.Int(i), nil
}

// assignTo wraps e so that its value is assigned to a column of type to,
// or refuses with 42804 as PostgreSQL does.
func assignTo(e expr, to types.T, col string) (expr, error) {
	from := e.typ()
	if !canCast(from, to, false) {
		return nil, pgerror.New(pgerror.CodeDatatypeMismatch, "column %q is of type %s but expression is of type %s", col, to.Name(), from.Name()).
			WithHint("You will need to rewrite or cast the expression.")
	}
	if from == to {
		return e, nil
	}
	return &castExpr{e: e, to: to}, nil
}
