package sql

import (
	"fmt"
	"sort"
	"strings"

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

type orderItem struct {
	outIdx int  // >= 0: sort on this output column
	e      expr // otherwise on this expression of the input row
	desc   bool
	// nullsFirst puts NULLs before every value (default: only for DESC).
	nullsFirst bool
}

type selectPlan struct {
	distinct      bool
	scan          *scanPlan // one table; nil without FROM or with joins
	join          *joinPlan // several tables
	filter        expr
	aggs          *aggList
	wins          *winList // window functions, computed after grouping
	proj          []expr
	cols          []Column
	order         []orderItem
	limit, offset expr
}

func (sp *selectPlan) columns() []Column { return sp.cols }

func (p *planner) planSelect(n *ast.SelectStmt) (plan, error) {
	switch {
	case n.Kind != ast.SelectStmtKindSelect:
		return nil, pgerror.Unsupported("VALUES and TABLE statements")
	case len(n.WindowSpecs) > 0:
		return nil, pgerror.Unsupported("named windows (WINDOW clause)")
	case n.SelectIntoOpt != nil:
		return nil, pgerror.Unsupported("SELECT INTO")
	}
	restore, err := p.withScope(n.With)
	if err != nil {
		return nil, err
	}
	defer restore()
	steps, err := p.fromSteps(n.From)
	if err != nil {
		return nil, err
	}
	sp := &selectPlan{distinct: n.Distinct}
	sc := &scope{}
	var t *catalog.Table
	var alias string
	switch len(steps) {
	case 0:
	case 1:
		if steps[0].sub == nil {
			t, alias = steps[0].st.table, steps[0].st.alias
			sc.table, sc.alias = t, alias
			break
		}
		fallthrough // a subquery in FROM runs as a one-step join
	default:
		for _, s := range steps {
			sc.joined = append(sc.joined, s.st)
		}
	}
	var starOrder []int // with USING joins: the positions * lists
	if len(steps) > 1 {
		var merged []mergedCol
		if merged, starOrder = mergedColumns(steps); len(merged) == 0 {
			starOrder = nil
		}
		sc.merged = merged
	}
	if n.Where != nil {
		if hasAggregates(n.Where) {
			return nil, pgerror.New(pgerror.CodeGroupingError, "aggregate functions are not allowed in WHERE")
		}
		if sp.filter, err = p.compileBool(n.Where, "WHERE", sc); err != nil {
			return nil, err
		}
	}
	forUpdate := false
	if n.LockInfo != nil && n.LockInfo.LockType != ast.SelectLockNone {
		if n.LockInfo.LockType != ast.SelectLockForUpdate && n.LockInfo.LockType != ast.SelectLockForShare {
			return nil, pgerror.Unsupported("this locking clause")
		}
		forUpdate = n.LockInfo.LockType == ast.SelectLockForUpdate
		if len(steps) == 0 {
			return nil, pgerror.New(pgerror.CodeFeatureNotSupported, "FOR UPDATE must specify unqualified relation names")
		}
	}
	if t != nil {
		sp.scan = newScanPlan(t, alias, 0, sp.filter, forUpdate)
		sp.scan.coverOnly(selectColumns(n))
	} else if len(steps) > 0 {
		if sp.join, err = p.planJoin(steps, sp.filter, forUpdate); err != nil {
			return nil, err
		}
	}
	var orderNodes []ast.Node
	if n.OrderBy != nil {
		for _, it := range n.OrderBy.Items {
			orderNodes = append(orderNodes, it.Expr)
		}
	}
	fieldNodes := []ast.Node{}
	for _, f := range n.Fields.Fields {
		if f.Expr != nil {
			fieldNodes = append(fieldNodes, f.Expr)
		}
	}
	if n.GroupBy != nil || n.Having != nil || hasAggregates(append(fieldNodes, orderNodes...)...) {
		sp.aggs = &aggList{}
		if n.GroupBy != nil {
			if err = p.groupBy(n, sc, sp.aggs); err != nil {
				return nil, err
			}
		}
		sc.aggs = sp.aggs
		if n.Having != nil {
			if sp.aggs.having, err = p.compileBool(n.Having.Expr, "HAVING", sc); err != nil {
				return nil, err
			}
		}
	}
	// Window functions may appear in the select list and ORDER BY.
	sp.wins = &winList{}
	sc.wins = sp.wins
	// The select list.
	for _, f := range n.Fields.Fields {
		if f.WildCard != nil {
			if len(steps) == 0 {
				return nil, pgerror.New(pgerror.CodeSyntaxError, "SELECT * with no tables specified is not valid")
			}
			known := false
			if f.WildCard.Table.O == "" && starOrder != nil {
				if sp.aggs != nil {
					return nil, pgerror.New(pgerror.CodeGroupingError, "SELECT * is not allowed with GROUP BY here")
				}
				for _, pos := range starOrder {
					k, i, _ := (&scope{joined: sc.joined, merged: []mergedCol{{pos: pos}}}).mergedRef("")
					st := sc.joined[k]
					c := st.table.Columns[i]
					sp.proj = append(sp.proj, &colExpr{idx: pos, t: c.Type, name: c.Name})
					sp.cols = append(sp.cols, Column{Name: c.Name, TableOID: uint32(st.table.ID), ColumnNum: int16(i + 1)})
				}
				continue
			}
			for _, st := range sc.tables() {
				if f.WildCard.Table.O != "" && f.WildCard.Table.O != st.alias {
					continue
				}
				known = true
				if sp.aggs != nil {
					return nil, pgerror.New(pgerror.CodeGroupingError, "column %q must appear in the GROUP BY clause or be used in an aggregate function", st.alias+"."+st.table.Columns[0].Name)
				}
				for i, c := range st.table.Columns {
					if c.Hidden {
						continue
					}
					sp.proj = append(sp.proj, &colExpr{idx: st.off + i, t: c.Type, name: c.Name})
					sp.cols = append(sp.cols, Column{Name: c.Name, TableOID: uint32(st.table.ID), ColumnNum: int16(i + 1)})
				}
			}
			if !known {
				return nil, pgerror.New(pgerror.CodeUndefinedTable, "missing FROM-clause entry for table %q", f.WildCard.Table.O)
			}
			continue
		}
		x, err := p.compile(f.Expr, types.Unknown, sc)
		if err != nil {
			return nil, err
		}
		if c, ok := x.(*constExpr); ok && c.t.OID == types.OIDUnknown {
			x = &constExpr{t: types.Text, v: c.v}
		}
		col := Column{Name: outputName(f)}
		if ce, ok := x.(*colExpr); ok {
			col.TableOID, col.ColumnNum = ce.tid, ce.num
		}
		sp.proj = append(sp.proj, x)
		sp.cols = append(sp.cols, col)
	}
	// ORDER BY: an output column by position or name, else an expression.
	if n.OrderBy != nil {
		for _, it := range n.OrderBy.Items {
			oi := orderItem{outIdx: -1, desc: it.Desc, nullsFirst: it.Desc}
			if f, ok := it.Expr.(*ast.FuncCallExpr); ok && f.FnName.L == front.NullsFunc && len(f.Args) == 2 {
				it = &ast.ByItem{Expr: f.Args[0], Desc: it.Desc}
				if v, ok := f.Args[1].(*test_driver.ValueExpr); ok {
					oi.nullsFirst = v.GetString() == "first"
				}
				if v, ok := it.Expr.(*test_driver.ValueExpr); ok && v.Kind() == test_driver.KindInt64 {
					it.Expr = &ast.PositionExpr{N: int(v.GetInt64())}
				}
			}
			if pos, ok := it.Expr.(*ast.PositionExpr); ok {
				k := pos.N
				if pos.P != nil {
					return nil, pgerror.Unsupported("parameters in ORDER BY positions")
				}
				if k < 1 || k > len(sp.proj) {
					return nil, pgerror.New("42P10", "ORDER BY position %d is not in select list", k)
				}
				oi.outIdx = k - 1
			} else if cn, ok := it.Expr.(*ast.ColumnNameExpr); ok && cn.Name.Table.O == "" && outputMatch(sp.cols, n.Fields.Fields, cn.Name.Name.O) != -1 {
				oi.outIdx = outputMatch(sp.cols, n.Fields.Fields, cn.Name.Name.O)
				if oi.outIdx == -2 {
					return nil, pgerror.New(pgerror.CodeAmbiguousColumn, "ORDER BY %q is ambiguous", cn.Name.Name.O)
				}
			} else {
				x, err := p.compile(it.Expr, types.Unknown, sc)
				if err != nil {
					return nil, err
				}
				oi.e = x
				// An expression that is also a select-list item sorts on it.
				if ce, ok := x.(*colExpr); ok {
					for j, pe := range sp.proj {
						if pc, ok := pe.(*colExpr); ok && pc.idx == ce.idx {
							oi.outIdx, oi.e = j, nil
							break
						}
					}
				}
				if oi.e != nil && sp.distinct {
					return nil, pgerror.New("42P10", "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
				}
			}
			sp.order = append(sp.order, oi)
		}
	}
	if n.Limit != nil {
		nsc := &scope{noCols: "LIMIT"}
		if n.Limit.Count != nil {
			if sp.limit, err = p.compileInt(n.Limit.Count, "LIMIT", nsc); err != nil {
				return nil, err
			}
		}
		if n.Limit.Offset != nil {
			if sp.offset, err = p.compileInt(n.Limit.Offset, "OFFSET", nsc); err != nil {
				return nil, err
			}
		}
	}
	p.finishParams()
	for i := range sp.cols {
		sp.cols[i].Type = sp.proj[i].typ()
	}
	return sp, nil
}

func (p *planner) compileInt(e ast.ExprNode, what string, sc *scope) (expr, error) {
	x, err := p.compile(e, types.Int8, sc)
	if err != nil {
		return nil, err
	}
	if !x.typ().IsInteger() {
		return nil, pgerror.New(pgerror.CodeDatatypeMismatch, "argument of %s must be type bigint, not type %s", what, x.typ().Name())
	}
	return x, nil
}

// outputMatch finds the output column an ORDER BY name means, as
// PostgreSQL's SQL92 rule does: the one output column of that name
// (explicit or implicit); -2 when several differently computed ones have
// it; -1 for none.
func outputMatch(cols []Column, fields []*ast.SelectField, name string) int {
	for _, f := range fields {
		if f.WildCard != nil {
			// Output columns do not line up with fields: aliases only.
			return outputIndex(cols, fields, name)
		}
	}
	found := -1
	var text string
	for i, c := range cols {
		if c.Name != name {
			continue
		}
		t := restoreExpr(fields[i].Expr)
		if found == -1 {
			found, text = i, t
		} else if t != text {
			return -2
		}
	}
	return found
}

// outputIndex finds an output column by alias or name.
func outputIndex(cols []Column, fields []*ast.SelectField, name string) int {
	for i, f := range fields {
		if f.WildCard == nil && f.AsName.O == name {
			return i
		}
	}
	return -1
}

// outputName is the column name PostgreSQL gives a select-list item.
func outputName(f *ast.SelectField) string {
	if f.AsName.O != "" {
		return f.AsName.O
	}
	if b, ok := f.Expr.(*ast.BinaryOperationExpr); ok && b.Op == opcode.Mod &&
		strings.HasPrefix(strings.ToLower(f.Text()), "mod") {
		return "mod" // mod(a, b), which the parser reads as a % b
	}
	return exprName(f.Expr)
}

func exprName(e ast.ExprNode) string {
	switch e := e.(type) {
	case *ast.ColumnNameExpr:
		return e.Name.Name.O
	case *ast.ParenthesesExpr:
		return exprName(e.Expr)
	case *ast.FuncCallExpr:
		switch e.FnName.L {
		case front.CastFunc:
			// As PostgreSQL's FigureColname: a column's or function's name
			// wins over the type's, another cast's does not.
			if strongName(e.Args[0]) {
				return exprName(e.Args[0])
			}
			if t, ok := castTarget(e.Args[1]); ok {
				return shortTypeName(t)
			}
		case "concat":
			return "?column?"
		case front.ConcatFunc:
			return "concat"
		case front.JSONGetFunc, front.JSONGetTextFunc:
			return "?column?"
		case "trim":
			if len(e.Args) == 3 {
				if d, ok := e.Args[2].(*ast.TrimDirectionExpr); ok {
					switch d.Direction {
					case ast.TrimLeading:
						return "ltrim"
					case ast.TrimTrailing:
						return "rtrim"
					}
				}
			}
			return "btrim"
		}
		return front.UnprefixSeqFunc(e.FnName.L)
	case *ast.AggregateFuncExpr:
		return e.F
	case *ast.WindowFuncExpr:
		return strings.ToLower(e.Name)
	case *ast.CaseExpr:
		// As FigureColname: the ELSE branch's name when it is a column's
		// or a function's.
		if e.ElseClause != nil && strongName(e.ElseClause) {
			return exprName(e.ElseClause)
		}
		return "case"
	case *ast.SubqueryExpr:
		// A scalar subquery is named by its one column.
		if sel, ok := e.Query.(*ast.SelectStmt); ok && sel.Fields != nil && len(sel.Fields.Fields) == 1 {
			return outputName(sel.Fields.Fields[0])
		}
	case *ast.ExistsSubqueryExpr:
		return "exists"
	case *test_driver.ValueExpr:
		if e.Kind() == test_driver.KindInt64 && e.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			return "bool"
		}
	}
	return "?column?"
}

// strongName reports whether exprName gives e a name of its own (a
// column's or a function's) rather than a fallback: FigureColname's
// strength 2.
func strongName(e ast.ExprNode) bool {
	switch e := stripParens(e).(type) {
	case *ast.ColumnNameExpr, *ast.AggregateFuncExpr:
		return true
	case *ast.FuncCallExpr:
		if e.FnName.L == front.CastFunc {
			return len(e.Args) > 0 && strongName(e.Args[0])
		}
		return exprName(e) != "?column?"
	case *ast.CaseExpr:
		return e.ElseClause != nil && strongName(e.ElseClause)
	}
	return false
}

func shortTypeName(t types.T) string {
	switch t.OID {
	case types.OIDBool:
		return "bool"
	case types.OIDInt2:
		return "int2"
	case types.OIDInt4:
		return "int4"
	case types.OIDInt8:
		return "int8"
	case types.OIDFloat4:
		return "float4"
	case types.OIDFloat8:
		return "float8"
	case types.OIDVarchar:
		return "varchar"
	case types.OIDBpchar:
		return "bpchar"
	case types.OIDNumeric:
		return "numeric"
	case types.OIDDate:
		return "date"
	case types.OIDJSON:
		return "json"
	case types.OIDJSONB:
		return "jsonb"
	case types.OIDTimestamptz:
		return "timestamptz"
	case types.OIDTimestamp:
		return "timestamp"
	}
	return t.Name()
}

// streamed reports whether exec reads its one table a page at a time
// (scanPlan.each) instead of all at once: when each row is done with once
// it is aggregated, or written out in table order. EXPLAIN ANALYZE keeps
// the staged path, which times each stage.
func (sp *selectPlan) streamed(ec *execCtx) bool {
	return ec.analyze == nil && sp.scan != nil && sp.join == nil && len(sp.wins.funcs) == 0 &&
		(sp.aggs != nil || (!sp.distinct && len(sp.order) == 0))
}

// passes reports whether row satisfies filter (nil: every row does).
func passes(ec *execCtx, filter expr, row []rowenc.Value) (bool, error) {
	if filter == nil {
		return true, nil
	}
	v, err := filter.eval(ec, row)
	return err == nil && !v.IsNull() && v.Bool(), err
}

// execStreamed is exec without aggregates, ordering or DISTINCT: rows are
// filtered, projected and written as the scan reads them, and the scan
// stops at the LIMIT.
func (sp *selectPlan) execStreamed(ec *execCtx, w ResultWriter) error {
	offset, limit, err := sp.bounds(ec)
	if err != nil {
		return err
	}
	if err := w.Columns(sp.cols); err != nil {
		return err
	}
	n := int64(0)
	if limit != 0 {
		err = sp.scan.each(ec, func(r scannedRow) error {
			if ok, err := passes(ec, sp.filter, r.row); err != nil || !ok {
				return err
			}
			out := make([]rowenc.Value, len(sp.proj))
			for i, e := range sp.proj {
				v, err := e.eval(ec, r.row)
				if err != nil {
					return err
				}
				out[i] = v
			}
			// As in PostgreSQL, rows OFFSET skips are computed (and may
			// fail); rows past the LIMIT are not.
			if offset > 0 {
				offset--
				return nil
			}
			if err := w.Row(out); err != nil {
				return err
			}
			if n++; n == limit {
				return errStopScan
			}
			return nil
		})
	}
	if err != nil {
		return err
	}
	return w.Complete(fmt.Sprintf("SELECT %d", n))
}

// bounds evaluates OFFSET and LIMIT: limit is -1 without one.
func (sp *selectPlan) bounds(ec *execCtx) (offset, limit int64, err error) {
	limit = -1
	if sp.offset != nil {
		v, err := sp.offset.eval(ec, nil)
		if err != nil {
			return 0, 0, err
		}
		if !v.IsNull() {
			if v.I < 0 {
				return 0, 0, pgerror.New("2201X", "OFFSET must not be negative")
			}
			offset = v.I
		}
	}
	if sp.limit != nil {
		v, err := sp.limit.eval(ec, nil)
		if err != nil {
			return 0, 0, err
		}
		if !v.IsNull() {
			if v.I < 0 {
				return 0, 0, pgerror.New("2201W", "LIMIT must not be negative")
			}
			limit = v.I
		}
	}
	return offset, limit, nil
}

func (sp *selectPlan) exec(ec *execCtx, w ResultWriter) error {
	streamed := sp.streamed(ec)
	if streamed && sp.aggs == nil {
		return sp.execStreamed(ec, w)
	}
	var rows []scannedRow
	t0 := ec.stageStart()
	if streamed {
		// Aggregated as read: the rows are not kept, only each group's
		// running state.
		g := sp.aggs.newGrouper()
		err := sp.scan.each(ec, func(r scannedRow) error {
			if ok, err := passes(ec, sp.filter, r.row); err != nil || !ok {
				return err
			}
			return g.add(ec, r)
		})
		if err != nil {
			return err
		}
		if rows, err = g.results(ec); err != nil {
			return err
		}
	} else if sp.join != nil {
		var err error
		if rows, err = sp.join.rows(ec); err != nil {
			return err
		}
		t0 = ec.stageStart()
		if rows, err = filterRows(ec, rows, sp.filter); err != nil {
			return err
		}
		t0 = ec.stage("filter", len(rows), t0)
	} else if sp.scan != nil {
		var err error
		if rows, err = sp.scan.rows(ec); err != nil {
			return err
		}
		t0 = ec.stage("scan", len(rows), t0)
		if rows, err = filterRows(ec, rows, sp.filter); err != nil {
			return err
		}
		t0 = ec.stage("filter", len(rows), t0)
	} else {
		rows = []scannedRow{{}}
		t0 = ec.stage("scan", 1, t0)
		if sp.filter != nil {
			var err error
			if rows, err = filterRows(ec, rows, sp.filter); err != nil {
				return err
			}
			t0 = ec.stage("filter", len(rows), t0)
		}
	}
	if sp.aggs != nil && !streamed {
		var err error
		if rows, err = sp.aggs.groups(ec, rows); err != nil {
			return err
		}
		t0 = ec.stage("group", len(rows), t0)
	}
	if len(sp.wins.funcs) > 0 {
		var err error
		if rows, err = sp.wins.compute(ec, rows); err != nil {
			return err
		}
		t0 = ec.stage("window", len(rows), t0)
	}
	type outRow struct {
		in   []rowenc.Value
		out  []rowenc.Value
		keys []rowenc.Value
	}
	out := make([]outRow, 0, len(rows))
	for _, r := range rows {
		o := outRow{in: r.row, out: make([]rowenc.Value, len(sp.proj))}
		for i, e := range sp.proj {
			v, err := e.eval(ec, r.row)
			if err != nil {
				return err
			}
			o.out[i] = v
		}
		for _, it := range sp.order {
			if it.outIdx >= 0 {
				o.keys = append(o.keys, o.out[it.outIdx])
				continue
			}
			v, err := it.e.eval(ec, r.row)
			if err != nil {
				return err
			}
			o.keys = append(o.keys, v)
		}
		out = append(out, o)
	}
	if sp.distinct {
		seen := map[string]bool{}
		kept := out[:0]
		for _, o := range out {
			var k []byte
			for _, v := range o.out {
				k = rowenc.AppendKey(k, v, rowenc.Ascending)
			}
			if !seen[string(k)] {
				seen[string(k)] = true
				kept = append(kept, o)
			}
		}
		out = kept
		t0 = ec.stage("distinct", len(out), t0)
	}
	if len(sp.order) > 0 {
		sort.SliceStable(out, func(i, j int) bool {
			for k, it := range sp.order {
				a, b := out[i].keys[k], out[j].keys[k]
				var c int
				switch {
				case a.IsNull() && b.IsNull():
				case a.IsNull() != b.IsNull():
					c = 1
					if a.IsNull() == it.nullsFirst {
						c = -1
					}
				default:
					c = compareValues(a, b)
					if it.desc {
						c = -c
					}
				}
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
	}
	if len(sp.order) > 0 {
		t0 = ec.stage("sort", len(out), t0)
	}
	offset, limit, err := sp.bounds(ec)
	if err != nil {
		return err
	}
	lo, hi := int(min(offset, int64(len(out)))), len(out)
	if limit >= 0 {
		hi = lo + int(min(limit, int64(len(out)-lo)))
	}
	ec.stage("limit", hi-lo, t0)
	if err := w.Columns(sp.cols); err != nil {
		return err
	}
	for _, o := range out[lo:hi] {
		if err := w.Row(o.out); err != nil {
			return err
		}
	}
	return w.Complete(fmt.Sprintf("SELECT %d", hi-lo))
}

func (sp *selectPlan) explain() []string {
	var lines []string
	if sp.limit != nil || sp.offset != nil {
		lines = append(lines, "limit")
	}
	if len(sp.order) > 0 {
		lines = append(lines, "sort")
	}
	if sp.distinct {
		lines = append(lines, "distinct")
	}
	if sp.wins != nil && len(sp.wins.funcs) > 0 {
		lines = append(lines, "window")
	}
	if sp.aggs != nil && len(sp.aggs.groupCols) > 0 {
		lines = append(lines, "group")
	} else if sp.aggs != nil {
		lines = append(lines, "aggregate")
	}
	if sp.filter != nil {
		lines = append(lines, "filter")
	}
	if sp.join != nil {
		lines = append(lines, sp.join.explain()...)
	} else if sp.scan != nil {
		lines = append(lines, sp.scan.describe())
	} else {
		lines = append(lines, "values (one row)")
	}
	return lines
}

func indent(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == 0 {
			out[i] = l
			continue
		}
		pad := ""
		for j := 1; j < i; j++ {
			pad += "      "
		}
		out[i] = pad + "  └── " + l
	}
	return out
}
