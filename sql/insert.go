package sql

import (
	"errors"
	"fmt"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
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
	checks   []check
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
	if ip.checks, err = p.compileChecks(t); err != nil {
		return nil, err
	}
	sc := &scope{noCols: "VALUES"}
	if oc := p.st.OnConflict; oc != nil {
		if ip.conflict, err = p.planConflict(t, oc); err != nil {
			return nil, err
		}
	}
	// GENERATED ALWAYS identity columns take no value but DEFAULT, unless
	// OVERRIDING SYSTEM VALUE.
	always := func(i int) bool { return t.Columns[i].Identity == "a" && !p.st.OverridingSystemValue }
	if n.Select != nil {
		for _, i := range targets {
			if always(i) {
				return nil, identityAlways(&t.Columns[i], false)
			}
		}
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
			if always(i) {
				return nil, identityAlways(c, false)
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

// checkRow enforces NOT NULL and the CHECK constraints.
func checkRow(ec *execCtx, t *catalog.Table, checks []check, row []rowenc.Value) error {
	for i, c := range t.Columns {
		if row[i].IsNull() && (c.NotNull || t.IsKey(i)) {
			return pgerror.New(pgerror.CodeNotNullViolation, "null value in column %q of relation %q violates not-null constraint", c.Name, t.Name)
		}
	}
	for _, c := range checks {
		v, err := c.e.eval(ec, row)
		if err != nil {
			return err
		}
		if !v.IsNull() && !v.Bool() {
			return pgerror.New(pgerror.CodeCheckViolation, "new row for relation %q violates check constraint %q", t.Name, c.name)
		}
	}
	return nil
}

// rowID returns the next hidden rowid of the statement. The rowids of one
// statement are consecutive from a random start (catalog.UniqueRowID):
// drawn each at random they share the transaction's millisecond and 22
// random bits, so a statement inserting millions of rows would collide
// ever more often and, past 4M rows, fail. Any id is correct, since Insert
// checks the key; after a collision (fresh) the ids go on from a new
// random start.
func (ec *execCtx) rowID(fresh bool) int64 {
	if ec.nextRowID == 0 || fresh {
		ec.nextRowID = catalog.UniqueRowID(ec.tx.ReadTimestamp())
	}
	ec.nextRowID++
	return ec.nextRowID - 1
}

// insertRow writes a new row, or fails with 23505 on a duplicate key.
func insertRow(ec *execCtx, t *catalog.Table, checks []check, row []rowenc.Value) error {
	for attempt := 0; ; attempt++ {
		if rid := t.ColumnIndex(catalog.RowIDColumn); rid >= 0 && t.Columns[rid].Hidden && (row[rid].IsNull() || attempt > 0) {
			row[rid] = rowenc.Int(ec.rowID(attempt > 0))
		}
		if err := checkRow(ec, t, checks, row); err != nil {
			return err
		}
		val, err := t.EncodeValue(row)
		if err != nil {
			return err
		}
		key := t.EncodeKey(row)
		err = ec.tx.Insert(ec.ctx, key, val)
		if errors.Is(err, txn.ErrKeyExists) {
			if rid := t.ColumnIndex(catalog.RowIDColumn); rid >= 0 && t.Columns[rid].Hidden && attempt < 10 {
				continue
			}
			return uniqueViolation(t.PKName(), t.KeyDetail(row))
		}
		if err != nil {
			return err
		}
		if err := putIndexEntries(ec, t, row, nil); err != nil {
			// Undo the row, so that ON CONFLICT finds the table as it was.
			if violatedConstraint(err) != "" {
				if derr := ec.tx.Delete(ec.ctx, key); derr != nil {
					return derr
				}
			}
			return err
		}
		return nil
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
		if err := insertRow(ec, ip.table, ip.checks, row); err != nil {
			return err
		}
	} else {
		var err error
		if row, err = ip.conflict.upsert(ec, ip.table, ip.checks, row, touched); err != nil || row == nil {
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
