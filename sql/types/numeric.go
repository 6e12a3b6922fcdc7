package types

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

// NUMERIC. A NUMERIC(p,s) type keeps p<<16 | s in Width (PostgreSQL's
// typmod less its 4-byte header); Width 0 is unconstrained NUMERIC.
// Values are rowenc KindDecimal: exact decimals with their scale.

// Numeric is unconstrained NUMERIC.
var Numeric = T{OID: OIDNumeric}

// NumericOf is NUMERIC(p,s).
func NumericOf(p, s int32) T { return T{OID: OIDNumeric, Width: p<<16 | s} }

// NumericPrecision returns the declared precision and scale, or false for
// unconstrained NUMERIC.
func (t T) NumericPrecision() (p, s int32, ok bool) {
	if t.OID != OIDNumeric || t.Width == 0 {
		return 0, 0, false
	}
	return t.Width >> 16, t.Width & 0xFFFF, true
}

// DecimalCtx is the context of NUMERIC arithmetic: wide enough for
// PostgreSQL's limits, rounding half away from zero as PostgreSQL does.
var DecimalCtx = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(1000)
	c.Rounding = apd.RoundHalfUp
	c.MaxExponent = 1 << 18
	c.MinExponent = -(1 << 18)
	return c
}()

// ParseNumeric reads PostgreSQL's NUMERIC text (leading and trailing
// spaces allowed; NaN and Infinity are refused) and applies t's typmod.
func ParseNumeric(t T, s string) (rowenc.Value, error) {
	in := strings.TrimSpace(s)
	d, _, err := apd.NewFromString(in)
	if err != nil || d.Form != apd.Finite || in == "" || strings.ContainsAny(in, "_") {
		if d != nil && d.Form != apd.Finite && err == nil {
			return rowenc.Value{}, pgerror.Unsupported("NaN and Infinity in NUMERIC")
		}
		return rowenc.Value{}, pgerror.New(pgerror.CodeInvalidTextRepresentation, "invalid input syntax for type numeric: %q", s)
	}
	return NumericValue(t, d)
}

// NumericValue applies t's typmod to d: rounded to the scale, 22003 when
// the digits before the point exceed p-s.
func NumericValue(t T, d *apd.Decimal) (rowenc.Value, error) {
	if p, sc, ok := t.NumericPrecision(); ok {
		var r apd.Decimal
		if _, err := DecimalCtx.Quantize(&r, d, -sc); err != nil {
			return rowenc.Value{}, pgerror.New(pgerror.CodeNumericValueOutOfRange, "numeric field overflow")
		}
		if !r.IsZero() && int64(r.NumDigits())+int64(r.Exponent) > int64(p-sc) {
			return rowenc.Value{}, pgerror.New(pgerror.CodeNumericValueOutOfRange, "numeric field overflow").
				WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", p, sc, p-sc)
		}
		return rowenc.Decimal(&r), nil
	}
	if d.Form != apd.Finite {
		return rowenc.Value{}, pgerror.Unsupported("NaN and Infinity in NUMERIC")
	}
	if e := int64(d.Exponent) + int64(d.NumDigits()); e > 131072 || int64(d.Exponent) < -16383 {
		return rowenc.Value{}, pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
	}
	return rowenc.Decimal(d), nil
}

// FormatNumeric renders a NUMERIC as PostgreSQL does: plain notation with
// the value's scale (a declared scale when the value lost it in a key).
func FormatNumeric(t T, v rowenc.Value) string {
	if _, sc, ok := t.NumericPrecision(); ok {
		d := v.DecimalValue()
		if -d.Exponent != sc {
			var r apd.Decimal
			if _, err := DecimalCtx.Quantize(&r, d, -sc); err == nil {
				return rowenc.Decimal(&r).S
			}
		}
	}
	return v.S
}
