package sql

import (
	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// WITH (non-recursive): each common table expression is planned afresh,
// as a subquery in FROM, wherever the query names it (PostgreSQL's NOT
// MATERIALIZED; the results are the same for the side-effect-free queries
// allowed there).

// cte is a WITH item in scope.
type cte struct {
	name  string
	query *ast.SubqueryExpr
	cols  []string // the (a, b) list, or nil
	// visible are the CTEs it may itself refer to (those before it).
	visible []*cte
}

// withScope puts a WITH clause's items in scope; the returned func
// restores the scope.
func (p *planner) withScope(w *ast.WithClause) (func(), error) {
	saved := p.ctes
	if w == nil {
		return func() {}, nil
	}
	if w.IsRecursive {
		return nil, pgerror.Unsupported("WITH RECURSIVE")
	}
	for _, c := range w.CTEs {
		if c.IsRecursive {
			return nil, pgerror.Unsupported("WITH RECURSIVE")
		}
		for _, o := range p.ctes[len(saved):] {
			if o.name == c.Name.O {
				p.ctes = saved
				return nil, pgerror.New("42712", "WITH query name %q specified more than once", c.Name.O)
			}
		}
		item := &cte{name: c.Name.O, query: c.Query, visible: p.ctes}
		for _, n := range c.ColNameList {
			item.cols = append(item.cols, n.O)
		}
		p.ctes = append(p.ctes[:len(p.ctes):len(p.ctes)], item)
	}
	return func() { p.ctes = saved }, nil
}

// lookupCTE finds a WITH item by name, innermost first.
func (p *planner) lookupCTE(tn *ast.TableName) *cte {
	if tn.Schema.O != "" {
		return nil
	}
	for i := len(p.ctes) - 1; i >= 0; i-- {
		if p.ctes[i].name == tn.Name.O {
			return p.ctes[i]
		}
	}
	return nil
}

// cteStep plans a reference to a WITH item as a subquery in FROM.
func (p *planner) cteStep(c *cte, alias string) (*joinStep, error) {
	saved := p.ctes
	p.ctes = c.visible
	p.depth++
	var pl plan
	var err error
	switch q := c.query.Query.(type) {
	case *ast.SelectStmt:
		pl, err = p.planSelect(q)
	case *ast.SetOprStmt:
		pl, err = p.planSetOpr(q)
	default:
		err = pgerror.Unsupported("this WITH query")
	}
	p.depth--
	p.ctes = saved
	if err != nil {
		return nil, err
	}
	cols := pl.columns()
	if len(c.cols) > len(cols) {
		return nil, pgerror.New("42P10", "WITH query %q has %d columns available but %d columns specified", c.name, len(cols), len(c.cols))
	}
	t := &catalog.Table{Name: alias}
	for i, col := range cols {
		name := col.Name
		if i < len(c.cols) {
			name = c.cols[i]
		}
		t.Columns = append(t.Columns, catalog.Column{ID: rowenc.ColumnID(i + 1), Name: name, Type: col.Type})
	}
	t.Init()
	return &joinStep{st: scopeTable{table: t, alias: alias}, sub: pl}, nil
}
