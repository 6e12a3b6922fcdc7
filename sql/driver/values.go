package driver

import (
	sqldriver "database/sql/driver"
	"fmt"
	"math"
	"time"

	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// toValue converts a Go argument to a rowenc.Value: nil, the integer
// types, float32/64, bool, string, []byte, time.Time, a rowenc.Value, or
// anything database/sql's default converter accepts (driver.Valuer, named
// types of those kinds).
func toValue(a any) (rowenc.Value, error) {
	if v, ok := a.(rowenc.Value); ok {
		return v, nil
	}
	if v, ok, err := basicValue(a); ok {
		return v, err
	}
	c, err := sqldriver.DefaultParameterConverter.ConvertValue(a)
	if err != nil {
		return rowenc.Value{}, err
	}
	if v, ok, err := basicValue(c); ok {
		return v, err
	}
	return rowenc.Value{}, fmt.Errorf("unsupported type %T", a)
}

// basicValue converts the driver.Value types; ok is false for others.
func basicValue(a any) (_ rowenc.Value, ok bool, _ error) {
	v, err := basicValue1(a)
	if err == errNotBasic {
		return rowenc.Value{}, false, nil
	}
	return v, true, err
}

var errNotBasic = fmt.Errorf("not a basic value")

func basicValue1(a any) (rowenc.Value, error) {
	switch v := a.(type) {
	case nil:
		return rowenc.Null(), nil
	case int64:
		return rowenc.Int(v), nil
	case float64:
		return rowenc.Float(v), nil
	case bool:
		return rowenc.Bool(v), nil
	case string:
		return rowenc.String(v), nil
	case []byte:
		if v == nil {
			return rowenc.Null(), nil
		}
		return rowenc.Bytes(append([]byte{}, v...)), nil
	case time.Time:
		return types.TimestampValue(v)
	case uint64:
		if v > math.MaxInt64 {
			return rowenc.Value{}, fmt.Errorf("uint64 %d is out of range for bigint", v)
		}
		return rowenc.Int(int64(v)), nil
	}
	return rowenc.Value{}, errNotBasic
}

// coerce converts v to a value of the parameter type t: directly when the
// kinds agree (with t's range and length checks), else through t's text
// input, as a PostgreSQL text-format parameter would be read.
func coerce(t types.T, v rowenc.Value) (rowenc.Value, error) {
	if v.IsNull() {
		return v, nil
	}
	if v.Kind == t.Kind() {
		switch {
		case t.IsInteger():
			return types.CheckInt(t, v.I)
		case t.Kind() == rowenc.KindString:
			return types.CheckString(t, v.S, false)
		}
		return v, nil
	}
	if v.Kind == rowenc.KindInt && t.Kind() == rowenc.KindFloat {
		return rowenc.Float(float64(v.I)), nil
	}
	if v.Kind == rowenc.KindString {
		return types.ParseText(t, v.S)
	}
	return types.ParseText(t, types.FormatText(types.OfKind(v.Kind), v))
}

// fromValue converts a result value to what database/sql scans from.
func fromValue(v rowenc.Value) sqldriver.Value {
	switch v.Kind {
	case rowenc.KindBool:
		return v.Bool()
	case rowenc.KindInt:
		return v.I
	case rowenc.KindFloat:
		return v.F
	case rowenc.KindString:
		return v.S
	case rowenc.KindBytes:
		return v.B
	case rowenc.KindTimestamp:
		return v.Time()
	}
	return nil
}
