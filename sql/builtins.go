package sql

import (
	"math"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// builtin is a scalar function of the library below. Strict ones return
// NULL when an argument is NULL without being called.
type builtin struct {
	min, max int
	strict   bool
	// text says untyped arguments are text (else they take no hint).
	text bool
	// result checks the argument types and gives the result type.
	result func(args []types.T) (types.T, bool)
	fn     func(t types.T, args []rowenc.Value) (rowenc.Value, error)
}

func allStringy(args []types.T) bool {
	for _, a := range args {
		if !isStringy(a) {
			return false
		}
	}
	return true
}

func textResult(args []types.T) (types.T, bool) { return types.Text, allStringy(args) }

// stringInts accepts (text, integer...) arguments.
func stringInts(args []types.T) (types.T, bool) {
	if !isStringy(args[0]) {
		return types.T{}, false
	}
	for _, a := range args[1:] {
		if !a.IsInteger() {
			return types.T{}, false
		}
	}
	return types.Text, true
}

// roundResult types round/trunc/floor/ceil: numeric for numeric, else
// double precision; a second argument (places) only for numeric.
func roundResult(args []types.T) (types.T, bool) {
	if !isNumeric(args[0]) {
		return types.T{}, false
	}
	if args[0].OID == types.OIDNumeric || len(args) == 2 && args[0].IsInteger() {
		// round(integer, n) is round(numeric, n).
		return types.Numeric, len(args) == 1 || args[1].IsInteger()
	}
	return types.Float8, len(args) == 1
}

// commonType is the type greatest/least/nullif compare and return in.
func commonType(args []types.T) (types.T, bool) {
	t := types.Unknown
	for _, a := range args {
		switch {
		case a.OID == types.OIDUnknown:
		case t.OID == types.OIDUnknown:
			t = a
		case isNumeric(t) && isNumeric(a):
			if numRank(a) > numRank(t) {
				t = a
			}
		case isStringy(t) && isStringy(a):
			t = types.Text
		case t.OID != a.OID:
			return types.T{}, false
		}
	}
	if t.OID == types.OIDUnknown {
		t = types.Text
	}
	if t.OID == types.OIDFloat4 {
		t = types.Float8
	}
	return t, true
}

func runes(s string) []rune { return []rune(s) }

var builtins = map[string]*builtin{
	"nullif": {min: 2, max: 2, result: commonType, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		if !a[0].IsNull() && !a[1].IsNull() && compareValues(a[0], a[1]) == 0 {
			return rowenc.Null(), nil
		}
		return castValue(a[0], types.OfKind(a[0].Kind), t, false, nil)
	}},
	"greatest": {min: 1, max: 100, result: commonType, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		return pick(t, a, 1)
	}},
	"least": {min: 1, max: 100, result: commonType, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		return pick(t, a, -1)
	}},
	// round, trunc, floor and ceil exist for double precision and
	// numeric; an integer argument is converted to double precision
	// (round, floor, ceil, as PostgreSQL resolves them) and round(x, n)
	// and trunc(x, n) exist only for numeric. Numeric rounds half away
	// from zero, double precision half to even.
	"round": {min: 1, max: 2, strict: true, result: roundResult, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		if t.OID == types.OIDNumeric {
			n := int64(0)
			if len(a) == 2 {
				n = a[1].I
			}
			return decimalRound(asDecimal(a[0]), n, apd.RoundHalfUp)
		}
		return rowenc.Float(math.RoundToEven(toFloat(a[0]))), nil
	}},
	"trunc": {min: 1, max: 2, strict: true, result: roundResult, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		if t.OID == types.OIDNumeric {
			n := int64(0)
			if len(a) == 2 {
				n = a[1].I
			}
			return decimalRound(asDecimal(a[0]), n, apd.RoundDown)
		}
		return rowenc.Float(math.Trunc(toFloat(a[0]))), nil
	}},
	"floor": {min: 1, max: 1, strict: true, result: roundResult, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		if a[0].Kind == rowenc.KindDecimal {
			return decimalFloorCeil(a[0], false)
		}
		return rowenc.Float(math.Floor(toFloat(a[0]))), nil
	}},
	"ceil": {min: 1, max: 1, strict: true, result: roundResult, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		if a[0].Kind == rowenc.KindDecimal {
			return decimalFloorCeil(a[0], true)
		}
		return rowenc.Float(math.Ceil(toFloat(a[0]))), nil
	}},
	"sqrt": {min: 1, max: 1, strict: true, result: func(a []types.T) (types.T, bool) { return types.Float8, isNumeric(a[0]) },
		fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
			f := toFloat(a[0])
			if f < 0 {
				return rowenc.Null(), pgerror.New("2201F", "cannot take square root of a negative number")
			}
			return rowenc.Float(math.Sqrt(f)), nil
		}},
	"mod": {min: 2, max: 2, strict: true, result: func(a []types.T) (types.T, bool) {
		t, ok := commonType(a)
		return t, ok && (t.IsInteger() || t.OID == types.OIDNumeric)
	}, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		if t.OID == types.OIDNumeric {
			return decimalArith(opcode.Mod, a[0], a[1])
		}
		if a[1].I == 0 {
			return rowenc.Null(), divByZero()
		}
		if a[1].I == -1 {
			return rowenc.Int(0), nil
		}
		return rowenc.Int(a[0].I % a[1].I), nil
	}},
	"random": {min: 0, max: 0, result: func([]types.T) (types.T, bool) { return types.Float8, true },
		fn: func(types.T, []rowenc.Value) (rowenc.Value, error) { return rowenc.Float(rand.Float64()), nil }},
	"substr":    {min: 2, max: 3, strict: true, text: true, result: stringInts, fn: substr},
	"substring": {min: 2, max: 3, strict: true, text: true, result: stringInts, fn: substr},
	"replace": {min: 3, max: 3, strict: true, text: true, result: textResult, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		if a[1].S == "" {
			return a[0], nil
		}
		return rowenc.String(strings.ReplaceAll(a[0].S, a[1].S, a[2].S)), nil
	}},
	"btrim": {min: 1, max: 2, strict: true, text: true, result: textResult, fn: trimmer(strings.Trim)},
	"ltrim": {min: 1, max: 2, strict: true, text: true, result: textResult, fn: trimmer(strings.TrimLeft)},
	"rtrim": {min: 1, max: 2, strict: true, text: true, result: textResult, fn: trimmer(strings.TrimRight)},
	"left": {min: 2, max: 2, strict: true, text: true, result: stringInts, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		r := runes(a[0].S)
		n := int(a[1].I)
		if n < 0 {
			n = max(len(r)+n, 0)
		}
		return rowenc.String(string(r[:min(n, len(r))])), nil
	}},
	"right": {min: 2, max: 2, strict: true, text: true, result: stringInts, fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
		r := runes(a[0].S)
		n := int(a[1].I)
		if n < 0 {
			n = max(len(r)+n, 0)
		}
		n = min(n, len(r))
		return rowenc.String(string(r[len(r)-n:])), nil
	}},
	"strpos": {min: 2, max: 2, strict: true, text: true, result: func(a []types.T) (types.T, bool) { return types.Int4, allStringy(a) },
		fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
			i := strings.Index(a[0].S, a[1].S)
			if i < 0 {
				return rowenc.Int(0), nil
			}
			return rowenc.Int(int64(utf8.RuneCountInString(a[0].S[:i]) + 1)), nil
		}},
}

func init() { builtins["ceiling"] = builtins["ceil"] }

func pick(t types.T, a []rowenc.Value, dir int) (rowenc.Value, error) {
	var best rowenc.Value
	for _, v := range a {
		if !v.IsNull() && (best.IsNull() || compareValues(v, best)*dir > 0) {
			best = v
		}
	}
	return castValue(best, types.OfKind(best.Kind), t, false, nil)
}

func substr(t types.T, a []rowenc.Value) (rowenc.Value, error) {
	r := runes(a[0].S)
	start := a[1].I
	end := int64(len(r)) + 1
	if len(a) == 3 {
		if a[2].I < 0 {
			return rowenc.Null(), pgerror.New("22011", "negative substring length not allowed")
		}
		if e := start + a[2].I; e < end {
			end = e
		}
	}
	start = max(start, 1)
	if start >= end {
		return rowenc.String(""), nil
	}
	return rowenc.String(string(r[start-1 : end-1])), nil
}

func trimmer(f func(string, string) string) func(types.T, []rowenc.Value) (rowenc.Value, error) {
	return func(_ types.T, a []rowenc.Value) (rowenc.Value, error) {
		chars := " "
		if len(a) == 2 {
			chars = a[1].S
		}
		return rowenc.String(f(a[0].S, chars)), nil
	}
}

// callBuiltin compiles a call of the library above, or returns nil when
// name is not in it.
func (p *planner) callBuiltin(name string, e *ast.FuncCallExpr, sc *scope) (expr, error) {
	args := e.Args
	if name == "extract" {
		return p.extract(e, sc)
	}
	if name == "trim" {
		// TiDB's TRIM([dir] [chars] FROM s): (s), (s, chars) or (s, chars, dir).
		name = "btrim"
		if len(args) == 3 {
			if d, ok := args[2].(*ast.TrimDirectionExpr); ok {
				switch d.Direction {
				case ast.TrimLeading:
					name = "ltrim"
				case ast.TrimTrailing:
					name = "rtrim"
				}
				args = args[:2]
			}
		}
	}
	b, ok := builtins[name]
	if !ok {
		return nil, nil
	}
	if len(args) < b.min || len(args) > b.max {
		return nil, p.noFunc(name, args, sc)
	}
	xs := make([]expr, len(args))
	ts := make([]types.T, len(args))
	for i, a := range args {
		h := types.Unknown
		if b.text && i == 0 || b.text && name != "substr" && name != "substring" && name != "left" && name != "right" {
			h = types.Text
		}
		x, err := p.compile(a, h, sc)
		if err != nil {
			return nil, err
		}
		xs[i], ts[i] = x, x.typ()
	}
	t, ok := b.result(ts)
	if !ok {
		return nil, p.noFunc(name, args, sc)
	}
	if name == "date_trunc" {
		return &funcExpr{t: t, args: xs, strict: b.strict, fn: func(ec *execCtx, v []rowenc.Value) (rowenc.Value, error) {
			return dateTrunc(t, v, ec.s.vars.loc)
		}}, nil
	}
	fn := b.fn
	return &funcExpr{t: t, args: xs, strict: b.strict, fn: func(_ *execCtx, v []rowenc.Value) (rowenc.Value, error) {
		return fn(t, v)
	}}, nil
}
