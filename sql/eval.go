package sql

import (
	"math"
	"strings"
	"time"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

func isNumeric(t types.T) bool {
	return t.IsInteger() || t.OID == types.OIDFloat4 || t.OID == types.OIDFloat8 || t.OID == types.OIDNumeric
}

func isStringy(t types.T) bool {
	return t.IsString() || t.OID == types.OIDUnknown || t.OID == types.OIDName
}

// numRank orders the numeric types by width for result typing.
func numRank(t types.T) int {
	switch t.OID {
	case types.OIDInt2:
		return 1
	case types.OIDInt4:
		return 2
	case types.OIDInt8:
		return 3
	case types.OIDNumeric:
		return 4
	case types.OIDFloat4:
		return 5
	}
	return 6
}

// cmpExpr is a comparison with SQL NULL semantics.
type cmpExpr struct {
	op   opcode.Op
	l, r expr
	// bpchar compares ignoring trailing spaces (CHAR(n) semantics).
	bpchar bool
}

func newCmp(op opcode.Op, l, r expr) (expr, error) {
	lt, rt := l.typ(), r.typ()
	ok := isNumeric(lt) && isNumeric(rt) || isStringy(lt) && isStringy(rt) || lt.OID == rt.OID ||
		lt.Kind() == rowenc.KindTimestamp && rt.Kind() == rowenc.KindTimestamp
	if !ok {
		return nil, pgerror.New(pgerror.CodeUndefinedFunction, "operator does not exist: %s %s %s", lt.Name(), opSymbol(op), rt.Name()).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	return &cmpExpr{op: op, l: l, r: r, bpchar: lt.OID == types.OIDBpchar || rt.OID == types.OIDBpchar}, nil
}

func opSymbol(op opcode.Op) string {
	switch op {
	case opcode.EQ:
		return "="
	case opcode.NE:
		return "<>"
	case opcode.LT:
		return "<"
	case opcode.LE:
		return "<="
	case opcode.GT:
		return ">"
	case opcode.GE:
		return ">="
	case opcode.Plus:
		return "+"
	case opcode.Minus:
		return "-"
	case opcode.Mul:
		return "*"
	case opcode.Div:
		return "/"
	case opcode.Mod:
		return "%"
	}
	return op.String()
}

func (e *cmpExpr) typ() types.T { return types.Bool }

func (e *cmpExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	a, err := e.l.eval(ec, row)
	if err != nil || a.IsNull() {
		return rowenc.Null(), err
	}
	b, err := e.r.eval(ec, row)
	if err != nil || b.IsNull() {
		return rowenc.Null(), err
	}
	if e.bpchar && a.Kind == rowenc.KindString && b.Kind == rowenc.KindString {
		a, b = rowenc.String(strings.TrimRight(a.S, " ")), rowenc.String(strings.TrimRight(b.S, " "))
	}
	c := compareValues(a, b)
	var r bool
	switch e.op {
	case opcode.EQ:
		r = c == 0
	case opcode.NE:
		r = c != 0
	case opcode.LT:
		r = c < 0
	case opcode.LE:
		r = c <= 0
	case opcode.GT:
		r = c > 0
	case opcode.GE:
		r = c >= 0
	}
	return rowenc.Bool(r), nil
}

// compareValues orders two non-NULL values, comparing integers with floats
// numerically.
func compareValues(a, b rowenc.Value) int {
	if a.Kind != b.Kind && (a.Kind == rowenc.KindDecimal || b.Kind == rowenc.KindDecimal) {
		return compareMixed(a, b)
	}
	if a.Kind == rowenc.KindInt && b.Kind == rowenc.KindFloat {
		a = rowenc.Float(float64(a.I))
	} else if a.Kind == rowenc.KindFloat && b.Kind == rowenc.KindInt {
		b = rowenc.Float(float64(b.I))
	}
	return rowenc.Compare(a, b)
}

// arithExpr is + - * / % with PostgreSQL's integer semantics.
type arithExpr struct {
	op   opcode.Op
	l, r expr
	t    types.T
}

func newArith(op opcode.Op, l, r expr) (expr, error) {
	lt, rt := l.typ(), r.typ()
	if !isNumeric(lt) || !isNumeric(rt) {
		return nil, pgerror.New(pgerror.CodeUndefinedFunction, "operator does not exist: %s %s %s", lt.Name(), opSymbol(op), rt.Name()).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	t := lt
	if numRank(rt) > numRank(lt) {
		t = rt
	}
	if t.OID == types.OIDFloat4 && (lt.OID != types.OIDFloat4 || rt.OID != types.OIDFloat4) {
		t = types.Float8
	}
	if t.OID == types.OIDNumeric {
		t = types.Numeric // the result has no typmod
	}
	if op == opcode.Mod && !t.IsInteger() && t.OID != types.OIDNumeric {
		return nil, pgerror.New(pgerror.CodeUndefinedFunction, "operator does not exist: %s %% %s", lt.Name(), rt.Name())
	}
	return &arithExpr{op: op, l: l, r: r, t: t}, nil
}

func (e *arithExpr) typ() types.T { return e.t }

func outOfRange(t types.T) error {
	switch t.OID {
	case types.OIDInt2:
		return pgerror.New(pgerror.CodeNumericValueOutOfRange, "smallint out of range")
	case types.OIDInt4:
		return pgerror.New(pgerror.CodeNumericValueOutOfRange, "integer out of range")
	case types.OIDInt8:
		return pgerror.New(pgerror.CodeNumericValueOutOfRange, "bigint out of range")
	}
	return pgerror.New(pgerror.CodeNumericValueOutOfRange, "value out of range: overflow")
}

func divByZero() error { return pgerror.New(pgerror.CodeDivisionByZero, "division by zero") }

func (e *arithExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	a, err := e.l.eval(ec, row)
	if err != nil || a.IsNull() {
		return rowenc.Null(), err
	}
	b, err := e.r.eval(ec, row)
	if err != nil || b.IsNull() {
		return rowenc.Null(), err
	}
	if e.t.IsInteger() {
		x, y := a.I, b.I
		var r int64
		switch e.op {
		case opcode.Plus:
			r = x + y
			if (x > 0 && y > 0 && r < 0) || (x < 0 && y < 0 && r >= 0) {
				return rowenc.Null(), outOfRange(e.t)
			}
		case opcode.Minus:
			r = x - y
			if (x >= 0 && y < 0 && r < 0) || (x < 0 && y > 0 && r >= 0) {
				return rowenc.Null(), outOfRange(e.t)
			}
		case opcode.Mul:
			r = x * y
			if x != 0 && (r/x != y || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64)) {
				return rowenc.Null(), outOfRange(e.t)
			}
		case opcode.Div:
			if y == 0 {
				return rowenc.Null(), divByZero()
			}
			if x == math.MinInt64 && y == -1 {
				return rowenc.Null(), outOfRange(e.t)
			}
			r = x / y
		case opcode.Mod:
			if y == 0 {
				return rowenc.Null(), divByZero()
			}
			if y == -1 {
				r = 0
			} else {
				r = x % y
			}
		}
		lo, hi := e.t.IntRange()
		if r < lo || r > hi {
			return rowenc.Null(), outOfRange(e.t)
		}
		return rowenc.Int(r), nil
	}
	if e.t.OID == types.OIDNumeric {
		return decimalArith(e.op, a, b)
	}
	x, y := toFloat(a), toFloat(b)
	var r float64
	switch e.op {
	case opcode.Plus:
		r = x + y
	case opcode.Minus:
		r = x - y
	case opcode.Mul:
		r = x * y
	case opcode.Div:
		if y == 0 {
			return rowenc.Null(), divByZero()
		}
		r = x / y
	}
	if e.t.OID == types.OIDFloat4 {
		r = float64(float32(r))
	}
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return rowenc.Null(), pgerror.New(pgerror.CodeNumericValueOutOfRange, "value out of range: overflow")
	}
	return rowenc.Float(r), nil
}

func toFloat(v rowenc.Value) float64 {
	if v.Kind == rowenc.KindInt {
		return float64(v.I)
	}
	if v.Kind == rowenc.KindDecimal {
		f, _ := decimalToFloat(types.Float8, v)
		return f.F
	}
	return v.F
}

type negExpr struct{ e expr }

func (e *negExpr) typ() types.T { return e.e.typ() }
func (e *negExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	v, err := e.e.eval(ec, row)
	if err != nil || v.IsNull() {
		return rowenc.Null(), err
	}
	if v.Kind == rowenc.KindFloat {
		return rowenc.Float(-v.F), nil
	}
	if v.Kind == rowenc.KindDecimal {
		d := v.DecimalValue()
		d.Neg(d)
		return rowenc.Decimal(d), nil
	}
	lo, _ := e.typ().IntRange()
	if v.I == lo {
		return rowenc.Null(), outOfRange(e.typ())
	}
	return rowenc.Int(-v.I), nil
}

// Three-valued logic.
type andExpr struct{ l, r expr }
type orExpr struct{ l, r expr }
type notExpr struct{ e expr }

func (e *andExpr) typ() types.T { return types.Bool }
func (e *orExpr) typ() types.T  { return types.Bool }
func (e *notExpr) typ() types.T { return types.Bool }

func (e *andExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	a, err := e.l.eval(ec, row)
	if err != nil {
		return a, err
	}
	if !a.IsNull() && !a.Bool() {
		return rowenc.Bool(false), nil
	}
	b, err := e.r.eval(ec, row)
	if err != nil {
		return b, err
	}
	if !b.IsNull() && !b.Bool() {
		return rowenc.Bool(false), nil
	}
	if a.IsNull() || b.IsNull() {
		return rowenc.Null(), nil
	}
	return rowenc.Bool(true), nil
}

func (e *orExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	a, err := e.l.eval(ec, row)
	if err != nil {
		return a, err
	}
	if !a.IsNull() && a.Bool() {
		return rowenc.Bool(true), nil
	}
	b, err := e.r.eval(ec, row)
	if err != nil {
		return b, err
	}
	if !b.IsNull() && b.Bool() {
		return rowenc.Bool(true), nil
	}
	if a.IsNull() || b.IsNull() {
		return rowenc.Null(), nil
	}
	return rowenc.Bool(false), nil
}

func (e *notExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	v, err := e.e.eval(ec, row)
	if err != nil || v.IsNull() {
		return rowenc.Null(), err
	}
	return rowenc.Bool(!v.Bool()), nil
}

type isNullExpr struct {
	e   expr
	not bool
}

func (e *isNullExpr) typ() types.T { return types.Bool }
func (e *isNullExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	v, err := e.e.eval(ec, row)
	if err != nil {
		return v, err
	}
	return rowenc.Bool(v.IsNull() != e.not), nil
}

type isTruthExpr struct {
	e          expr
	not, truth bool
}

func (e *isTruthExpr) typ() types.T { return types.Bool }
func (e *isTruthExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	v, err := e.e.eval(ec, row)
	if err != nil {
		return v, err
	}
	r := !v.IsNull() && v.Bool() == e.truth
	return rowenc.Bool(r != e.not), nil
}

// concatExpr is ||: NULL if either side is; non-text operands are rendered
// in their text form.
type concatExpr struct{ l, r expr }

func (e *concatExpr) typ() types.T { return types.Text }
func (e *concatExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	a, err := e.l.eval(ec, row)
	if err != nil || a.IsNull() {
		return rowenc.Null(), err
	}
	b, err := e.r.eval(ec, row)
	if err != nil || b.IsNull() {
		return rowenc.Null(), err
	}
	return rowenc.String(concatText(e.l.typ(), a, ec.s.vars.loc) + concatText(e.r.typ(), b, ec.s.vars.loc)), nil
}

// concatText is an operand of || as text: its cast to text (true, not t).
func concatText(t types.T, v rowenc.Value, loc *time.Location) string {
	if v.Kind == rowenc.KindBool {
		if v.Bool() {
			return "true"
		}
		return "false"
	}
	return types.FormatTextIn(t, v, loc)
}

// notDistinctExpr is x IS NOT DISTINCT FROM y: equality where NULL equals
// NULL; never NULL itself.
type notDistinctExpr struct{ l, r expr }

func (e *notDistinctExpr) typ() types.T { return types.Bool }
func (e *notDistinctExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	a, err := e.l.eval(ec, row)
	if err != nil {
		return a, err
	}
	b, err := e.r.eval(ec, row)
	if err != nil {
		return b, err
	}
	if a.IsNull() || b.IsNull() {
		return rowenc.Bool(a.IsNull() && b.IsNull()), nil
	}
	return rowenc.Bool(compareValues(a, b) == 0), nil
}
