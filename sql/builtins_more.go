package sql

import (
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// More of the built-in library: string, math and date/time functions.

func init() {
	for name, b := range map[string]*builtin{
		// concat(...) skips NULLs (|| does not).
		front.ConcatFunc: {min: 1, max: 100, text: true, result: func([]types.T) (types.T, bool) { return types.Text, true },
			fn: func(_ types.T, a []rowenc.Value) (rowenc.Value, error) {
				var sb strings.Builder
				for _, v := range a {
					if !v.IsNull() {
						sb.WriteString(types.FormatText(types.OfKind(v.Kind), v))
					}
				}
				return rowenc.String(sb.String()), nil
			}},
		"position": {min: 2, max: 2, strict: true, text: true, result: func(a []types.T) (types.T, bool) { return types.Int4, allStringy(a) },
			fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
				// position(sub IN s): the parser gives (sub, s).
				i := strings.Index(a[1].S, a[0].S)
				if i < 0 {
					return rowenc.Int(0), nil
				}
				return rowenc.Int(int64(utf8.RuneCountInString(a[1].S[:i]) + 1)), nil
			}},
		"repeat": {min: 2, max: 2, strict: true, text: true, result: stringInts, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
			if a[1].I <= 0 {
				return rowenc.String(""), nil
			}
			if int64(len(a[0].S))*a[1].I > 1<<28 {
				return rowenc.Null(), pgerror.New(pgerror.CodeProgramLimitExceeded, "requested length too large")
			}
			return rowenc.String(strings.Repeat(a[0].S, int(a[1].I))), nil
		}},
		"reverse": {min: 1, max: 1, strict: true, text: true, result: textResult, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
			r := runes(a[0].S)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return rowenc.String(string(r)), nil
		}},
		"initcap": {min: 1, max: 1, strict: true, text: true, result: textResult, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
			var sb strings.Builder
			prev := false // previous rune alphanumeric
			for _, c := range a[0].S {
				if prev {
					sb.WriteRune(unicode.ToLower(c))
				} else {
					sb.WriteRune(unicode.ToUpper(c))
				}
				prev = unicode.IsLetter(c) || unicode.IsDigit(c)
			}
			return rowenc.String(sb.String()), nil
		}},
		"lpad": {min: 2, max: 3, strict: true, text: true, result: padResult, fn: padder(true)},
		"rpad": {min: 2, max: 3, strict: true, text: true, result: padResult, fn: padder(false)},
		"split_part": {min: 3, max: 3, strict: true, text: true, result: func(a []types.T) (types.T, bool) {
			return types.Text, isStringy(a[0]) && isStringy(a[1]) && a[2].IsInteger()
		}, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
			n := a[2].I
			if n == 0 {
				return rowenc.Null(), pgerror.New(pgerror.CodeInvalidParameterValue, "field position must not be zero")
			}
			var parts []string
			if a[1].S == "" {
				parts = []string{a[0].S}
			} else {
				parts = strings.Split(a[0].S, a[1].S)
			}
			if a[0].S == "" {
				parts = nil
			}
			if n < 0 {
				n += int64(len(parts)) + 1
			}
			if n < 1 || n > int64(len(parts)) {
				return rowenc.String(""), nil
			}
			return rowenc.String(parts[n-1]), nil
		}},
		"power": {min: 2, max: 2, strict: true, result: powerResult, fn: power},
		"pow":   {min: 2, max: 2, strict: true, result: powerResult, fn: power},
		"sign": {min: 1, max: 1, strict: true, result: floatOrNumeric, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
			if a[0].Kind == rowenc.KindDecimal {
				return rowenc.Decimal(apd.New(int64(a[0].DecimalValue().Sign()), 0)), nil
			}
			f := toFloat(a[0])
			switch {
			case f > 0:
				return rowenc.Float(1), nil
			case f < 0:
				return rowenc.Float(-1), nil
			}
			return rowenc.Float(0), nil
		}},
		"ln":    {min: 1, max: 1, strict: true, result: floatOnly, fn: floatFn("ln", math.Log)},
		"exp":   {min: 1, max: 1, strict: true, result: floatOnly, fn: floatFn("exp", math.Exp)},
		"log10": {min: 1, max: 1, strict: true, result: floatOnly, fn: floatFn("log", math.Log10)},
		"cbrt":  {min: 1, max: 1, strict: true, result: floatOnly, fn: floatFn("cbrt", math.Cbrt)},
		"pi": {min: 0, max: 0, result: func([]types.T) (types.T, bool) { return types.Float8, true },
			fn: func(types.T, []rowenc.Value) (rowenc.Value, error) { return rowenc.Float(math.Pi), nil }},
		"date_trunc": {min: 2, max: 2, strict: true, text: true, result: func(a []types.T) (types.T, bool) {
			if a[1].OID == types.OIDTimestamp {
				return types.Timestamp, isStringy(a[0])
			}
			return types.Timestamptz, isStringy(a[0]) && a[1].Kind() == rowenc.KindTimestamp
		}, fn: nil},
	} {
		builtins[name] = b
	}
}

func padResult(a []types.T) (types.T, bool) {
	return types.Text, isStringy(a[0]) && a[1].IsInteger() && (len(a) == 2 || isStringy(a[2]))
}

func padder(left bool) func(types.T, []rowenc.Value) (rowenc.Value, error) {
	return func(_ types.T, a []rowenc.Value) (rowenc.Value, error) {
		s, n, fill := runes(a[0].S), int(max(a[1].I, 0)), []rune(" ")
		if len(a) == 3 {
			fill = runes(a[2].S)
		}
		if n > 1<<28 {
			return rowenc.Null(), pgerror.New(pgerror.CodeProgramLimitExceeded, "requested length too large")
		}
		if len(s) >= n || len(fill) == 0 {
			return rowenc.String(string(s[:min(len(s), n)])), nil
		}
		pad := make([]rune, 0, n-len(s))
		for i := 0; len(pad) < n-len(s); i++ {
			pad = append(pad, fill[i%len(fill)])
		}
		if left {
			return rowenc.String(string(pad) + string(s)), nil
		}
		return rowenc.String(string(s) + string(pad)), nil
	}
}

// powerResult: double precision unless a numeric meets no double
// precision (PostgreSQL prefers float8 for integers).
func powerResult(a []types.T) (types.T, bool) {
	if !isNumeric(a[0]) || !isNumeric(a[1]) {
		return types.T{}, false
	}
	if a[0].Kind() == rowenc.KindFloat || a[1].Kind() == rowenc.KindFloat {
		return types.Float8, true
	}
	if a[0].OID == types.OIDNumeric || a[1].OID == types.OIDNumeric {
		return types.Numeric, true
	}
	return types.Float8, true
}

func power(t types.T, a []rowenc.Value) (rowenc.Value, error) {
	if t.OID == types.OIDNumeric {
		x, err := toDecimal(a[0])
		if err != nil {
			return rowenc.Null(), err
		}
		y, err := toDecimal(a[1])
		if err != nil {
			return rowenc.Null(), err
		}
		if x.IsZero() && y.Negative {
			return rowenc.Null(), pgerror.New("2201F", "zero raised to a negative power is undefined")
		}
		var r apd.Decimal
		c := *dctx
		c.Precision = 40
		if _, err := c.Pow(&r, x, y); err != nil {
			return rowenc.Null(), pgerror.New("2201F", "a negative number raised to a non-integer power yields a complex result")
		}
		// The scale numeric_power picks: 16 significant digits less the
		// result's estimated weight, at least the operands' scales.
		f, _ := r.Float64()
		scale := int32(16)
		var yi apd.Decimal
		_, _ = dctx.RoundToIntegralValue(&yi, y)
		if yi.Cmp(y) != 0 && f != 0 && !math.IsInf(f, 0) {
			// (An integer exponent keeps 16 places, as power_var_int does.)
			scale -= int32(math.Log10(math.Abs(f)))
		}
		scale = min(max(scale, -x.Exponent, -y.Exponent, 0), 1000)
		var q apd.Decimal
		if _, err := dctx.Quantize(&q, &r, -scale); err != nil {
			return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
		}
		return decimalResult(&q)
	}
	x, y := toFloat(a[0]), toFloat(a[1])
	if x == 0 && y < 0 {
		return rowenc.Null(), pgerror.New("2201F", "zero raised to a negative power is undefined")
	}
	if x < 0 && y != math.Trunc(y) {
		return rowenc.Null(), pgerror.New("2201F", "a negative number raised to a non-integer power yields a complex result")
	}
	r := math.Pow(x, y)
	if math.IsInf(r, 0) {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value out of range: overflow")
	}
	return rowenc.Float(r), nil
}

func floatOrNumeric(a []types.T) (types.T, bool) {
	if a[0].OID == types.OIDNumeric {
		return types.Numeric, true
	}
	return types.Float8, isNumeric(a[0])
}

func floatOnly(a []types.T) (types.T, bool) {
	return types.Float8, isNumeric(a[0]) && a[0].OID != types.OIDNumeric
}

func floatFn(name string, f func(float64) float64) func(types.T, []rowenc.Value) (rowenc.Value, error) {
	return func(_ types.T, a []rowenc.Value) (rowenc.Value, error) {
		x := toFloat(a[0])
		switch name {
		case "ln", "log":
			if x == 0 {
				return rowenc.Null(), pgerror.New("2201E", "cannot take logarithm of zero")
			}
			if x < 0 {
				return rowenc.Null(), pgerror.New("2201E", "cannot take logarithm of a negative number")
			}
		}
		r := f(x)
		if math.IsInf(r, 0) && !math.IsInf(x, 0) {
			return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value out of range: overflow")
		}
		return rowenc.Float(r), nil
	}
}

// dateTrunc truncates a timestamp, or a timestamptz in the session zone
// loc (the result is the instant of the truncated wall-clock time there).
func dateTrunc(rt types.T, a []rowenc.Value, loc *time.Location) (rowenc.Value, error) {
	tz := rt.OID == types.OIDTimestamptz
	var off int64 // the timestamptz's offset in loc, in micros
	if tz {
		local := types.InstantToLocal(a[1].I, loc)
		off = local - a[1].I
		a = []rowenc.Value{a[0], rowenc.Timestamp(local)}
	}
	t := a[1].Time()
	var r time.Time
	switch strings.ToLower(a[0].S) {
	case "microseconds":
		r = t
	case "milliseconds":
		r = t.Truncate(time.Millisecond)
	case "second":
		r = t.Truncate(time.Second)
	case "minute":
		r = t.Truncate(time.Minute)
	case "hour":
		r = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, time.UTC)
	case "day":
		r = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	case "week":
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		r = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // ISO weeks start on Monday
	case "month":
		r = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		r = time.Date(t.Year(), (t.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	case "year":
		r = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	case "decade":
		r = time.Date(t.Year()-mod(t.Year(), 10), 1, 1, 0, 0, 0, 0, time.UTC)
	default:
		return rowenc.Null(), pgerror.New(pgerror.CodeFeatureNotSupported, "unit %q not supported for type timestamp without time zone", a[0].S)
	}
	if tz {
		switch strings.ToLower(a[0].S) {
		case "microseconds", "milliseconds", "second", "minute", "hour":
			// PostgreSQL keeps the value's own offset for these units.
			return rowenc.Timestamp(rowenc.TimestampFromTime(r).I - off), nil
		}
		// Day and above: the truncated wall time read in the zone again.
		return types.LocalToInstant(rowenc.TimestampFromTime(r).I, loc)
	}
	return rowenc.TimestampFromTime(r), nil
}

func mod(a, b int) int { return ((a % b) + b) % b }

// extract(field FROM ts) is numeric, as in PostgreSQL 14 and later.
func (p *planner) extract(e *ast.FuncCallExpr, sc *scope) (expr, error) {
	if len(e.Args) != 2 {
		return nil, p.noFunc("extract", e.Args, sc)
	}
	unit, ok := e.Args[0].(*ast.TimeUnitExpr)
	if !ok {
		return nil, p.noFunc("extract", e.Args, sc)
	}
	x, err := p.compile(e.Args[1], types.Timestamp, sc)
	if err != nil {
		return nil, err
	}
	if x.typ().Kind() != rowenc.KindTimestamp {
		return nil, pgerror.New(pgerror.CodeUndefinedFunction, "function extract(unknown, %s) does not exist", x.typ().Name())
	}
	field := strings.ToLower(unit.Unit.String())
	tz := x.typ().OID == types.OIDTimestamptz
	return &funcExpr{t: types.Numeric, args: []expr{x}, strict: true, fn: func(ec *execCtx, v []rowenc.Value) (rowenc.Value, error) {
		t := v[0].Time()
		if tz {
			// Fields of a timestamptz are those of its time in the session zone.
			t = time.UnixMicro(types.InstantToLocal(v[0].I, ec.s.vars.loc)).UTC()
		}
		var n int64
		switch field {
		case "year":
			n = int64(t.Year())
		case "month":
			n = int64(t.Month())
		case "day":
			n = int64(t.Day())
		case "hour":
			n = int64(t.Hour())
		case "minute":
			n = int64(t.Minute())
		case "second":
			// Seconds with microseconds, scale 6.
			us := int64(t.Second())*1_000_000 + int64(t.Nanosecond()/1000)
			return rowenc.Decimal(apd.New(us, -6)), nil
		case "microsecond":
			n = int64(t.Second())*1_000_000 + int64(t.Nanosecond()/1000)
		case "quarter":
			n = int64(t.Month()-1)/3 + 1
		case "week":
			_, w := t.ISOWeek()
			n = int64(w)
		default:
			return rowenc.Null(), pgerror.New(pgerror.CodeFeatureNotSupported, "unit %q not supported for type timestamp without time zone", field)
		}
		return rowenc.Decimal(apd.New(n, 0)), nil
	}}, nil
}
