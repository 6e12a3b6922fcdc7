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

// groups aggregates rows into one row per group: the group's values, then
// the aggregates' results (see grouper).
func (a *aggList) groups(ec *execCtx, rows []scannedRow) ([]scannedRow, error) {
	g := a.newGrouper()
	for _, r := range rows {
		if err := g.add(ec, r); err != nil {
			return nil, err
		}
	}
	return g.results(ec)
}

// grouper aggregates rows fed one at a time, keeping per group its first
// row and the aggregates' running state, not the rows: a scan streamed
// into it aggregates a table of any size in memory that grows with the
// number of groups (and the distinct values of DISTINCT aggregates).
type grouper struct {
	a      *aggList
	order  []string // group keys in order of first appearance
	groups map[string]*group
}

type group struct {
	first []rowenc.Value // the group's first row, for the group values
	accs  []aggAcc
}

func (a *aggList) newGrouper() *grouper {
	return &grouper{a: a, groups: map[string]*group{}}
}

func (g *grouper) add(ec *execCtx, r scannedRow) error {
	var k []byte
	for _, e := range g.a.groupExprs {
		v, err := e.eval(ec, r.row)
		if err != nil {
			return err
		}
		k = rowenc.AppendKey(k, v, rowenc.Ascending)
	}
	grp := g.groups[string(k)]
	if grp == nil {
		grp = g.newGroup(string(k), r.row)
	}
	for i := range grp.accs {
		if err := grp.accs[i].add(ec, r.row); err != nil {
			return err
		}
	}
	return nil
}

func (g *grouper) newGroup(key string, first []rowenc.Value) *group {
	grp := &group{first: first, accs: g.a.newAccs()}
	g.groups[key] = grp
	g.order = append(g.order, key)
	return grp
}

func (a *aggList) newAccs() []aggAcc {
	accs := make([]aggAcc, len(a.specs))
	for i := range accs {
		accs[i].spec = a.specs[i]
	}
	return accs
}

// run aggregates the rows of one group into the aggregates' results.
func (a *aggList) run(ec *execCtx, rows []scannedRow) ([]rowenc.Value, error) {
	accs := a.newAccs()
	for _, r := range rows {
		for i := range accs {
			if err := accs[i].add(ec, r.row); err != nil {
				return nil, err
			}
		}
	}
	out := make([]rowenc.Value, len(accs))
	for i := range accs {
		var err error
		if out[i], err = accs[i].result(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// results returns a row per group (without GROUP BY, one even for no rows)
// that passes HAVING.
func (g *grouper) results(ec *execCtx) ([]scannedRow, error) {
	a := g.a
	if len(a.groupCols) == 0 && len(g.order) == 0 {
		g.newGroup("", nil)
	}
	var out []scannedRow
	for _, k := range g.order {
		grp := g.groups[k]
		row := make([]rowenc.Value, 0, len(a.groupCols)+len(a.specs))
		for _, ge := range a.groupExprs {
			v, err := ge.eval(ec, grp.first)
			if err != nil {
				return nil, err
			}
			row = append(row, v)
		}
		for i := range grp.accs {
			v, err := grp.accs[i].result()
			if err != nil {
				return nil, err
			}
			row = append(row, v)
		}
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

// aggAcc is the running state of one aggregate over one group's rows.
type aggAcc struct {
	spec  *aggSpec
	count int64
	isum  int64
	fsum  float64
	dsum  apd.Decimal
	best  rowenc.Value
	seen  map[string]bool // DISTINCT: the argument values seen
}

func (acc *aggAcc) add(ec *execCtx, row []rowenc.Value) error {
	s := acc.spec
	var v rowenc.Value
	if s.arg != nil {
		var err error
		if v, err = s.arg.eval(ec, row); err != nil {
			return err
		}
		if v.IsNull() {
			return nil
		}
		if s.distinct {
			k := string(rowenc.AppendKey(nil, v, rowenc.Ascending))
			if acc.seen[k] {
				return nil
			}
			if acc.seen == nil {
				acc.seen = map[string]bool{}
			}
			acc.seen[k] = true
		}
	}
	acc.count++
	switch s.fn {
	case "sum", "avg":
		if s.t.OID == types.OIDNumeric {
			d, err := toDecimal(v)
			if err != nil {
				return err
			}
			if _, err := dctx.Add(&acc.dsum, &acc.dsum, d); err != nil {
				return pgerror.New(pgerror.CodeNumericValueOutOfRange, "value overflows numeric format")
			}
		} else if v.Kind == rowenc.KindInt && s.fn == "sum" {
			n := acc.isum + v.I
			if (acc.isum > 0 && v.I > 0 && n < 0) || (acc.isum < 0 && v.I < 0 && n >= 0) {
				return outOfRange(types.Int8)
			}
			acc.isum = n
		} else {
			acc.fsum += toFloat(v)
		}
	// On ties the later value wins, as PostgreSQL's float8smaller,
	// numeric_smaller, ... keep it (visible for -0 and 0, 1.0
	// and 1.00).
	case "min":
		if acc.best.IsNull() || compareValues(v, acc.best) <= 0 {
			acc.best = v
		}
	case "max":
		if acc.best.IsNull() || compareValues(v, acc.best) >= 0 {
			acc.best = v
		}
	}
	return nil
}

func (acc *aggAcc) result() (rowenc.Value, error) {
	s := acc.spec
	switch s.fn {
	case "count":
		return rowenc.Int(acc.count), nil
	case "sum":
		if acc.count == 0 {
			return rowenc.Value{}, nil
		}
		if s.t.OID == types.OIDNumeric {
			return decimalResult(&acc.dsum)
		}
		if s.t.IsInteger() {
			return rowenc.Int(acc.isum), nil
		}
		return rowenc.Float(acc.fsum), nil
	case "avg":
		if acc.count > 0 && s.t.OID == types.OIDNumeric {
			return decimalDiv(&acc.dsum, apd.New(acc.count, 0))
		}
		if acc.count > 0 {
			return rowenc.Float(acc.fsum / float64(acc.count)), nil
		}
		return rowenc.Value{}, nil
	}
	return acc.best, nil
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
