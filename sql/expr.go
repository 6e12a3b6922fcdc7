package sql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// expr is a typed, compiled scalar expression. Rows are values in the
// column order of the scope's table.
type expr interface {
	typ() types.T
	eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error)
}

// scope is what names in an expression resolve against.
type scope struct {
	table *catalog.Table // nil: no FROM
	alias string
	// aggs collects aggregates when the query has any; column references
	// outside them are then refused (there is no GROUP BY).
	aggs  *aggList
	inAgg bool
	// noCols, when set, refuses column references, naming the context.
	noCols string
	// excludedOff, when positive, resolves excluded.col (ON CONFLICT DO
	// UPDATE) to position excludedOff+i of the row.
	excludedOff int
	// joined, when set, are the tables of a FROM clause with joins (table
	// and alias are then unused).
	joined []scopeTable
	// merged are the USING columns of the joins (using.go).
	merged []mergedCol
	// wins collects the window functions of the select list and ORDER BY
	// (window.go); nil where they are not allowed. inWindow is set while
	// a window function's arguments and window are compiled.
	wins     *winList
	inWindow bool
}

type constExpr struct {
	t types.T
	v rowenc.Value
}

func (e *constExpr) typ() types.T                                        { return e.t }
func (e *constExpr) eval(*execCtx, []rowenc.Value) (rowenc.Value, error) { return e.v, nil }

type paramExpr struct {
	ptypes []types.T
	idx    int
}

func (e *paramExpr) typ() types.T { return e.ptypes[e.idx] }
func (e *paramExpr) eval(ec *execCtx, _ []rowenc.Value) (rowenc.Value, error) {
	if e.idx >= len(ec.params) {
		return rowenc.Value{}, pgerror.New(pgerror.CodeUndefinedParameter, "there is no parameter $%d", e.idx+1)
	}
	return ec.params[e.idx], nil
}

type colExpr struct {
	idx  int
	t    types.T
	name string
	// tid and num name the table column it reads (RowDescription).
	tid uint32
	num int16
}

func (e *colExpr) typ() types.T { return e.t }
func (e *colExpr) eval(_ *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	return row[e.idx], nil
}

// isConst reports whether e has the same value for every row of a
// statement (literals, parameters and casts or arithmetic of them).
func isConst(e expr) bool {
	switch e := e.(type) {
	case *constExpr, *paramExpr:
		return true
	case *castExpr:
		return isConst(e.e)
	case *arithExpr:
		return isConst(e.l) && isConst(e.r)
	case *negExpr:
		return isConst(e.e)
	}
	return false
}

// untyped reports whether an AST expression's type comes from its context:
// a string literal, NULL, or a parameter whose type is not yet known.
func (p *planner) untyped(e ast.ExprNode) bool {
	switch e := e.(type) {
	case *test_driver.ParamMarkerExpr:
		return p.ptypes[p.st.ParamIndex(e)].OID == types.OIDUnknown
	case *test_driver.ValueExpr:
		return e.Kind() == test_driver.KindString || e.Kind() == test_driver.KindNull
	case *ast.ParenthesesExpr:
		return p.untyped(e.Expr)
	}
	return false
}

// hintFor is the type an untyped operand takes opposite an operand of type t.
func hintFor(t types.T) types.T {
	switch t.OID {
	case types.OIDVarchar, types.OIDBpchar, types.OIDName:
		return types.Text
	}
	return t
}

// paramHint is the type a parameter is inferred to have from a hint.
func paramHint(t types.T) types.T {
	switch t.OID {
	case types.OIDVarchar:
		return types.Varchar(0)
	case types.OIDBpchar:
		return types.T{OID: types.OIDBpchar}
	}
	return t
}

// compile compiles e; hint is the type an untyped e should take (Unknown
// for none).
func (p *planner) compile(e ast.ExprNode, hint types.T, sc *scope) (expr, error) {
	if g := groupRef(e, sc); g != nil {
		return g, nil
	}
	switch e := e.(type) {
	case *test_driver.ParamMarkerExpr:
		idx := p.st.ParamIndex(e)
		if idx < 0 {
			return nil, pgerror.New(pgerror.CodeInternalError, "unknown parameter marker")
		}
		if p.ptypes[idx].OID == types.OIDUnknown && hint.OID != types.OIDUnknown {
			p.ptypes[idx] = paramHint(hint)
		}
		return &paramExpr{ptypes: p.ptypes, idx: idx}, nil
	case *test_driver.ValueExpr:
		return compileLiteral(e, hint, p.s.vars.loc)
	case *ast.ParenthesesExpr:
		return p.compile(e.Expr, hint, sc)
	case *ast.ColumnNameExpr:
		return p.column(e.Name, sc)
	case *ast.BinaryOperationExpr:
		return p.binary(e.Op, e.L, e.R, sc)
	case *ast.UnaryOperationExpr:
		return p.unary(e, sc)
	case *ast.IsNullExpr:
		if p.untyped(e.Expr) {
			if _, ok := e.Expr.(*test_driver.ParamMarkerExpr); ok {
				return nil, p.indeterminate(e.Expr)
			}
		}
		x, err := p.compile(e.Expr, types.Unknown, sc)
		if err != nil {
			return nil, err
		}
		return &isNullExpr{e: x, not: e.Not}, nil
	case *ast.IsTruthExpr:
		x, err := p.compileBool(e.Expr, "IS TRUE", sc)
		if err != nil {
			return nil, err
		}
		return &isTruthExpr{e: x, not: e.Not, truth: e.True != 0}, nil
	case *ast.BetweenExpr:
		lo := &ast.BinaryOperationExpr{Op: opcode.GE, L: e.Expr, R: e.Left}
		hi := &ast.BinaryOperationExpr{Op: opcode.LE, L: e.Expr, R: e.Right}
		x, err := p.binary(opcode.LogicAnd, lo, hi, sc)
		if err != nil || !e.Not {
			return x, err
		}
		return &notExpr{e: x}, nil
	case *ast.PatternInExpr:
		if e.Sel != nil {
			return p.compileInSubquery(e, sc)
		}
		var x expr
		for _, item := range e.List {
			eq, err := p.binary(opcode.EQ, e.Expr, item, sc)
			if err != nil {
				return nil, err
			}
			if x == nil {
				x = eq
			} else {
				x = &orExpr{l: x, r: eq}
			}
		}
		if e.Not {
			return &notExpr{e: x}, nil
		}
		return x, nil
	case *ast.PatternLikeOrIlikeExpr:
		return p.like(e, sc)
	case *ast.FuncCallExpr:
		return p.funcCall(e, hint, sc)
	case *ast.AggregateFuncExpr:
		return p.aggregate(e, sc)
	case *ast.WindowFuncExpr:
		return p.windowFunc(e, sc)
	case *ast.CaseExpr:
		return p.caseExpr(e, hint, sc)
	case *ast.DefaultExpr:
		return nil, pgerror.New(pgerror.CodeSyntaxError, "DEFAULT is not allowed in this context")
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.CompareSubqueryExpr:
		return p.compileSubquery(e, sc)
	case *ast.FuncCastExpr:
		return nil, pgerror.Unsupported("MySQL-style CAST/CONVERT")
	case *ast.VariableExpr:
		return nil, pgerror.Unsupported("variables in expressions")
	case *ast.RowExpr:
		return nil, pgerror.Unsupported("row constructors")
	}
	return nil, pgerror.Unsupported("expression " + strings.TrimPrefix(strings.TrimPrefix(typeName(e), "*ast."), "*"))
}

func typeName(e any) string { return fmt.Sprintf("%T", e) }

func (p *planner) indeterminate(e ast.ExprNode) error {
	if m, ok := e.(*test_driver.ParamMarkerExpr); ok {
		return pgerror.New(pgerror.CodeIndeterminateDatatype, "could not determine data type of parameter $%d", p.st.ParamIndex(m)+1)
	}
	return pgerror.New(pgerror.CodeIndeterminateDatatype, "could not determine data type of expression")
}

func compileLiteral(e *test_driver.ValueExpr, hint types.T, loc *time.Location) (expr, error) {
	switch e.Kind() {
	case test_driver.KindNull:
		t := hint
		if t.OID == 0 {
			t = types.Unknown
		}
		return &constExpr{t: t, v: rowenc.Null()}, nil
	case test_driver.KindInt64:
		if e.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			return &constExpr{t: types.Bool, v: rowenc.Bool(e.GetInt64() != 0)}, nil
		}
		i := e.GetInt64()
		if hint.Kind() == rowenc.KindFloat {
			return &constExpr{t: hint, v: rowenc.Float(float64(i))}, nil
		}
		if i >= -1<<31 && i < 1<<31 {
			return &constExpr{t: types.Int4, v: rowenc.Int(i)}, nil
		}
		return &constExpr{t: types.Int8, v: rowenc.Int(i)}, nil
	case test_driver.KindUint64:
		if u := e.GetUint64(); u < 1<<63 {
			if hint.Kind() == rowenc.KindFloat {
				return &constExpr{t: hint, v: rowenc.Float(float64(u))}, nil
			}
			if u < 1<<31 {
				return &constExpr{t: types.Int4, v: rowenc.Int(int64(u))}, nil
			}
			return &constExpr{t: types.Int8, v: rowenc.Int(int64(u))}, nil
		}
		return &constExpr{t: types.Float8, v: rowenc.Float(float64(e.GetUint64()))}, nil
	case test_driver.KindFloat64, test_driver.KindFloat32:
		return &constExpr{t: types.Float8, v: rowenc.Float(e.GetFloat64())}, nil
	case test_driver.KindMysqlDecimal:
		// A literal with a point is NUMERIC, as in PostgreSQL; opposite a
		// float it is a float.
		txt := e.GetMysqlDecimal().String()
		if hint.Kind() == rowenc.KindFloat {
			f, err := strconv.ParseFloat(txt, 64)
			if err != nil {
				return nil, pgerror.New(pgerror.CodeInvalidTextRepresentation, "invalid numeric literal %s", txt)
			}
			return &constExpr{t: hint, v: rowenc.Float(f)}, nil
		}
		v, err := types.ParseNumeric(types.Numeric, txt)
		if err != nil {
			return nil, err
		}
		return &constExpr{t: types.Numeric, v: v}, nil
	case test_driver.KindString, test_driver.KindBytes:
		s := e.GetString()
		if hint.OID == 0 || hint.OID == types.OIDUnknown {
			return &constExpr{t: types.Unknown, v: rowenc.String(s)}, nil
		}
		v, err := types.ParseTextIn(hint, s, loc)
		if err != nil {
			return nil, err
		}
		return &constExpr{t: hint, v: v}, nil
	}
	return nil, pgerror.Unsupported("this kind of literal")
}

// scopeTable is one table of a FROM clause; its columns sit at
// [off, off+len(Columns)) of the scope's rows.
type scopeTable struct {
	table *catalog.Table
	alias string
	off   int
}

// tables lists the scope's tables.
func (sc *scope) tables() []scopeTable {
	if sc.joined != nil {
		return sc.joined
	}
	if sc.table != nil {
		return []scopeTable{{table: sc.table, alias: sc.alias}}
	}
	return nil
}

// has reports whether an unqualified name is a column of the scope.
func (sc *scope) has(name string) bool {
	for _, st := range sc.tables() {
		if st.table.ColumnIndex(name) >= 0 {
			return true
		}
	}
	return false
}

func (p *planner) column(cn *ast.ColumnName, sc *scope) (expr, error) {
	name := cn.Name.O
	full := name
	if cn.Table.O != "" {
		full = cn.Table.O + "." + name
	}
	if sc.noCols != "" {
		return nil, pgerror.New(pgerror.CodeFeatureNotSupported, "cannot use column reference in %s", sc.noCols)
	}
	if cn.Schema.O != "" && cn.Schema.O != "public" {
		return nil, pgerror.New(pgerror.CodeUndefinedTable, "missing FROM-clause entry for table %q", cn.Table.O)
	}
	if cn.Table.O == "excluded" && sc.excludedOff > 0 {
		i := sc.table.ColumnIndex(name)
		if i < 0 {
			return nil, pgerror.New(pgerror.CodeUndefinedColumn, "column %q does not exist", full)
		}
		c := sc.table.Columns[i]
		return &colExpr{idx: sc.excludedOff + i, t: c.Type, name: c.Name}, nil
	}
	var found *scopeTable
	i := -1
	known := cn.Table.O == ""
	merged := false
	if cn.Table.O == "" {
		// A USING column: the pair's merged value, not ambiguous.
		if k, j, ok := sc.mergedRef(name); ok {
			found, i, merged = &sc.tables()[k], j, true
		}
	}
	for k, st := range sc.tables() {
		if merged || cn.Table.O != "" && cn.Table.O != st.alias {
			continue
		}
		known = true
		if j := st.table.ColumnIndex(name); j >= 0 {
			if found != nil {
				return nil, pgerror.New(pgerror.CodeAmbiguousColumn, "column reference %q is ambiguous", name)
			}
			found, i = &sc.tables()[k], j
		}
	}
	if found == nil && len(p.enclosing) > 0 && sc.excludedOff == 0 {
		if x, ok, err := p.outerColumn(cn); ok || err != nil {
			return x, err
		}
	}
	if !known {
		return nil, pgerror.New(pgerror.CodeUndefinedTable, "missing FROM-clause entry for table %q", cn.Table.O)
	}
	if found == nil {
		return nil, pgerror.New(pgerror.CodeUndefinedColumn, "column %q does not exist", full)
	}
	c := found.table.Columns[i]
	pos := found.off + i
	if sc.aggs != nil && !sc.inAgg {
		for k, g := range sc.aggs.groupCols {
			if g == pos {
				return &aggRefExpr{idx: k, t: c.Type}, nil
			}
		}
		return nil, pgerror.New(pgerror.CodeGroupingError, "column %q must appear in the GROUP BY clause or be used in an aggregate function", found.alias+"."+name)
	}
	return &colExpr{idx: pos, t: c.Type, name: c.Name, tid: uint32(found.table.ID), num: int16(i + 1)}, nil
}

// compileBool compiles an expression that must be boolean (WHERE, AND, ...).
func (p *planner) compileBool(e ast.ExprNode, what string, sc *scope) (expr, error) {
	x, err := p.compile(e, types.Bool, sc)
	if err != nil {
		return nil, err
	}
	if t := x.typ(); t.OID != types.OIDBool && t.OID != types.OIDUnknown {
		return nil, pgerror.New(pgerror.CodeDatatypeMismatch, "argument of %s must be type boolean, not type %s", what, t.Name())
	}
	if x.typ().OID == types.OIDUnknown {
		// NULL.
		return &constExpr{t: types.Bool, v: rowenc.Null()}, nil
	}
	return x, nil
}

// operands compiles both sides of a binary operator, typing an untyped side
// from the other.
func (p *planner) operands(l, r ast.ExprNode, sc *scope) (expr, expr, error) {
	if p.untyped(l) && !p.untyped(r) {
		re, err := p.compile(r, types.Unknown, sc)
		if err != nil {
			return nil, nil, err
		}
		le, err := p.compile(l, hintFor(re.typ()), sc)
		return le, re, err
	}
	le, err := p.compile(l, types.Unknown, sc)
	if err != nil {
		return nil, nil, err
	}
	re, err := p.compile(r, hintFor(le.typ()), sc)
	return le, re, err
}

func (p *planner) binary(op opcode.Op, l, r ast.ExprNode, sc *scope) (expr, error) {
	switch op {
	case opcode.LogicAnd, opcode.LogicOr:
		name := "AND"
		if op == opcode.LogicOr {
			name = "OR"
		}
		le, err := p.compileBool(l, name, sc)
		if err != nil {
			return nil, err
		}
		re, err := p.compileBool(r, name, sc)
		if err != nil {
			return nil, err
		}
		if op == opcode.LogicAnd {
			return &andExpr{l: le, r: re}, nil
		}
		return &orExpr{l: le, r: re}, nil
	case opcode.EQ, opcode.NE, opcode.LT, opcode.LE, opcode.GT, opcode.GE:
		if p.untyped(l) && p.untyped(r) {
			// unknown = unknown resolves as text = text.
			le, err := p.compile(l, types.Text, sc)
			if err != nil {
				return nil, err
			}
			re, err := p.compile(r, types.Text, sc)
			if err != nil {
				return nil, err
			}
			return newCmp(op, le, re)
		}
		le, re, err := p.operands(l, r, sc)
		if err != nil {
			return nil, err
		}
		return newCmp(op, le, re)
	case opcode.NullEQ:
		// IS NOT DISTINCT FROM (the front's <=>).
		le, re, err := p.operands(l, r, sc)
		if err != nil {
			return nil, err
		}
		if le.typ().OID == types.OIDUnknown && re.typ().OID == types.OIDUnknown {
			le, re = &castExpr{e: le, to: types.Text}, &castExpr{e: re, to: types.Text}
		}
		if _, err := newCmp(opcode.EQ, le, re); err != nil {
			return nil, err
		}
		return &notDistinctExpr{l: le, r: re}, nil
	case opcode.Plus, opcode.Minus, opcode.Mul, opcode.Div, opcode.Mod:
		if p.untyped(l) && p.untyped(r) {
			if _, ok := l.(*test_driver.ParamMarkerExpr); ok {
				return nil, p.indeterminate(l)
			}
			if _, ok := r.(*test_driver.ParamMarkerExpr); ok {
				return nil, p.indeterminate(r)
			}
		}
		le, re, err := p.operands(l, r, sc)
		if err != nil {
			return nil, err
		}
		if le.typ().OID == types.OIDDate || re.typ().OID == types.OIDDate {
			return newDateArith(op, le, re)
		}
		return newArith(op, le, re)
	}
	return nil, pgerror.Unsupported("operator " + op.String())
}

func (p *planner) unary(e *ast.UnaryOperationExpr, sc *scope) (expr, error) {
	switch e.Op {
	case opcode.Not, opcode.Not2:
		x, err := p.compileBool(e.V, "NOT", sc)
		if err != nil {
			return nil, err
		}
		return &notExpr{e: x}, nil
	case opcode.Minus:
		// -literal is a literal (so -2147483648 is an integer).
		if v, ok := e.V.(*test_driver.ValueExpr); ok && v.Kind() == test_driver.KindUint64 && v.GetUint64() == 1<<63 {
			return &constExpr{t: types.Int8, v: rowenc.Int(-1 << 63)}, nil
		}
		x, err := p.compile(e.V, types.Unknown, sc)
		if err != nil {
			return nil, err
		}
		if c, ok := x.(*constExpr); ok && c.t.IsInteger() && !c.v.IsNull() {
			// As PostgreSQL's parser: a negated numeric constant is a
			// constant, typed by its value.
			if c.v.I == math.MinInt64 {
				return nil, outOfRange(types.Int8)
			}
			i := -c.v.I
			if i >= -1<<31 && i < 1<<31 {
				return &constExpr{t: types.Int4, v: rowenc.Int(i)}, nil
			}
			return &constExpr{t: types.Int8, v: rowenc.Int(i)}, nil
		}
		if !isNumeric(x.typ()) {
			return nil, pgerror.New(pgerror.CodeUndefinedFunction, "operator does not exist: - %s", x.typ().Name())
		}
		return &negExpr{e: x}, nil
	case opcode.Plus:
		x, err := p.compile(e.V, types.Unknown, sc)
		if err != nil {
			return nil, err
		}
		if !isNumeric(x.typ()) {
			return nil, pgerror.New(pgerror.CodeUndefinedFunction, "operator does not exist: + %s", x.typ().Name())
		}
		return x, nil
	}
	return nil, pgerror.Unsupported("operator " + e.Op.String())
}

// castTarget reads the type argument of meridian_cast.
func castTarget(e ast.ExprNode) (types.T, bool) {
	v, ok := e.(*test_driver.ValueExpr)
	if !ok || v.Kind() != test_driver.KindString {
		return types.T{}, false
	}
	return front.ParseTypeName(v.GetString())
}
