package sql

import (
	"fmt"
	"sort"

	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// setOpPlan is UNION, INTERSECT and EXCEPT [ALL] over its inputs, applied
// left to right as the parser nests them: ops[i] combines the result so
// far with inputs[i] (ops[0] is unused). Column names come from the first
// input; each column's type is the common type of the inputs' columns.
type setOpPlan struct {
	inputs        []plan
	ops           []ast.SetOprType
	cols          []Column
	order         []orderItem // output columns only
	limit, offset expr
}

func (sp *setOpPlan) columns() []Column { return sp.cols }

func (p *planner) planSetOpr(n *ast.SetOprStmt) (plan, error) {
	restore, err := p.withScope(n.With)
	if err != nil {
		return nil, err
	}
	defer restore()
	sp, err := p.planSetOprList(n.SelectList)
	if err != nil {
		return nil, err
	}
	if err := p.setOpTail(sp, n.OrderBy, n.Limit); err != nil {
		return nil, err
	}
	p.finishParams()
	return sp, nil
}

func (p *planner) planSetOprList(l *ast.SetOprSelectList) (*setOpPlan, error) {
	restore, err := p.withScope(l.With)
	if err != nil {
		return nil, err
	}
	defer restore()
	sp := &setOpPlan{}
	p.depth++
	for i, s := range l.Selects {
		var in plan
		var op *ast.SetOprType
		var err error
		switch s := s.(type) {
		case *ast.SelectStmt:
			op = s.AfterSetOperator
			in, err = p.planSelect(s)
		case *ast.SetOprSelectList:
			op = s.AfterSetOperator
			var inner *setOpPlan
			if inner, err = p.planSetOprList(s); err == nil {
				err = p.setOpTail(inner, s.OrderBy, s.Limit)
			}
			in = inner
		default:
			err = pgerror.Unsupported("this set operation input")
		}
		if err != nil {
			p.depth--
			return nil, err
		}
		kind := ast.UnionAll
		if op != nil {
			kind = *op
		} else if i > 0 {
			p.depth--
			return nil, pgerror.New(pgerror.CodeInternalError, "set operation without operator")
		}
		sp.inputs = append(sp.inputs, in)
		sp.ops = append(sp.ops, kind)
	}
	p.depth--
	first := sp.inputs[0].columns()
	for _, in := range sp.inputs[1:] {
		if len(in.columns()) != len(first) {
			return nil, pgerror.New(pgerror.CodeSyntaxError, "each %s query must have the same number of columns", opName(sp.ops[len(sp.ops)-1]))
		}
	}
	for i, c := range first {
		ts := make([]types.T, len(sp.inputs))
		for j, in := range sp.inputs {
			ts[j] = in.columns()[i].Type
		}
		t, ok := commonType(ts)
		if !ok {
			return nil, pgerror.New(pgerror.CodeDatatypeMismatch, "%s types %s and %s cannot be matched", opName(sp.ops[1]), ts[0].Name(), ts[len(ts)-1].Name())
		}
		if allSame(ts) {
			t = ts[0]
		} else if t.OID == types.OIDNumeric {
			t = types.Numeric // typmods differ: none
		}
		sp.cols = append(sp.cols, Column{Name: c.Name, Type: t})
	}
	return sp, nil
}

func allSame(ts []types.T) bool {
	for _, t := range ts[1:] {
		if t != ts[0] {
			return false
		}
	}
	return true
}

func opName(op ast.SetOprType) string {
	switch op {
	case ast.Intersect, ast.IntersectAll:
		return "INTERSECT"
	case ast.Except, ast.ExceptAll:
		return "EXCEPT"
	}
	return "UNION"
}

// setOpTail plans ORDER BY (output column names or positions) and LIMIT.
func (p *planner) setOpTail(sp *setOpPlan, ob *ast.OrderByClause, lim *ast.Limit) error {
	if ob != nil {
		for _, it := range ob.Items {
			oi := orderItem{outIdx: -1, desc: it.Desc, nullsFirst: it.Desc}
			e := it.Expr
			if f, ok := e.(*ast.FuncCallExpr); ok && f.FnName.L == front.NullsFunc && len(f.Args) == 2 {
				e = f.Args[0]
				if v, ok := f.Args[1].(*test_driver.ValueExpr); ok {
					oi.nullsFirst = v.GetString() == "first"
				}
			}
			switch e := e.(type) {
			case *ast.PositionExpr:
				oi.outIdx = e.N - 1
			case *test_driver.ValueExpr:
				if e.Kind() == test_driver.KindInt64 {
					oi.outIdx = int(e.GetInt64()) - 1
				}
			case *ast.ColumnNameExpr:
				if e.Name.Table.O == "" {
					for i, c := range sp.cols {
						if c.Name == e.Name.Name.O {
							oi.outIdx = i
							break
						}
					}
				}
			}
			if oi.outIdx < 0 || oi.outIdx >= len(sp.cols) {
				return pgerror.Unsupported("ORDER BY on a UNION/INTERSECT/EXCEPT result other than by output column name or position")
			}
			sp.order = append(sp.order, oi)
		}
	}
	if lim != nil {
		nsc := &scope{noCols: "LIMIT"}
		var err error
		if lim.Count != nil {
			if sp.limit, err = p.compileInt(lim.Count, "LIMIT", nsc); err != nil {
				return err
			}
		}
		if lim.Offset != nil {
			if sp.offset, err = p.compileInt(lim.Offset, "OFFSET", nsc); err != nil {
				return err
			}
		}
	}
	return nil
}

func rowKey(r []rowenc.Value) string {
	var k []byte
	for _, v := range r {
		k = rowenc.AppendKey(k, v, rowenc.Ascending)
	}
	return string(k)
}

// results runs the inputs and combines their rows.
func (sp *setOpPlan) results(ec *execCtx) ([][]rowenc.Value, error) {
	var acc [][]rowenc.Value
	for i, in := range sp.inputs {
		cw := &collectWriter{}
		sub := *ec
		sub.analyze = nil
		if err := in.exec(&sub, cw); err != nil {
			return nil, err
		}
		rows := cw.rows
		from := in.columns()
		for _, r := range rows {
			for j := range r {
				if from[j].Type != sp.cols[j].Type {
					v, err := castValue(r[j], from[j].Type, sp.cols[j].Type, false, ec.s.vars.loc)
					if err != nil {
						return nil, err
					}
					r[j] = v
				}
			}
		}
		if i == 0 {
			acc = rows
			if len(sp.inputs) == 1 {
				break
			}
			continue
		}
		count := map[string]int{}
		for _, r := range rows {
			count[rowKey(r)]++
		}
		var out [][]rowenc.Value
		seen := map[string]bool{}
		switch sp.ops[i] {
		case ast.UnionAll:
			out = append(acc, rows...)
		case ast.Union:
			for _, r := range append(acc, rows...) {
				if k := rowKey(r); !seen[k] {
					seen[k] = true
					out = append(out, r)
				}
			}
		case ast.Intersect, ast.Except:
			want := sp.ops[i] == ast.Intersect
			for _, r := range acc {
				k := rowKey(r)
				if !seen[k] && (count[k] > 0) == want {
					seen[k] = true
					out = append(out, r)
				}
			}
		case ast.IntersectAll, ast.ExceptAll:
			for _, r := range acc {
				k := rowKey(r)
				if sp.ops[i] == ast.IntersectAll {
					if count[k] > 0 {
						count[k]--
						out = append(out, r)
					}
				} else if count[k] > 0 {
					count[k]--
				} else {
					out = append(out, r)
				}
			}
		}
		acc = out
	}
	if len(sp.order) > 0 {
		sort.SliceStable(acc, func(i, j int) bool {
			return lessByOrder(sp.order, acc[i], acc[j])
		})
	}
	lo, hi, err := limitBounds(ec, sp.limit, sp.offset, len(acc))
	if err != nil {
		return nil, err
	}
	return acc[lo:hi], nil
}

func (sp *setOpPlan) exec(ec *execCtx, w ResultWriter) error {
	rows, err := sp.results(ec)
	if err != nil {
		return err
	}
	if err := w.Columns(sp.cols); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return w.Complete(fmt.Sprintf("SELECT %d", len(rows)))
}

func (sp *setOpPlan) explain() []string {
	var lines []string
	if sp.limit != nil || sp.offset != nil {
		lines = append(lines, "limit")
	}
	if len(sp.order) > 0 {
		lines = append(lines, "sort")
	}
	name := "union all"
	for _, op := range sp.ops[1:] {
		name = map[ast.SetOprType]string{ast.Union: "union", ast.UnionAll: "union all", ast.Except: "except",
			ast.ExceptAll: "except all", ast.Intersect: "intersect", ast.IntersectAll: "intersect all"}[op]
	}
	return append(lines, fmt.Sprintf("%s of %d inputs", name, len(sp.inputs)))
}

// lessByOrder compares two rows on output-column order items.
func lessByOrder(order []orderItem, a, b []rowenc.Value) bool {
	for _, it := range order {
		x, y := a[it.outIdx], b[it.outIdx]
		var c int
		switch {
		case x.IsNull() && y.IsNull():
		case x.IsNull() != y.IsNull():
			c = 1
			if x.IsNull() == it.nullsFirst {
				c = -1
			}
		default:
			c = compareValues(x, y)
			if it.desc {
				c = -c
			}
		}
		if c != 0 {
			return c < 0
		}
	}
	return false
}

// limitBounds evaluates LIMIT and OFFSET over n rows.
func limitBounds(ec *execCtx, limit, offset expr, n int) (int, int, error) {
	lo, hi := 0, n
	if offset != nil {
		v, err := offset.eval(ec, nil)
		if err != nil {
			return 0, 0, err
		}
		if !v.IsNull() {
			if v.I < 0 {
				return 0, 0, pgerror.New("2201X", "OFFSET must not be negative")
			}
			lo = int(min(v.I, int64(n)))
		}
	}
	if limit != nil {
		v, err := limit.eval(ec, nil)
		if err != nil {
			return 0, 0, err
		}
		if !v.IsNull() {
			if v.I < 0 {
				return 0, 0, pgerror.New("2201W", "LIMIT must not be negative")
			}
			hi = lo + int(min(v.I, int64(n-lo)))
		}
	}
	return lo, hi, nil
}
