package sql

import (
	"fmt"
	"slices"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

type updatePlan struct {
	scan   *scanPlan
	filter expr
	sets   map[int]expr // column position -> new value
	ret    *returning
	checks []check
	// subqueries: the statement's WHERE, SET or RETURNING has one, which
	// may read the table being written (see streams).
	subqueries bool
}

// mutationSubqueries reports whether a DML statement's WHERE, its
// assignments or its RETURNING list has a subquery.
func (p *planner) mutationSubqueries(where ast.ExprNode, sets []*ast.Assignment) bool {
	nodes := []ast.Node{where}
	for _, a := range sets {
		nodes = append(nodes, a.Expr)
	}
	if p.st != nil {
		for _, f := range p.st.Returning {
			nodes = append(nodes, f)
		}
	}
	v := &nodeFinder{} // check.go's
	for _, n := range nodes {
		if n != nil {
			n.Accept(v)
		}
	}
	return v.subquery
}

func (up *updatePlan) columns() []Column { return up.ret.columns() }

func (p *planner) mutationTarget(refs *ast.TableRefsClause, where ast.ExprNode, multi bool, order *ast.OrderByClause, limit *ast.Limit) (*catalog.Table, *scope, expr, error) {
	if multi {
		return nil, nil, nil, pgerror.Unsupported("multiple-table UPDATE and DELETE")
	}
	if order != nil || limit != nil {
		return nil, nil, nil, pgerror.Unsupported("ORDER BY and LIMIT in UPDATE and DELETE")
	}
	t, alias, err := p.singleTable(refs)
	if err != nil {
		return nil, nil, nil, err
	}
	sc := &scope{table: t, alias: alias}
	var filter expr
	if where != nil {
		if hasAggregates(where) {
			return nil, nil, nil, pgerror.New(pgerror.CodeGroupingError, "aggregate functions are not allowed in WHERE")
		}
		if filter, err = p.compileBool(where, "WHERE", sc); err != nil {
			return nil, nil, nil, err
		}
	}
	return t, sc, filter, nil
}

func (p *planner) planUpdate(n *ast.UpdateStmt) (plan, error) {
	t, sc, filter, err := p.mutationTarget(n.TableRefs, n.Where, n.MultipleTable, n.Order, n.Limit)
	if err != nil {
		return nil, err
	}
	up := &updatePlan{filter: filter, sets: map[int]expr{}, subqueries: p.mutationSubqueries(n.Where, n.List)}
	if up.checks, err = p.compileChecks(t); err != nil {
		return nil, err
	}
	for _, a := range n.List {
		i := t.ColumnIndex(a.Column.Name.O)
		if i < 0 {
			return nil, pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", a.Column.Name.O, t.Name)
		}
		if _, dup := up.sets[i]; dup {
			return nil, pgerror.New(pgerror.CodeDuplicateColumn, "multiple assignments to same column %q", a.Column.Name.O)
		}
		c := &t.Columns[i]
		var x expr
		if _, ok := a.Expr.(*ast.DefaultExpr); ok {
			x, err = p.defaultExpr(c)
		} else if c.Identity == "a" {
			return nil, identityAlways(c, true)
		} else {
			if x, err = p.compile(a.Expr, c.Type, sc); err == nil {
				x, err = assignTo(x, c.Type, c.Name)
			}
		}
		if err != nil {
			return nil, err
		}
		up.sets[i] = x
	}
	up.scan = newScanPlan(t, sc.alias, 0, filter, true)
	if up.ret, err = p.planReturning(t, sc.alias); err != nil {
		return nil, err
	}
	p.finishParams()
	up.ret.finish()
	return up, nil
}

// streams reports whether the update may write each row as the scan reads
// it: it sets no column of the primary key or of an index, so no row
// moves and no index entry changes, and a row written is never read again
// nor in the way of another; and it has no subquery, which would read the
// table with the statement's earlier writes in it, where every row must be
// judged against the table as it was (PostgreSQL's statement snapshot).
func (up *updatePlan) streams() bool {
	if up.subqueries {
		return false
	}
	t := up.scan.table
	for i := range up.sets {
		if t.IsKey(i) {
			return false
		}
		for k := range t.Indexes {
			if slices.Contains(t.Indexes[k].Cols(), i) {
				return false
			}
		}
	}
	return true
}

// execStreamed updates the rows as the scan reads them, a page at a time,
// so that an UPDATE of every row of a large table does not hold them all.
func (up *updatePlan) execStreamed(ec *execCtx, w ResultWriter) error {
	t := up.scan.table
	n := 0
	err := up.scan.each(ec, func(r scannedRow) error {
		if ok, err := passes(ec, up.filter, r.row); err != nil || !ok {
			return err
		}
		nr, err := up.newRow(ec, r.row)
		if err != nil {
			return err
		}
		val, err := t.EncodeValue(nr)
		if err != nil {
			return err
		}
		if err := ec.tx.Put(ec.ctx, r.key, val); err != nil {
			return err
		}
		n++
		return up.ret.add(ec, nr)
	})
	if err != nil {
		return err
	}
	return up.ret.complete(w, fmt.Sprintf("UPDATE %d", n))
}

// newRow returns row with the SET values, which are computed from row,
// checked against the table's constraints.
func (up *updatePlan) newRow(ec *execCtx, row []rowenc.Value) ([]rowenc.Value, error) {
	nr := append([]rowenc.Value(nil), row...)
	for i, e := range up.sets {
		v, err := e.eval(ec, row)
		if err != nil {
			return nil, err
		}
		nr[i] = v
	}
	return nr, checkRow(ec, up.scan.table, up.checks, nr)
}

func (up *updatePlan) exec(ec *execCtx, w ResultWriter) error {
	if up.streams() {
		return up.execStreamed(ec, w)
	}
	t := up.scan.table
	rows, err := up.scan.rows(ec)
	if err != nil {
		return err
	}
	if rows, err = filterRows(ec, rows, up.filter); err != nil {
		return err
	}
	// Compute every new row before writing any (no Halloween problem).
	type change struct {
		oldKey []byte
		old    []rowenc.Value
		row    []rowenc.Value
		moved  bool
	}
	changes := make([]change, len(rows))
	for k, r := range rows {
		nr, err := up.newRow(ec, r.row)
		if err != nil {
			return err
		}
		changes[k] = change{oldKey: r.key, old: r.row, row: nr, moved: string(t.EncodeKey(nr)) != string(r.key)}
	}
	// Rows whose key changes are deleted first, then inserted, so that
	// keys may swap among the updated rows; index entries likewise.
	for _, c := range changes {
		if err := delIndexEntries(ec, t, c.old, c.row); err != nil {
			return err
		}
	}
	for _, c := range changes {
		if c.moved {
			if err := ec.tx.Delete(ec.ctx, c.oldKey); err != nil {
				return err
			}
		}
	}
	for _, c := range changes {
		if c.moved {
			if err := insertRow(ec, t, up.checks, c.row); err != nil {
				return err
			}
			continue
		}
		val, err := t.EncodeValue(c.row)
		if err != nil {
			return err
		}
		if err := ec.tx.Put(ec.ctx, c.oldKey, val); err != nil {
			return err
		}
		if err := putIndexEntries(ec, t, c.row, c.old); err != nil {
			return err
		}
	}
	for _, c := range changes {
		if err := up.ret.add(ec, c.row); err != nil {
			return err
		}
	}
	return up.ret.complete(w, fmt.Sprintf("UPDATE %d", len(rows)))
}

func (up *updatePlan) explain() []string {
	lines := []string{"update " + up.scan.table.Name}
	if up.filter != nil {
		lines = append(lines, "filter")
	}
	return append(lines, up.scan.describe())
}

type deletePlan struct {
	scan   *scanPlan
	filter expr
	ret    *returning
	// subqueries: see updatePlan.subqueries.
	subqueries bool
}

func (dp *deletePlan) columns() []Column { return dp.ret.columns() }

func (p *planner) planDelete(n *ast.DeleteStmt) (plan, error) {
	t, sc, filter, err := p.mutationTarget(n.TableRefs, n.Where, n.IsMultiTable, n.Order, n.Limit)
	if err != nil {
		return nil, err
	}
	ret, err := p.planReturning(t, sc.alias)
	if err != nil {
		return nil, err
	}
	p.finishParams()
	ret.finish()
	return &deletePlan{scan: newScanPlan(t, sc.alias, 0, filter, true), filter: filter, ret: ret,
		subqueries: p.mutationSubqueries(n.Where, nil)}, nil
}

// exec deletes the rows as the scan reads them, a page at a time: a row
// deleted is behind the scan and never read again. With a subquery, which
// must not see the statement's own deletes, every row is read and judged
// first.
func (dp *deletePlan) exec(ec *execCtx, w ResultWriter) error {
	if dp.subqueries {
		return dp.execMaterialized(ec, w)
	}
	n := 0
	err := dp.scan.each(ec, func(r scannedRow) error {
		if ok, err := passes(ec, dp.filter, r.row); err != nil || !ok {
			return err
		}
		if err := ec.tx.Delete(ec.ctx, r.key); err != nil {
			return err
		}
		if err := delIndexEntries(ec, dp.scan.table, r.row, nil); err != nil {
			return err
		}
		n++
		return dp.ret.add(ec, r.row)
	})
	if err != nil {
		return err
	}
	return dp.ret.complete(w, fmt.Sprintf("DELETE %d", n))
}

func (dp *deletePlan) execMaterialized(ec *execCtx, w ResultWriter) error {
	rows, err := dp.scan.rows(ec)
	if err != nil {
		return err
	}
	if rows, err = filterRows(ec, rows, dp.filter); err != nil {
		return err
	}
	for _, r := range rows {
		if err := ec.tx.Delete(ec.ctx, r.key); err != nil {
			return err
		}
		if err := delIndexEntries(ec, dp.scan.table, r.row, nil); err != nil {
			return err
		}
		if err := dp.ret.add(ec, r.row); err != nil {
			return err
		}
	}
	return dp.ret.complete(w, fmt.Sprintf("DELETE %d", len(rows)))
}

func (dp *deletePlan) explain() []string {
	lines := []string{"delete from " + dp.scan.table.Name}
	if dp.filter != nil {
		lines = append(lines, "filter")
	}
	return append(lines, dp.scan.describe())
}
