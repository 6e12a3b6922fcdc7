package sql

import (
	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// derivedTable plans a subquery in FROM. Its columns are named and typed
// by the subquery's result; it cannot refer to the other tables of the
// FROM clause (no LATERAL).
func (p *planner) derivedTable(ts *ast.TableSource) (*joinStep, error) {
	if ts.AsName.O == "" {
		return nil, pgerror.New(pgerror.CodeSyntaxError, "subquery in FROM must have an alias")
	}
	p.depth++
	var pl plan
	var err error
	switch q := ts.Source.(type) {
	case *ast.SelectStmt:
		pl, err = p.planSelect(q)
	case *ast.SetOprStmt:
		pl, err = p.planSetOpr(q)
	default:
		err = pgerror.Unsupported("this FROM item")
	}
	p.depth--
	if err != nil {
		return nil, err
	}
	t := &catalog.Table{Name: ts.AsName.O}
	for i, c := range pl.columns() {
		t.Columns = append(t.Columns, catalog.Column{ID: rowenc.ColumnID(i + 1), Name: c.Name, Type: c.Type})
	}
	t.Init()
	return &joinStep{st: scopeTable{table: t, alias: ts.AsName.O}, sub: pl}, nil
}

// rows reads the step's table (or runs its subquery).
func (s *joinStep) rows(ec *execCtx) ([]scannedRow, error) {
	if s.sub == nil {
		return s.scan.rows(ec)
	}
	cw := &collectWriter{}
	sub := *ec
	sub.analyze = nil
	if err := s.sub.exec(&sub, cw); err != nil {
		return nil, err
	}
	out := make([]scannedRow, len(cw.rows))
	for i, r := range cw.rows {
		out[i] = scannedRow{row: r}
	}
	return out, nil
}

func (s *joinStep) describe() string {
	if s.sub == nil {
		return s.scan.describe()
	}
	return "subquery " + s.st.alias
}

// isLookup reports whether the step is read once per outer row by key.
func (s *joinStep) isLookup() bool { return s.scan != nil && s.scan.lookup }
