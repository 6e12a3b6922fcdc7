package sql

import (
	"context"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// plan is a planned statement, ready to run.
type plan interface {
	// columns describes the rows the statement returns, or nil.
	columns() []Column
	exec(ec *execCtx, w ResultWriter) error
}

// explainer is a plan that EXPLAIN can describe.
type explainer interface {
	explain() []string
}

// execCtx is what running a plan needs.
type execCtx struct {
	ctx    context.Context
	s      *session
	tx     txn.Txn
	params []rowenc.Value
	// outer holds, for a correlated subquery being run, the current rows
	// of the queries enclosing it, outermost first (see outerColExpr).
	outer [][]rowenc.Value
	// analyze, when set, collects per-operator rows and times for
	// EXPLAIN ANALYZE (analyze.go).
	analyze *analyzeStats
	// nextRowID is the hidden rowid insertRow gives next, or 0 for a fresh
	// random start (see insertRow).
	nextRowID int64
}

// planner turns one parsed statement into a plan. It reads the catalog
// through tx.
type planner struct {
	ctx    context.Context
	s      *session
	tx     txn.Txn
	st     *front.Parsed
	ptypes []types.T // inferred in place; Unknown until known
	db     *catalog.Database
	// depth counts the subqueries being planned; parameter types are
	// settled only when the outermost statement is planned.
	depth int
	// enclosing are the scopes of the queries around the subquery being
	// planned, outermost first: names a subquery cannot resolve resolve
	// there (correlation).
	enclosing []*enclosingScope
	// ctes are the WITH items in scope, outermost first (with.go).
	ctes []*cte
}

func (s *session) plan(ctx context.Context, tx txn.Txn, st *front.Parsed, ptypes []types.T) (plan, error) {
	if ptypes == nil {
		ptypes = make([]types.T, st.NumParams)
		for i := range ptypes {
			ptypes[i] = types.Unknown
		}
	}
	p := &planner{ctx: ctx, s: s, tx: tx, st: st, ptypes: ptypes}
	return p.planStmt(st.AST)
}

func (p *planner) database() (*catalog.Database, error) {
	if p.db != nil {
		return p.db, nil
	}
	db, err := p.lookupDatabase()
	if err != nil {
		return nil, err
	}
	if db == nil {
		return nil, pgerror.New(pgerror.CodeInvalidCatalogName, "database %q does not exist", p.s.dbName)
	}
	p.db = db
	return db, nil
}

func (p *planner) planStmt(n ast.StmtNode) (plan, error) {
	switch n := n.(type) {
	case *ast.SelectStmt:
		return p.planSelect(n)
	case *ast.SetOprStmt:
		return p.planSetOpr(n)
	case *ast.InsertStmt:
		return p.planInsert(n)
	case *ast.UpdateStmt:
		return p.planUpdate(n)
	case *ast.DeleteStmt:
		return p.planDelete(n)
	case *ast.CreateTableStmt:
		pl, err := p.planCreateTable(n)
		return p.withSerials(n, pl, err)
	case *ast.DropTableStmt:
		pl, err := p.planDropTable(n)
		return p.withOwnedDrop(n, pl, err)
	case *ast.CreateSequenceStmt:
		return p.planCreateSequence(n)
	case *ast.DropSequenceStmt:
		return p.planDropSequence(n)
	case *ast.CreateDatabaseStmt:
		return p.planCreateDatabase(n)
	case *ast.DropDatabaseStmt:
		return p.planDropDatabase(n)
	case *ast.SetStmt:
		return p.planSet(n)
	case *ast.ShowStmt:
		return p.planShow(n)
	case *ast.ExplainStmt:
		return p.planExplain(n)
	case *ast.TruncateTableStmt:
		return p.planTruncate(n)
	case *ast.AlterTableStmt:
		return p.planAlterTable(n)
	case front.Special:
		return p.planSpecial(n)
	case *ast.CreateIndexStmt:
		return p.planCreateIndex(n)
	case *ast.DropIndexStmt:
		return p.planDropIndex(n)
	}
	return nil, pgerror.Unsupported(stmtName(n))
}

func stmtName(n ast.StmtNode) string {
	switch n.(type) {
	case *ast.SetOprStmt:
		return "UNION, INTERSECT and EXCEPT"
	case *ast.CreateViewStmt:
		return "CREATE VIEW"
	case *ast.UseStmt:
		return "USE"
	}
	return "this statement"
}

// finishParams fixes the types of the parameters the statement uses that
// nothing constrained to text, as PostgreSQL does (Prepare refuses the
// unreferenced ones left unknown).
func (p *planner) finishParams() {
	if p.depth > 0 {
		return
	}
	for _, n := range p.st.Params {
		if p.ptypes[n-1].OID == types.OIDUnknown {
			p.ptypes[n-1] = types.Text
		}
	}
}

// resolveTable finds a table by its (possibly schema-qualified) name.
func (p *planner) resolveTable(tn *ast.TableName) (*catalog.Table, error) {
	if err := checkSchema(tn); err != nil {
		return nil, err
	}
	db, err := p.database()
	if err != nil {
		return nil, err
	}
	t, err := p.lookupTable(db.ID, tn.Name.O)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, pgerror.New(pgerror.CodeUndefinedTable, "relation %q does not exist", tn.Name.O)
	}
	return t, nil
}

// lookupDatabase is catalog.LookupDatabase, through the catalog cache in
// a read-only transaction.
func (p *planner) lookupDatabase() (*catalog.Database, error) {
	rt, ok := p.tx.(*cachedReadTxn)
	if !ok {
		return catalog.LookupDatabase(p.ctx, p.tx, p.s.dbName)
	}
	k := objKey{kind: 'd', name: p.s.dbName}
	if o, ok := rt.cache.lookupObj(k, rt.ReadTimestamp()); ok {
		if o == nil {
			return nil, nil
		}
		db := *o.(*catalog.Database)
		return &db, nil
	}
	db, err := catalog.LookupDatabase(p.ctx, p.tx, p.s.dbName)
	if err != nil {
		return nil, err
	}
	if db == nil {
		rt.cache.fillObj(rt.begun, k, nil, rt.ReadTimestamp())
		return nil, nil
	}
	kept := *db
	rt.cache.fillObj(rt.begun, k, &kept, rt.ReadTimestamp())
	return db, nil
}

// lookupTable is catalog.LookupTable, through the catalog cache in a
// read-only transaction.
func (p *planner) lookupTable(dbID catalog.ID, name string) (*catalog.Table, error) {
	rt, ok := p.tx.(*cachedReadTxn)
	if !ok {
		return catalog.LookupTable(p.ctx, p.tx, dbID, name)
	}
	k := objKey{kind: 't', db: dbID, name: name}
	if o, ok := rt.cache.lookupObj(k, rt.ReadTimestamp()); ok {
		if o == nil {
			return nil, nil
		}
		return o.(*catalog.Table).Clone(), nil
	}
	t, err := catalog.LookupTable(p.ctx, p.tx, dbID, name)
	if err != nil {
		return nil, err
	}
	if t == nil {
		rt.cache.fillObj(rt.begun, k, nil, rt.ReadTimestamp())
		return nil, nil
	}
	rt.cache.fillObj(rt.begun, k, t.Clone(), rt.ReadTimestamp())
	return t, nil
}

func checkSchema(tn *ast.TableName) error {
	switch tn.Schema.O {
	case "", "public":
		return nil
	case "pg_catalog", "information_schema":
		return pgerror.Unsupported("system catalog " + tn.Schema.O)
	}
	return pgerror.New(pgerror.CodeInvalidSchemaName, "schema %q does not exist", tn.Schema.O)
}

// singleTable returns the one table a FROM clause names, and its alias.
func (p *planner) singleTable(refs *ast.TableRefsClause) (*catalog.Table, string, error) {
	if refs == nil || refs.TableRefs == nil {
		return nil, "", nil
	}
	j := refs.TableRefs
	if j.Right != nil {
		return nil, "", pgerror.Unsupported("joins and multiple tables in FROM")
	}
	ts, ok := j.Left.(*ast.TableSource)
	if !ok {
		if inner, ok := j.Left.(*ast.Join); ok && inner.Right == nil {
			return p.singleTable(&ast.TableRefsClause{TableRefs: inner})
		}
		return nil, "", pgerror.Unsupported("joins and multiple tables in FROM")
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return nil, "", pgerror.Unsupported("subqueries in FROM")
	}
	t, err := p.resolveTable(tn)
	if err != nil {
		return nil, "", err
	}
	alias := tn.Name.O
	if ts.AsName.O != "" {
		alias = ts.AsName.O
	}
	return t, alias, nil
}
