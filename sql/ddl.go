package sql

import (
	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// ddlPlan runs a schema change; all of its work happens at execution.
type ddlPlan struct {
	run func(ec *execCtx, w ResultWriter) error
}

func (d *ddlPlan) columns() []Column                      { return nil }
func (d *ddlPlan) exec(ec *execCtx, w ResultWriter) error { return d.run(ec, w) }

func (p *planner) planCreateTable(n *ast.CreateTableStmt) (plan, error) {
	switch {
	case n.Select != nil:
		return nil, pgerror.Unsupported("CREATE TABLE AS")
	case n.ReferTable != nil:
		return nil, pgerror.Unsupported("CREATE TABLE LIKE")
	case n.Partition != nil:
		return nil, pgerror.Unsupported("partitioned tables")
	case n.TemporaryKeyword != ast.TemporaryNone:
		return nil, pgerror.Unsupported("temporary tables")
	case len(n.Options) > 0:
		return nil, pgerror.Unsupported("table options")
	}
	if err := checkSchema(n.Table); err != nil {
		return nil, err
	}
	t := &catalog.Table{Name: n.Table.Name.O}
	if len(n.Cols) == 0 {
		return nil, pgerror.Unsupported("tables without columns")
	}
	type pendingCheck struct {
		e            ast.ExprNode
		name, column string
	}
	var colChecks []pendingCheck
	var uniques []pendingUnique
	pkSet := false
	setPK := func(cols []int) error {
		if pkSet {
			return pgerror.New(pgerror.CodeInvalidTableDefinition, "multiple primary keys for table %q are not allowed", t.Name)
		}
		pkSet = true
		t.PrimaryKey = cols
		return nil
	}
	for i, cd := range n.Cols {
		name := cd.Name.Name.O
		if t.ColumnIndex(name) >= 0 {
			return nil, pgerror.New(pgerror.CodeDuplicateColumn, "column %q specified more than once", name)
		}
		typ, err := front.TypeFromField(cd.Tp)
		if err != nil {
			return nil, err
		}
		c := catalog.Column{ID: rowenc.ColumnID(i + 1), Name: name, Type: typ}
		for _, o := range cd.Options {
			switch o.Tp {
			case ast.ColumnOptionPrimaryKey:
				if err := setPK([]int{i}); err != nil {
					return nil, err
				}
				c.NotNull = true
			case ast.ColumnOptionNotNull:
				c.NotNull = true
			case ast.ColumnOptionNull:
			case ast.ColumnOptionDefaultValue:
				def, err := p.checkDefault(o.Expr, &c)
				if err != nil {
					return nil, err
				}
				c.Default = def
			case ast.ColumnOptionUniqKey:
				uniques = append(uniques, pendingUnique{name: o.ConstraintName, cols: []*ast.IndexPartSpecification{{Column: cd.Name}}})
			case ast.ColumnOptionCheck:
				colChecks = append(colChecks, pendingCheck{e: o.Expr, column: name, name: o.ConstraintName})
			case ast.ColumnOptionReference:
				return nil, pgerror.Unsupported("foreign keys")
			case ast.ColumnOptionAutoIncrement:
				return nil, pgerror.Unsupported("AUTO_INCREMENT")
			default:
				return nil, pgerror.Unsupported("this column option")
			}
		}
		t.Columns = append(t.Columns, c)
	}
	for _, con := range n.Constraints {
		switch con.Tp {
		case ast.ConstraintPrimaryKey:
			var cols []int
			for _, k := range con.Keys {
				if k.Column == nil {
					return nil, pgerror.Unsupported("expressions in primary keys")
				}
				i := t.ColumnIndex(k.Column.Name.O)
				if i < 0 {
					return nil, pgerror.New(pgerror.CodeUndefinedColumn, "column %q named in key does not exist", k.Column.Name.O)
				}
				for _, j := range cols {
					if j == i {
						return nil, pgerror.New(pgerror.CodeDuplicateColumn, "column %q appears twice in primary key constraint", k.Column.Name.O)
					}
				}
				cols = append(cols, i)
				t.Columns[i].NotNull = true
			}
			if err := setPK(cols); err != nil {
				return nil, err
			}
		case ast.ConstraintUniq, ast.ConstraintUniqKey, ast.ConstraintUniqIndex:
			uniques = append(uniques, pendingUnique{name: con.Name, cols: con.Keys})
		case ast.ConstraintForeignKey:
			return nil, pgerror.Unsupported("foreign keys")
		case ast.ConstraintCheck:
			colChecks = append(colChecks, pendingCheck{e: con.Expr, name: con.Name})
		default:
			return nil, pgerror.Unsupported("indexes")
		}
	}
	if !pkSet {
		if t.ColumnIndex(catalog.RowIDColumn) >= 0 {
			return nil, pgerror.Unsupported("a column named rowid in a table without a primary key")
		}
		t.Columns = append(t.Columns, catalog.Column{ID: rowenc.ColumnID(len(t.Columns) + 1), Name: catalog.RowIDColumn, Type: types.Int8, NotNull: true, Hidden: true})
		t.PrimaryKey = []int{len(t.Columns) - 1}
	}
	// Checks may name any column, so they are compiled once all are known.
	t.Init()
	for _, c := range colChecks {
		if err := p.addCheck(t, c.name, c.e, c.column); err != nil {
			return nil, err
		}
	}
	ifNotExists := n.IfNotExists
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		db, err := p.database()
		if err != nil {
			return err
		}
		t.ParentID = db.ID
		if err := addUniqueIndexes(ec, t, uniques); err != nil {
			return err
		}
		if ifNotExists {
			old, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, t.Name)
			if err != nil {
				return err
			}
			if old != nil {
				if err := ec.notice(w, pgerror.CodeDuplicateTable, "relation \""+t.Name+"\" already exists, skipping"); err != nil {
					return err
				}
				return w.Complete("CREATE TABLE")
			}
		}
		if err := catalog.CreateTable(ec.ctx, ec.tx, t); err != nil {
			return err
		}
		return w.Complete("CREATE TABLE")
	}}, nil
}

// checkDefault validates a DEFAULT expression and returns its stored text.
func (p *planner) checkDefault(e ast.ExprNode, c *catalog.Column) (string, error) {
	if f, ok := e.(*ast.FuncCallExpr); ok && f.FnName.L == front.DefaultFunc && len(f.Args) == 1 {
		e = f.Args[0]
	}
	if hasAggregates(e) {
		return "", pgerror.New(pgerror.CodeGroupingError, "aggregate functions are not allowed in DEFAULT expressions")
	}
	if v, ok := e.(interface{ GetValue() any }); ok && v.GetValue() == nil {
		if _, isParam := e.(interface{ SetOrder(int) }); !isParam {
			return "", nil // DEFAULT NULL
		}
	}
	x, err := p.compile(e, c.Type, &scope{noCols: "DEFAULT expression"})
	if err != nil {
		return "", err
	}
	if _, err := assignTo(x, c.Type, c.Name); err != nil {
		return "", err
	}
	return front.Restore(e)
}

func (p *planner) planDropTable(n *ast.DropTableStmt) (plan, error) {
	if n.IsView {
		return nil, pgerror.Unsupported("views")
	}
	for _, tn := range n.Tables {
		if err := checkSchema(tn); err != nil {
			return nil, err
		}
	}
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		db, err := p.database()
		if err != nil {
			return err
		}
		for _, tn := range n.Tables {
			t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, tn.Name.O)
			if err != nil {
				return err
			}
			if t == nil {
				if n.IfExists {
					if err := ec.notice(w, pgerror.CodeSuccessfulCompletion, "table \""+tn.Name.O+"\" does not exist, skipping"); err != nil {
						return err
					}
					continue
				}
				return pgerror.New(pgerror.CodeUndefinedTable, "table %q does not exist", tn.Name.O)
			}
			if err := catalog.DropTable(ec.ctx, ec.tx, t); err != nil {
				return err
			}
		}
		return w.Complete("DROP TABLE")
	}}, nil
}

func (p *planner) planCreateDatabase(n *ast.CreateDatabaseStmt) (plan, error) {
	if len(n.Options) > 0 {
		return nil, pgerror.Unsupported("database options")
	}
	name := n.Name.O
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		if n.IfNotExists {
			db, err := catalog.LookupDatabase(ec.ctx, ec.tx, name)
			if err != nil {
				return err
			}
			if db != nil {
				if err := ec.notice(w, pgerror.CodeDuplicateDatabase, "database \""+name+"\" already exists, skipping"); err != nil {
					return err
				}
				return w.Complete("CREATE DATABASE")
			}
		}
		if _, err := catalog.CreateDatabase(ec.ctx, ec.tx, name); err != nil {
			return err
		}
		return w.Complete("CREATE DATABASE")
	}}, nil
}

func (p *planner) planDropDatabase(n *ast.DropDatabaseStmt) (plan, error) {
	name := n.Name.O
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		if name == ec.s.dbName {
			return pgerror.New(pgerror.CodeObjectInUse, "cannot drop the currently open database")
		}
		db, err := catalog.LookupDatabase(ec.ctx, ec.tx, name)
		if err != nil {
			return err
		}
		if db == nil {
			if n.IfExists {
				if err := ec.notice(w, pgerror.CodeSuccessfulCompletion, "database \""+name+"\" does not exist, skipping"); err != nil {
					return err
				}
				return w.Complete("DROP DATABASE")
			}
			return pgerror.New(pgerror.CodeInvalidCatalogName, "database %q does not exist", name)
		}
		if err := catalog.DropDatabase(ec.ctx, ec.tx, db); err != nil {
			return err
		}
		return w.Complete("DROP DATABASE")
	}}, nil
}

func (p *planner) planTruncate(n *ast.TruncateTableStmt) (plan, error) {
	t, err := p.resolveTable(n.Table)
	if err != nil {
		return nil, err
	}
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		if err := catalog.TruncateTable(ec.ctx, ec.tx, t); err != nil {
			return err
		}
		return w.Complete("TRUNCATE TABLE")
	}}, nil
}
