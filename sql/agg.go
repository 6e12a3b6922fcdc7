package sql

import (
	"github.com/cockroachdb/apd/v3"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// aggList collects the aggregates of a query without GROUP BY; the query
// then yields one row whose values are the aggregates' results.
//
// With GROUP BY, the aggregated row of a group is the group's values of the
// grouping columns, then the aggregates' results; references to a grouping
// column outside an aggregate read it from there.
type aggList struct {
	groupCols []int // table column positions of the GROUP BY columns; -1 for an expression
	// groupExprs are the GROUP BY items (one per groupCols entry), and
	// groupText their SQL text, which select-list and HAVING expressions
	// are matched against (groupby.go).
	groupExprs []expr
	groupText  []string
	specs      []*aggSpec
	having     expr // over the aggregated row, or nil
}

type aggSpec struct {
	fn       string
	arg      expr // nil for count(*)
	t        types.T
	distinct bool
}

// aggRefExpr reads an aggregate's result from the aggregated row.
type aggRefExpr struct {
	idx int
	t   types.T
}

func (e *aggRefExpr) typ() types.T { return e.t }
func (e *aggRefExpr) eval(_ *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	return row[e.idx], nil
}

// hasAggregates reports whether any of the nodes contains an aggregate.
func hasAggregates(nodes ...ast.Node) bool {
	v := &aggFinder{}
	for _, n := range nodes {
		if n != nil {
			n.Accept(v)
		}
	}
	return v.found
}

type aggFinder struct{ found bool }

func (v *aggFinder) Enter(n ast.Node) (ast.Node, bool) {
	if _, ok := n.(*ast.AggregateFuncExpr); ok {
		v.found = true
		return n, true
	}
	if _, ok := n.(*ast.SubqueryExpr); ok {
		return n, true // a subquery's aggregates are its own
	}
	return n, false
}
func (v *aggFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func (p *planner) aggregate(e *ast.AggregateFuncExpr, sc *scope) (expr, error) {
	if sc.aggs == nil {
		return nil, pgerror.New(pgerror.CodeGroupingError, "aggregate functions are not allowed here")
	}
	if sc.inAgg {
		return nil, pgerror.New(pgerror.CodeGroupingError, "aggregate function calls cannot be nested")
	}
	fn := e.F
	spec := &aggSpec{fn: fn, distinct: e.Distinct}
	star := false
	if fn == "count" && len(e.Args) == 1 {
		if v, ok := e.Args[0].(ast.ValueExpr); ok && v.GetValue() != nil && !e.Distinct {
			star = true // count(*) and count(constant)
		}
	}
	if !star {
		if len(e.Args) != 1 {
			return nil, pgerror.New(pgerror.CodeUndefinedFunction, "function %s with %d arguments does not exist", fn, len(e.Args))
		}
		sc.inAgg = true
		arg, err := p.compile(e.Args[0], types.Unknown, sc)
		sc.inAgg = false
		if err != nil {
			return nil, err
		}
		if arg.typ().OID == types.OIDUnknown {
			arg = &castExpr{e: arg, to: types.Text}
		}
		spec.arg = arg
	}
	if err := spec.setType(); err != nil {
		return nil, err
	}
	sc.aggs.specs = append(sc.aggs.specs, spec)
	return &aggRefExpr{idx: len(sc.aggs.groupCols) + len(sc.aggs.specs) - 1, t: spec.t}, nil
}

// groups aggregates rows into one row per group (exactly one without GROUP
// BY, even over no rows) and applies HAVING.
func (a *aggList) groups(ec *execCtx, rows []scannedRow) ([]scannedRow, error) {
	var order []string
	members := map[string][]scannedRow{}
	if len(a.groupCols) == 0 {
		order, members[""] = []string{""}, rows
	} else {
		for _, r := range rows {
			var k []byte
			for _, g := range a.groupExprs {
				v, err := g.eval(ec, r.row)
				if err != nil {
					return nil, err
				}
				k = rowenc.AppendKey(k, v, rowenc.Ascending)
			}
			if _, ok := members[string(k)]; !ok {
				order = append(order, string(k))
			}
			members[string(k)] = append(members[string(k)], r)
		}
	}
	var out []scannedRow
	for _, k := range order {
		g := members[k]
		vals, err := a.run(ec, g)
		if err != nil {
			return nil, err
		}
		row := make([]rowenc.Value, 0, len(a.groupCols)+len(vals))
		for _, ge := range a.groupExprs {
			v, err := ge.eval(ec, g[0].row)
			if err != nil {
				return nil, err
			}
			row = append(row, v)
		}
		row = append(row, vals...)
		if a.having != nil {
			v, err := a.having.eval(ec, row)
			if err != nil {
				return nil, err
			}
			if v.IsNull() || !v.Bool() {
				continue
			}
		}
		out = append(out, scannedRow{row: row})
	}
	return out, nil
}

// run aggregates the rows of one group into the aggregates' results.
func (a *aggList) run(ec *execCtx, rows []scannedRow) ([]rowenc.Value, error) {
	out := make([]rowenc.Value, len(a.specs))
	for i, s := range a.specs {
		var count int64
		var isum int64
		var fsum float64
		var dsum apd.Decimal
		var best rowenc.Value
		seen := map[string]bool{}
		for _, r := range rows {
			var v rowenc.Value
			if s.arg != nil {
				var err error
				if v, err = s.arg.eval(ec, r.row); err != nil {
					return nil, err
				}
				if v.IsNull() {
					continue
				}
				if s.distinct {
					k := string(rowenc.AppendKey(nil, v, rowenc.Ascending))
					if seen[k] {
						continue
					}
					seen[k] = true
				}
			}
			count++
			switch s.fn {
			case "sum", "avg":
				if s.t.OID == types.OIDNumeric {
					d, err := toDecimal(v)
					if err != nil {
						return nil, err
					}
					if _, err := dctx.Add(&dsum, &dsum, d); err != nil {
						return nil, pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
					}
				} else if v.Kind == rowenc.KindInt && s.fn == "sum" {
					n := isum + v.I
					if (isum > 0 && v.I > 0 && n < 0) || (isum < 0 && v.I < 0 && n >= 0) {
						return nil, outOfRange(types.Int8)
					}
					isum = n
				} else {
					fsum += toFloat(v)
				}
			// On ties the later value wins, as PostgreSQL's float8smaller,
			// numeric_smaller, ... keep it (visible for -0 and 0, 1.0
			// and 1.00).
			case "min":
				if best.IsNull() || compareValues(v, best) <= 0 {
					best = v
				}
			case "max":
				if best.IsNull() || compareValues(v, best) >= 0 {
					best = v
				}
			}
		}
		switch s.fn {
		case "count":
			out[i] = rowenc.Int(count)
		case "sum":
			if count > 0 {
				if s.t.OID == types.OIDNumeric {
					v, err := decimalResult(&dsum)
					if err != nil {
						return nil, err
					}
					out[i] = v
				} else if s.t.IsInteger() {
					out[i] = rowenc.Int(isum)
				} else {
					out[i] = rowenc.Float(fsum)
				}
			}
		case "avg":
			if count > 0 && s.t.OID == types.OIDNumeric {
				v, err := decimalDiv(&dsum, apd.New(count, 0))
				if err != nil {
					return nil, err
				}
				out[i] = v
			} else if count > 0 {
				out[i] = rowenc.Float(fsum / float64(count))
			}
		default:
			out[i] = best
		}
	}
	return out, nil
}

// setType gives the aggregate its result type from its argument's.
func (spec *aggSpec) setType() error {
	switch spec.fn {
	case "count":
		spec.t = types.Int8
	case "sum":
		switch at := spec.arg.typ(); {
		case at.OID == types.OIDInt8 || at.OID == types.OIDNumeric:
			spec.t = types.Numeric
		case at.IsInteger():
			spec.t = types.Int8
		case isNumeric(at):
			spec.t = types.Float8
		default:
			return pgerror.New(pgerror.CodeUndefinedFunction, "function sum(%s) does not exist", at.Name())
		}
	case "avg":
		if !isNumeric(spec.arg.typ()) {
			return pgerror.New(pgerror.CodeUndefinedFunction, "function avg(%s) does not exist", spec.arg.typ().Name())
		}
		spec.t = types.Float8
		if at := spec.arg.typ(); at.IsInteger() || at.OID == types.OIDNumeric {
			spec.t = types.Numeric
		}
	case "min", "max":
		// The result has no typmod; max(varchar) is max(text).
		spec.t = spec.arg.typ()
		switch spec.t.OID {
		case types.OIDNumeric:
			spec.t = types.Numeric
		case types.OIDVarchar:
			spec.t = types.Text
		}
	default:
		return pgerror.Unsupported("aggregate " + spec.fn)
	}
	return nil
}
