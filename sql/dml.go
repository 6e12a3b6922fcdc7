package sql

import (
	"errors"
	"fmt"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// defaultExpr compiles column c's DEFAULT (NULL when it has none).
func (p *planner) defaultExpr(c *catalog.Column) (expr, error) {
	if c.Default == "" {
		return &constExpr{t: c.Type, v: rowenc.Null()}, nil
	}
	e, err := parseDefault(p.s.parser, c.Default)
	if err != nil {
		return nil, err
	}
	x, err := p.compile(e, c.Type, &scope{noCols: "DEFAULT expression"})
	if err != nil {
		return nil, err
	}
	return assignTo(x, c.Type, c.Name)
}

// parseDefault parses a stored DEFAULT expression.
func parseDefault(parser *front.Parser, text string) (ast.ExprNode, error) {
	ps, err := parser.ParseTranslated("select " + text)
	if err != nil {
		return nil, err
	}
	return ps.AST.(*ast.SelectStmt).Fields.Fields[0].Expr, nil
}

type insertPlan struct {
	table *catalog.Table
	rows  [][]expr // per row, per table column
	// For INSERT ... SELECT: the query, and per table column the expression
	// over a row of its results (nil: no value).
	src    *selectPlan
	srcRow []expr
	ret    *returning
	// conflict is ON CONFLICT, or nil.
	conflict *conflictPlan
}

func (ip *insertPlan) columns() []Column { return ip.ret.columns() }

func (p *planner) planInsert(n *ast.InsertStmt) (plan, error) {
	switch {
	case n.IsReplace:
		return nil, pgerror.Unsupported("REPLACE")
	case n.IgnoreErr:
		return nil, pgerror.Unsupported("INSERT IGNORE")
	case n.OnDuplicate != nil:
		return nil, pgerror.Unsupported("ON DUPLICATE KEY UPDATE")
	case n.Setlist:
		return nil, pgerror.Unsupported("INSERT ... SET")
	}
	t, _, err := p.singleTable(n.Table)
	if err != nil {
		return nil, err
	}
	// Target columns.
	var targets []int
	if len(n.Columns) == 0 {
		for i, c := range t.Columns {
			if !c.Hidden {
				targets = append(targets, i)
			}
		}
	} else {
		seen := map[int]bool{}
		for _, cn := range n.Columns {
			i := t.ColumnIndex(cn.Name.O)
			if i < 0 {
				return nil, pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", cn.Name.O, t.Name)
			}
			if seen[i] {
				return nil, pgerror.New(pgerror.CodeDuplicateColumn, "column %q specified more than once", cn.Name.O)
			}
			seen[i] = true
			targets = append(targets, i)
		}
	}
	ip := &insertPlan{table: t}
	sc := &scope{noCols: "VALUES"}
	if oc := p.st.OnConflict; oc != nil {
		if ip.conflict, err = p.planConflict(t, oc); err != nil {
			return nil, err
		}
	}
	if n.Select != nil {
		if err := p.planInsertSelect(ip, n.Select, targets); err != nil {
			return nil, err
		}
		if ip.ret, err = p.planReturning(t, t.Name); err != nil {
			return nil, err
		}
		p.finishParams()
		ip.ret.finish()
		return ip, nil
	}
	defaults := make([]expr, len(t.Columns))
	getDefault := func(i int) (expr, error) {
		if defaults[i] == nil {
			d, err := p.defaultExpr(&t.Columns[i])
			if err != nil {
				return nil, err
			}
			defaults[i] = d
		}
		return defaults[i], nil
	}
	for _, list := range n.Lists {
		if len(list) > len(targets) {
			return nil, pgerror.New(pgerror.CodeSyntaxError, "INSERT has more expressions than target columns")
		}
		if len(list) < len(targets) && len(n.Columns) > 0 {
			return nil, pgerror.New(pgerror.CodeSyntaxError, "INSERT has more target columns than expressions")
		}
		row := make([]expr, len(t.Columns))
		for j, e := range list {
			i := targets[j]
			c := &t.Columns[i]
			if _, ok := e.(*ast.DefaultExpr); ok {
				d, err := getDefault(i)
				if err != nil {
					return nil, err
				}
				row[i] = d
				continue
			}
			x, err := p.compile(e, c.Type, sc)
			if err != nil {
				return nil, err
			}
			if row[i], err = assignTo(x, c.Type, c.Name); err != nil {
				return nil, err
			}
		}
		for i := range row {
			if row[i] == nil && !(t.Columns[i].Hidden && t.Columns[i].Name == catalog.RowIDColumn) {
				d, err := getDefault(i)
				if err != nil {
					return nil, err
				}
				row[i] = d
			}
		}
		ip.rows = append(ip.rows, row)
	}
	if ip.ret, err = p.planReturning(t, t.Name); err != nil {
		return nil, err
	}
	p.finishParams()
	ip.ret.finish()
	return ip, nil
}

// checkRow enforces NOT NULL.
func checkRow(t *catalog.Table, row []rowenc.Value) error {
	for i, c := range t.Columns {
		if row[i].IsNull() && (c.NotNull || t.IsKey(i)) {
			return pgerror.New(pgerror.CodeNotNullViolation, "null value in column %q of relation %q violates not-null constraint", c.Name, t.Name)
		}
	}
	return nil
}

// insertRow writes a new row, or fails with 23505 on a duplicate key.
func insertRow(ec *execCtx, t *catalog.Table, row []rowenc.Value) error {
	for attempt := 0; ; attempt++ {
		if rid := t.ColumnIndex(catalog.RowIDColumn); rid >= 0 && t.Columns[rid].Hidden && (row[rid].IsNull() || attempt > 0) {
			row[rid] = rowenc.Int(catalog.UniqueRowID(ec.tx.ReadTimestamp()))
		}
		if err := checkRow(t, row); err != nil {
			return err
		}
		val, err := t.EncodeValue(row)
		if err != nil {
			return err
		}
		err = ec.tx.Insert(ec.ctx, t.EncodeKey(row), val)
		if errors.Is(err, txn.ErrKeyExists) {
			if rid := t.ColumnIndex(catalog.RowIDColumn); rid >= 0 && t.Columns[rid].Hidden && attempt < 10 {
				continue
			}
			return pgerror.New(pgerror.CodeUniqueViolation, "duplicate key value violates unique constraint %q", t.PKName()).
				WithDetail("%s", t.KeyDetail(row))
		}
		return err
	}
}

func (p *planner) planInsertSelect(ip *insertPlan, rs ast.ResultSetNode, targets []int) error {
	sel, ok := rs.(*ast.SelectStmt)
	if !ok {
		return pgerror.Unsupported("INSERT from this kind of query")
	}
	pl, err := p.planSelect(sel)
	if err != nil {
		return err
	}
	src := pl.(*selectPlan)
	if len(src.proj) > len(targets) {
		return pgerror.New(pgerror.CodeSyntaxError, "INSERT has more expressions than target columns")
	}
	t := ip.table
	ip.src, ip.srcRow = src, make([]expr, len(t.Columns))
	for j, x := range src.proj {
		i := targets[j]
		if ip.srcRow[i], err = assignTo(&colExpr{idx: j, t: x.typ()}, t.Columns[i].Type, t.Columns[i].Name); err != nil {
			return err
		}
	}
	for i := range ip.srcRow {
		if ip.srcRow[i] == nil && !(t.Columns[i].Hidden && t.Columns[i].Name == catalog.RowIDColumn) {
			if ip.srcRow[i], err = p.defaultExpr(&t.Columns[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectWriter keeps the rows of a statement run internally.
type collectWriter struct {
	bufferWriter
	rows [][]rowenc.Value
}

func (c *collectWriter) Row(row []rowenc.Value) error {
	c.rows = append(c.rows, append([]rowenc.Value(nil), row...))
	return nil
}

// write inserts one row (settling a conflict if the statement says how)
// and counts it in n when it wrote something.
func (ip *insertPlan) write(ec *execCtx, row []rowenc.Value, touched map[string]bool, n *int) error {
	if ip.conflict == nil {
		if err := insertRow(ec, ip.table, row); err != nil {
			return err
		}
	} else {
		var err error
		if row, err = ip.conflict.upsert(ec, ip.table, row, touched); err != nil || row == nil {
			return err
		}
	}
	*n++
	return ip.ret.add(ec, row)
}

func (ip *insertPlan) exec(ec *execCtx, w ResultWriter) error {
	t := ip.table
	touched, n := map[string]bool{}, 0
	if ip.src != nil {
		// Read every source row before writing any.
		cw := &collectWriter{}
		if err := ip.src.exec(ec, cw); err != nil {
			return err
		}
		for _, src := range cw.rows {
			row := make([]rowenc.Value, len(t.Columns))
			for i, e := range ip.srcRow {
				if e == nil {
					continue
				}
				v, err := e.eval(ec, src)
				if err != nil {
					return err
				}
				row[i] = v
			}
			if err := ip.write(ec, row, touched, &n); err != nil {
				return err
			}
		}
		return ip.ret.complete(w, fmt.Sprintf("INSERT 0 %d", n))
	}
	for _, exprs := range ip.rows {
		row := make([]rowenc.Value, len(t.Columns))
		for i, e := range exprs {
			if e == nil {
				continue
			}
			v, err := e.eval(ec, nil)
			if err != nil {
				return err
			}
			row[i] = v
		}
		if err := ip.write(ec, row, touched, &n); err != nil {
			return err
		}
	}
	return ip.ret.complete(w, fmt.Sprintf("INSERT 0 %d", n))
}

func (ip *insertPlan) explain() []string {
	if ip.src != nil {
		return append([]string{"insert into " + ip.table.Name}, ip.src.explain()...)
	}
	return []string{fmt.Sprintf("insert into %s (%d rows)", ip.table.Name, len(ip.rows))}
}

type updatePlan struct {
	scan   *scanPlan
	filter expr
	sets   map[int]expr // column position -> new value
	ret    *returning
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
	up := &updatePlan{filter: filter, sets: map[int]expr{}}
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

func (up *updatePlan) exec(ec *execCtx, w ResultWriter) error {
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
		row    []rowenc.Value
		moved  bool
	}
	changes := make([]change, len(rows))
	for k, r := range rows {
		nr := append([]rowenc.Value(nil), r.row...)
		for i, e := range up.sets {
			v, err := e.eval(ec, r.row)
			if err != nil {
				return err
			}
			nr[i] = v
		}
		if err := checkRow(t, nr); err != nil {
			return err
		}
		changes[k] = change{oldKey: r.key, row: nr, moved: string(t.EncodeKey(nr)) != string(r.key)}
	}
	// Rows whose key changes are deleted first, then inserted, so that
	// keys may swap among the updated rows.
	for _, c := range changes {
		if c.moved {
			if err := ec.tx.Delete(ec.ctx, c.oldKey); err != nil {
				return err
			}
		}
	}
	for _, c := range changes {
		if c.moved {
			if err := insertRow(ec, t, c.row); err != nil {
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
	return &deletePlan{scan: newScanPlan(t, sc.alias, 0, filter, true), filter: filter, ret: ret}, nil
}

func (dp *deletePlan) exec(ec *execCtx, w ResultWriter) error {
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

var _ = types.Unknown
