package sql

import (
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// subquery is an uncorrelated SELECT inside an expression. It runs once
// per execution of the statement (the plan is rebuilt for every
// execution, so the cached rows never outlive it).
type subquery struct {
	plan plan // a *selectPlan or *setOpPlan
	// correlated subqueries refer to the rows of enclosing queries and run
	// again for each of them; the others run once.
	correlated bool
	done       bool
	rows       [][]rowenc.Value
}

// results runs the subquery for the enclosing query's current row.
func (sq *subquery) results(ec *execCtx, row []rowenc.Value) ([][]rowenc.Value, error) {
	if sq.done {
		return sq.rows, nil
	}
	sub := *ec
	sub.outer = append(ec.outer[:len(ec.outer):len(ec.outer)], row)
	sub.analyze = nil
	cw := &collectWriter{}
	if err := sq.plan.exec(&sub, cw); err != nil {
		return nil, err
	}
	if sq.correlated {
		return cw.rows, nil
	}
	sq.rows, sq.done = cw.rows, true
	return sq.rows, nil
}

// enclosingScope is a scope around a subquery being planned.
type enclosingScope struct {
	sc *scope
	// correlated is set when the subquery planned inside sc (or one nested
	// in it) refers to sc or to a scope further out.
	correlated bool
}

// outerColExpr reads a column of an enclosing query's current row.
type outerColExpr struct {
	level int // index into execCtx.outer
	idx   int
	t     types.T
}

func (e *outerColExpr) typ() types.T { return e.t }
func (e *outerColExpr) eval(ec *execCtx, _ []rowenc.Value) (rowenc.Value, error) {
	if e.level >= len(ec.outer) || e.idx >= len(ec.outer[e.level]) {
		return rowenc.Null(), pgerror.New(pgerror.CodeInternalError, "outer reference out of range")
	}
	return ec.outer[e.level][e.idx], nil
}

// outerColumn resolves a name the subquery's own scope lacks in the
// enclosing scopes, innermost first, marking the subqueries in between
// correlated. ok is false when no enclosing scope has it.
func (p *planner) outerColumn(cn *ast.ColumnName) (expr, bool, error) {
	for lvl := len(p.enclosing) - 1; lvl >= 0; lvl-- {
		osc := p.enclosing[lvl].sc
		if !osc.hasRef(cn) {
			continue
		}
		if osc.aggs != nil {
			return nil, false, pgerror.Unsupported("correlated references to a grouped or aggregated query")
		}
		// Resolve against that scope alone (its own enclosing scopes are
		// not consulted: it has the name).
		saved := p.enclosing
		p.enclosing = nil
		x, err := p.column(cn, osc)
		p.enclosing = saved
		if err != nil {
			return nil, false, err
		}
		c, ok := x.(*colExpr)
		if !ok {
			return nil, false, pgerror.Unsupported("this correlated reference")
		}
		for j := lvl; j < len(p.enclosing); j++ {
			p.enclosing[j].correlated = true
		}
		return &outerColExpr{level: lvl, idx: c.idx, t: c.t}, true, nil
	}
	return nil, false, nil
}

// hasRef reports whether a (possibly qualified) column name resolves in sc.
func (sc *scope) hasRef(cn *ast.ColumnName) bool {
	for _, st := range sc.tables() {
		if cn.Table.O != "" && cn.Table.O != st.alias {
			continue
		}
		if st.table.ColumnIndex(cn.Name.O) >= 0 {
			return true
		}
	}
	return false
}

// planSubquery plans the SELECT of a subquery expression. Column names it
// cannot resolve but the enclosing query could are correlated references,
// which are refused.
func (p *planner) planSubquery(q ast.ResultSetNode, sc *scope) (*subquery, error) {
	p.depth++
	enc := &enclosingScope{sc: sc}
	p.enclosing = append(p.enclosing, enc)
	var pl plan
	var err error
	switch q := q.(type) {
	case *ast.SelectStmt:
		pl, err = p.planSelect(q)
	case *ast.SetOprStmt:
		pl, err = p.planSetOpr(q)
	default:
		err = pgerror.Unsupported("this kind of subquery")
	}
	p.enclosing = p.enclosing[:len(p.enclosing)-1]
	p.depth--
	if err != nil {
		pe := pgerror.Flatten(err)
		outerRef := pe.Code == pgerror.CodeUndefinedColumn ||
			pe.Code == pgerror.CodeUndefinedTable && strings.HasPrefix(pe.Message, "missing FROM-clause entry")
		if outerRef && len(sc.tables()) > 0 {
			return nil, pgerror.Unsupported("correlated subqueries (or: " + pgerror.Flatten(err).Message + ")")
		}
		return nil, err
	}
	return &subquery{plan: pl, correlated: enc.correlated}, nil
}

// scalarSubquery is (SELECT x ...): its one value, NULL for no rows.
type scalarSubquery struct {
	sq *subquery
	t  types.T
}

func (e *scalarSubquery) typ() types.T { return e.t }
func (e *scalarSubquery) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	rows, err := e.sq.results(ec, row)
	if err != nil {
		return rowenc.Null(), err
	}
	switch len(rows) {
	case 0:
		return rowenc.Null(), nil
	case 1:
		return rows[0][0], nil
	}
	return rowenc.Null(), pgerror.New(pgerror.CodeCardinalityViolation, "more than one row returned by a subquery used as an expression")
}

// existsSubquery is [NOT] EXISTS (SELECT ...).
type existsSubquery struct {
	sq  *subquery
	not bool
}

func (e *existsSubquery) typ() types.T { return types.Bool }
func (e *existsSubquery) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	rows, err := e.sq.results(ec, row)
	if err != nil {
		return rowenc.Null(), err
	}
	return rowenc.Bool((len(rows) > 0) != e.not), nil
}

// inSubquery is x [NOT] IN (SELECT y ...), with SQL's NULL rules: false
// (true for NOT IN) over no rows; otherwise NULL when x is NULL, or when
// no value matches and the set holds a NULL.
type inSubquery struct {
	x   expr
	sq  *subquery
	not bool
}

func (e *inSubquery) typ() types.T { return types.Bool }
func (e *inSubquery) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	v, err := e.x.eval(ec, row)
	if err != nil {
		return rowenc.Null(), err
	}
	rows, err := e.sq.results(ec, row)
	if err != nil {
		return rowenc.Null(), err
	}
	if len(rows) == 0 {
		// x IN (empty) is false even for a NULL x.
		return rowenc.Bool(e.not), nil
	}
	if v.IsNull() {
		return rowenc.Null(), nil
	}
	sawNull := false
	for _, r := range rows {
		if r[0].IsNull() {
			sawNull = true
			continue
		}
		if compareValues(v, r[0]) == 0 {
			return rowenc.Bool(!e.not), nil
		}
	}
	if sawNull {
		return rowenc.Null(), nil
	}
	return rowenc.Bool(e.not), nil
}

func (p *planner) compileSubquery(e ast.ExprNode, sc *scope) (expr, error) {
	switch e := e.(type) {
	case *ast.SubqueryExpr:
		sq, err := p.planSubquery(e.Query, sc)
		if err != nil {
			return nil, err
		}
		if len(sq.plan.columns()) != 1 {
			return nil, pgerror.New(pgerror.CodeSyntaxError, "subquery must return only one column")
		}
		return &scalarSubquery{sq: sq, t: sq.plan.columns()[0].Type}, nil
	case *ast.ExistsSubqueryExpr:
		sub, ok := e.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, pgerror.Unsupported("this EXISTS")
		}
		sq, err := p.planSubquery(sub.Query, sc)
		if err != nil {
			return nil, err
		}
		return &existsSubquery{sq: sq, not: e.Not}, nil
	}
	return nil, pgerror.Unsupported("ANY, SOME and ALL subqueries")
}

func (p *planner) compileInSubquery(e *ast.PatternInExpr, sc *scope) (expr, error) {
	sub, ok := e.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil, pgerror.Unsupported("this IN")
	}
	sq, err := p.planSubquery(sub.Query, sc)
	if err != nil {
		return nil, err
	}
	if len(sq.plan.columns()) != 1 {
		return nil, pgerror.New(pgerror.CodeSyntaxError, "subquery has too many columns")
	}
	it := sq.plan.columns()[0].Type
	x, err := p.compile(e.Expr, hintFor(it), sc)
	if err != nil {
		return nil, err
	}
	if _, err := newCmp(opcode.EQ, x, &constExpr{t: it}); err != nil {
		return nil, err
	}
	return &inSubquery{x: x, sq: sq, not: e.Not}, nil
}
