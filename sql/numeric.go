package sql

import (
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// NUMERIC arithmetic, exact, with PostgreSQL's result scales: + and - keep
// the larger scale, * the sum of the scales, / and avg the scale
// select_div_scale picks (at least 16 significant digits), all rounded
// half away from zero.

var dctx = types.DecimalCtx

// toDecimal converts an INT, FLOAT or DECIMAL value to a decimal. A float
// converts through its 15-significant-digit text, as float8_numeric does.
func toDecimal(v rowenc.Value) (*apd.Decimal, error) {
	switch v.Kind {
	case rowenc.KindInt:
		return apd.New(v.I, 0), nil
	case rowenc.KindFloat:
		if math.IsNaN(v.F) || math.IsInf(v.F, 0) {
			return nil, pgerror.Unsupported("NaN and Infinity in NUMERIC")
		}
		d, _, err := apd.NewFromString(strconv.FormatFloat(v.F, 'g', 15, 64))
		return d, err
	case rowenc.KindDecimal:
		return v.DecimalValue(), nil
	}
	return nil, pgerror.New(pgerror.CodeInternalError, "not a number: %v", v)
}

func decimalResult(d *apd.Decimal) (rowenc.Value, error) {
	return types.NumericValue(types.Numeric, d)
}

func decimalArith(op opcode.Op, a, b rowenc.Value) (rowenc.Value, error) {
	x, err := toDecimal(a)
	if err != nil {
		return rowenc.Null(), err
	}
	y, err := toDecimal(b)
	if err != nil {
		return rowenc.Null(), err
	}
	var r apd.Decimal
	switch op {
	case opcode.Plus:
		_, err = dctx.Add(&r, x, y)
	case opcode.Minus:
		_, err = dctx.Sub(&r, x, y)
	case opcode.Mul:
		_, err = dctx.Mul(&r, x, y)
	case opcode.Div:
		if y.IsZero() {
			return rowenc.Null(), divByZero()
		}
		return decimalDiv(x, y)
	case opcode.Mod:
		if y.IsZero() {
			return rowenc.Null(), divByZero()
		}
		_, err = dctx.Rem(&r, x, y)
		// The remainder has the larger scale.
		if err == nil {
			_, err = dctx.Quantize(&r, &r, min(x.Exponent, y.Exponent, 0))
		}
	}
	if err != nil {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	return decimalResult(&r)
}

// base10000 returns the weight and first digit of |d| in PostgreSQL's
// base-10000 representation (d nonzero).
func base10000(d *apd.Decimal) (weight int64, first int64) {
	e10 := int64(d.Exponent) + int64(d.NumDigits()) - 1 // position of the leading digit
	weight = e10 / 4
	if e10 < 0 && e10%4 != 0 {
		weight--
	}
	// first = floor(|d| / 10000^weight)
	var q apd.Decimal
	var abs apd.Decimal
	abs.Abs(d)
	q.Set(&abs)
	q.Exponent -= int32(4 * weight)
	var i apd.Decimal
	_, _ = dctx.Floor(&i, &q)
	f, _ := i.Int64()
	return weight, f
}

// divScale is PostgreSQL's select_div_scale.
func divScale(x, y *apd.Decimal) int32 {
	var w1, f1, w2, f2 int64
	if !x.IsZero() {
		w1, f1 = base10000(x)
	}
	if !y.IsZero() {
		w2, f2 = base10000(y)
	}
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := 16 - qweight*4
	rscale = max(rscale, int64(-x.Exponent), int64(-y.Exponent), 0)
	return int32(min(rscale, 1000))
}

func decimalDiv(x, y *apd.Decimal) (rowenc.Value, error) {
	scale := divScale(x, y)
	var q apd.Decimal
	c := *dctx
	c.Precision = uint32(max(int64(scale)+int64(x.NumDigits())+int64(x.Exponent)-int64(y.Exponent)+8, 20))
	if _, err := c.Quo(&q, x, y); err != nil {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	if _, err := dctx.Quantize(&q, &q, -scale); err != nil {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	return decimalResult(&q)
}

// decimalToInt rounds half away from zero, as numeric → integer casts do.
func decimalToInt(t types.T, v rowenc.Value) (rowenc.Value, error) {
	d := v.DecimalValue()
	var r apd.Decimal
	if _, err := dctx.Quantize(&r, d, 0); err != nil {
		return rowenc.Null(), outOfRange(t)
	}
	i, err := r.Int64()
	if err != nil {
		return rowenc.Null(), outOfRange(t)
	}
	return checkInt(t, i)
}

func decimalToFloat(t types.T, v rowenc.Value) (rowenc.Value, error) {
	f, err := strconv.ParseFloat(v.S, 64)
	if err != nil && !math.IsInf(f, 0) {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value out of range: overflow")
	}
	if t.OID == types.OIDFloat4 {
		f = float64(float32(f))
	}
	if math.IsInf(f, 0) {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value out of range: overflow")
	}
	return rowenc.Float(f), nil
}

// decimalRound rounds to n places half away from zero (round(numeric, n));
// a negative n rounds to the left of the point. The result has scale
// max(n, 0).
func decimalRound(v rowenc.Value, n int64, mode apd.Rounder) (rowenc.Value, error) {
	d := v.DecimalValue()
	n = max(min(n, 1000), -1000)
	c := *dctx
	c.Rounding = mode
	var r apd.Decimal
	if _, err := c.Quantize(&r, d, int32(-n)); err != nil {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	if n < 0 {
		if _, err := c.Quantize(&r, &r, 0); err != nil {
			return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
		}
	}
	return decimalResult(&r)
}

// compareMixed compares an INT or FLOAT with a DECIMAL: as decimals
// against an integer, as floats against a float (PostgreSQL casts the
// numeric to float8 there).
func compareMixed(a, b rowenc.Value) int {
	if a.Kind == rowenc.KindFloat || b.Kind == rowenc.KindFloat {
		af, bf := a, b
		if a.Kind == rowenc.KindDecimal {
			af, _ = decimalToFloat(types.Float8, a)
		}
		if b.Kind == rowenc.KindDecimal {
			bf, _ = decimalToFloat(types.Float8, b)
		}
		return rowenc.Compare(af, bf)
	}
	x, _ := toDecimal(a)
	y, _ := toDecimal(b)
	return x.Cmp(y)
}

// decimalFloorCeil is floor or ceil of a NUMERIC (scale 0). (apd's
// Quantize with RoundCeiling/RoundFloor drops a value below one unit to
// zero, so Floor and Ceil are used.)
func decimalFloorCeil(v rowenc.Value, ceil bool) (rowenc.Value, error) {
	d := v.DecimalValue()
	var r apd.Decimal
	var err error
	if ceil {
		_, err = dctx.Ceil(&r, d)
	} else {
		_, err = dctx.Floor(&r, d)
	}
	if err == nil {
		_, err = dctx.Quantize(&r, &r, 0)
	}
	if err != nil {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	return decimalResult(&r)
}

// asDecimal converts an INT value to DECIMAL; others are returned as they are.
func asDecimal(v rowenc.Value) rowenc.Value {
	if v.Kind == rowenc.KindInt {
		return rowenc.Decimal(apd.New(v.I, 0))
	}
	return v
}
