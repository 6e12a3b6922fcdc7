package sql

import (
	"fmt"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// check is a compiled CHECK constraint over a table row.
type check struct {
	name string
	e    expr
}

// compileChecks compiles a table's CHECK constraints for a statement that
// writes it.
func (p *planner) compileChecks(t *catalog.Table) ([]check, error) {
	var out []check
	for _, c := range t.Checks {
		e, err := parseDefault(p.s.parser, c.Expr)
		if err != nil {
			return nil, err
		}
		x, err := p.checkExpr(t, e)
		if err != nil {
			return nil, err
		}
		out = append(out, check{name: c.Name, e: x})
	}
	return out, nil
}

// checkExpr compiles a CHECK expression: boolean, over the table's own
// columns, without aggregates or subqueries.
func (p *planner) checkExpr(t *catalog.Table, e ast.ExprNode) (expr, error) {
	v := &nodeFinder{}
	e.Accept(v)
	switch {
	case v.agg:
		return nil, pgerror.New(pgerror.CodeGroupingError, "aggregate functions are not allowed in check constraints")
	case v.subquery:
		return nil, pgerror.Unsupported("subqueries in check constraints")
	case v.param:
		return nil, pgerror.New(pgerror.CodeFeatureNotSupported, "there is no parameter in a check constraint")
	}
	return p.compileBool(e, "CHECK", &scope{table: t, alias: t.Name})
}

// nodeFinder notes the kinds of nodes an expression holds.
type nodeFinder struct {
	agg, subquery, param bool
	firstColumn          string
}

func (v *nodeFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.AggregateFuncExpr:
		v.agg = true
	case *ast.SubqueryExpr, *ast.ExistsSubqueryExpr:
		v.subquery = true
	case ast.ParamMarkerExpr:
		v.param = true
	case *ast.ColumnNameExpr:
		if v.firstColumn == "" {
			v.firstColumn = n.Name.Name.O
		}
	}
	return n, false
}

func (v *nodeFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// addCheck validates a CHECK constraint of a table being created and adds
// it, named as PostgreSQL names it unless named: <table>_<column>_check.
func (p *planner) addCheck(t *catalog.Table, name string, e ast.ExprNode, column string) error {
	if _, err := p.checkExpr(t, e); err != nil {
		return err
	}
	if name == "" {
		if column == "" {
			v := &nodeFinder{}
			e.Accept(v)
			column = v.firstColumn
		}
		base := t.Name + "_check"
		if column != "" {
			base = t.Name + "_" + column + "_check"
		}
		name = base
		for n := 1; p.checkNamed(t, name); n++ {
			name = fmt.Sprintf("%s%d", base, n)
		}
	} else if p.checkNamed(t, name) {
		return pgerror.New(pgerror.CodeDuplicateObject, "constraint %q for relation %q already exists", name, t.Name)
	}
	text, err := front.Restore(e)
	if err != nil {
		return err
	}
	t.Checks = append(t.Checks, catalog.Check{Name: name, Expr: text})
	return nil
}

func (p *planner) checkNamed(t *catalog.Table, name string) bool {
	for _, c := range t.Checks {
		if c.Name == name {
			return true
		}
	}
	return false
}
