package sql

import (
	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// planAlterTable handles ADD COLUMN [IF NOT EXISTS], DROP COLUMN [IF
// EXISTS], RENAME COLUMN, RENAME TO and ALTER COLUMN SET/DROP DEFAULT. The
// actions apply in order to the descriptor read in the statement's
// transaction; ADD COLUMN with a non-NULL default backfills every row (a
// row value cannot tell "written before the column existed" from NULL).
func (p *planner) planAlterTable(n *ast.AlterTableStmt) (plan, error) {
	if err := checkSchema(n.Table); err != nil {
		return nil, err
	}
	if _, err := p.resolveTable(n.Table); err != nil {
		return nil, err
	}
	for _, spec := range n.Specs {
		if isAddPrimaryKey(spec) || isAddUnique(spec) {
			continue
		}
		switch spec.Tp {
		case ast.AlterTableAddColumns, ast.AlterTableDropColumn, ast.AlterTableRenameColumn,
			ast.AlterTableRenameTable, ast.AlterTableAlterColumn, ast.AlterTableDropIndex:
		default:
			return nil, pgerror.Unsupported("this ALTER TABLE action")
		}
	}
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		t, err := p.resolveTable(n.Table)
		if err != nil {
			return err
		}
		for _, spec := range n.Specs {
			if err := p.alterOne(ec, t, spec, w); err != nil {
				return err
			}
		}
		if err := catalog.UpdateTable(ec.ctx, ec.tx, t); err != nil {
			return err
		}
		return w.Complete("ALTER TABLE")
	}}, nil
}

// isAddUnique reports whether spec is ADD [CONSTRAINT name] UNIQUE (cols):
// as in PostgreSQL, a unique index of the constraint's name (by default
// table_cols_key) enforces it.
func isAddUnique(spec *ast.AlterTableSpec) bool {
	if spec.Tp != ast.AlterTableAddConstraint || spec.Constraint == nil {
		return false
	}
	switch spec.Constraint.Tp {
	case ast.ConstraintUniq, ast.ConstraintUniqKey, ast.ConstraintUniqIndex:
		return true
	}
	return false
}

func (p *planner) alterOne(ec *execCtx, t *catalog.Table, spec *ast.AlterTableSpec, w ResultWriter) error {
	if isAddPrimaryKey(spec) {
		return p.addPrimaryKey(ec, t, spec.Constraint)
	}
	if isAddUnique(spec) {
		_, err := addIndex(ec, w, t, spec.Constraint.Name, "key", true, true, false, spec.Constraint.Keys)
		return err
	}
	if spec.Tp == ast.AlterTableDropIndex { // DROP CONSTRAINT (front)
		return dropConstraint(ec, w, t, spec.Name, spec.IfExists)
	}
	switch spec.Tp {
	case ast.AlterTableAddColumns:
		for _, cd := range spec.NewColumns {
			if err := p.addColumn(ec, t, cd, spec.IfNotExists, w); err != nil {
				return err
			}
		}
	case ast.AlterTableDropColumn:
		name := spec.OldColumnName.Name.O
		i := t.ColumnIndex(name)
		if i < 0 || t.Columns[i].Hidden {
			if spec.IfExists {
				return ec.notice(w, pgerror.CodeSuccessfulCompletion, "column \""+name+"\" of relation \""+t.Name+"\" does not exist, skipping")
			}
			return pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", name, t.Name)
		}
		if t.IsKey(i) {
			return pgerror.Unsupported("dropping a primary key column")
		}
		// As PostgreSQL: constraints involving the column go with it.
		kept := t.Checks[:0]
		for _, c := range t.Checks {
			refs, err := p.checkColumns(c)
			if err != nil {
				return err
			}
			if !refs[name] {
				kept = append(kept, c)
			}
		}
		t.Checks = kept
		if err := dropIndexesOnColumn(ec, t, i); err != nil {
			return err
		}
		t.DropColumn(i)
	case ast.AlterTableRenameColumn:
		from, to := spec.OldColumnName.Name.O, spec.NewColumnName.Name.O
		i := t.ColumnIndex(from)
		if i < 0 || t.Columns[i].Hidden {
			return pgerror.New(pgerror.CodeUndefinedColumn, "column %q does not exist", from)
		}
		if t.ColumnIndex(to) >= 0 {
			return pgerror.New(pgerror.CodeDuplicateColumn, "column %q of relation %q already exists", to, t.Name)
		}
		t.Columns[i].Name = to
		for k, c := range t.Checks {
			e, err := parseDefault(p.s.parser, c.Expr)
			if err != nil {
				return err
			}
			e.Accept(&columnRenamer{from: from, to: to})
			if t.Checks[k].Expr, err = front.Restore(e); err != nil {
				return err
			}
		}
	case ast.AlterTableRenameTable:
		if err := checkSchema(spec.NewTable); err != nil {
			return err
		}
		return catalog.RenameTable(ec.ctx, ec.tx, t, spec.NewTable.Name.O)
	case ast.AlterTableAlterColumn:
		cd := spec.NewColumns[0]
		i := t.ColumnIndex(cd.Name.Name.O)
		if i < 0 || t.Columns[i].Hidden {
			return pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", cd.Name.Name.O, t.Name)
		}
		if len(cd.Options) == 0 {
			t.Columns[i].Default = ""
			return nil
		}
		def, err := p.checkDefault(cd.Options[0].Expr, &t.Columns[i])
		if err != nil {
			return err
		}
		t.Columns[i].Default = def
	}
	return nil
}

func (p *planner) addColumn(ec *execCtx, t *catalog.Table, cd *ast.ColumnDef, ifNotExists bool, w ResultWriter) error {
	name := cd.Name.Name.O
	if t.ColumnIndex(name) >= 0 {
		if ifNotExists {
			return ec.notice(w, pgerror.CodeDuplicateColumn, "column \""+name+"\" of relation \""+t.Name+"\" already exists, skipping")
		}
		return pgerror.New(pgerror.CodeDuplicateColumn, "column %q of relation %q already exists", name, t.Name)
	}
	typ, err := front.TypeFromField(cd.Tp)
	if err != nil {
		return err
	}
	c := catalog.Column{Name: name, Type: typ}
	for _, o := range cd.Options {
		switch o.Tp {
		case ast.ColumnOptionNotNull:
			c.NotNull = true
		case ast.ColumnOptionNull:
		case ast.ColumnOptionDefaultValue:
			if c.Default, err = p.checkDefault(o.Expr, &c); err != nil {
				return err
			}
		case ast.ColumnOptionPrimaryKey:
			return pgerror.Unsupported("adding a primary key column")
		default:
			return pgerror.Unsupported("this column option in ADD COLUMN")
		}
	}
	c.ID = t.AllocColumnID()
	t.AddColumn(c)
	if c.Default == "" && !c.NotNull {
		return nil
	}
	// Backfill the default into every row, checking NOT NULL, a page at a
	// time under one lock on the table (scanPlan.each): rows are rewritten
	// in place, behind the scan.
	i := len(t.Columns) - 1
	def, err := p.defaultExpr(&t.Columns[i])
	if err != nil {
		return err
	}
	return newScanPlan(t, t.Name, 0, nil, true).each(ec, func(r scannedRow) error {
		v, err := def.eval(ec, r.row)
		if err != nil {
			return err
		}
		if v.IsNull() && c.NotNull {
			return pgerror.New(pgerror.CodeNotNullViolation, "column %q of relation %q contains null values", name, t.Name)
		}
		r.row[i] = v
		val, err := t.EncodeValue(r.row)
		if err != nil {
			return err
		}
		return ec.tx.Put(ec.ctx, r.key, val)
	})
}

// checkColumns returns the columns a CHECK constraint reads.
func (p *planner) checkColumns(c catalog.Check) (map[string]bool, error) {
	e, err := parseDefault(p.s.parser, c.Expr)
	if err != nil {
		return nil, err
	}
	v := &columnRenamer{}
	e.Accept(v)
	return v.seen, nil
}

// columnRenamer renames column references (from to to) and notes the
// names it sees.
type columnRenamer struct {
	from, to string
	seen     map[string]bool
}

func (v *columnRenamer) Enter(n ast.Node) (ast.Node, bool) {
	if c, ok := n.(*ast.ColumnNameExpr); ok {
		if v.seen == nil {
			v.seen = map[string]bool{}
		}
		v.seen[c.Name.Name.O] = true
		if v.from != "" && c.Name.Name.O == v.from {
			c.Name.Name = ast.NewCIStr(v.to)
		}
	}
	return n, false
}

func (v *columnRenamer) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// dropConstraint drops t's constraint name: a unique constraint with its
// index, or a CHECK. The caller stores t.
func dropConstraint(ec *execCtx, w ResultWriter, t *catalog.Table, name string, ifExists bool) error {
	if rid := t.ColumnIndex(catalog.RowIDColumn); name == t.PKName() && !(rid >= 0 && t.Columns[rid].Hidden) {
		return pgerror.Unsupported("dropping a primary key")
	}
	if ix := t.IndexByName(name); ix != nil && ix.Constraint {
		return catalog.DropIndex(ec.ctx, ec.tx, t, name)
	}
	for k, c := range t.Checks {
		if c.Name == name {
			t.Checks = append(t.Checks[:k:k], t.Checks[k+1:]...)
			return nil
		}
	}
	if ifExists {
		return ec.notice(w, pgerror.CodeSuccessfulCompletion, "constraint \""+name+"\" of relation \""+t.Name+"\" does not exist, skipping")
	}
	return pgerror.New(pgerror.CodeUndefinedObject, "constraint %q of relation %q does not exist", name, t.Name)
}
