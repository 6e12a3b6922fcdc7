package sql

import (
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
)

// groupBy resolves the GROUP BY items into aggs: a column name, an output
// column's alias or position (standing for that output's expression), or
// any expression over the FROM tables. An expression of the select list,
// HAVING or ORDER BY that is spelled like a GROUP BY item reads the
// group's value of it.
func (p *planner) groupBy(n *ast.SelectStmt, sc *scope, aggs *aggList) error {
	if len(sc.tables()) == 0 {
		return pgerror.Unsupported("GROUP BY without FROM")
	}
	for _, it := range n.GroupBy.Items {
		e := it.Expr
		if pos, ok := e.(*ast.PositionExpr); ok {
			if pos.P != nil || pos.N < 1 || pos.N > len(n.Fields.Fields) || n.Fields.Fields[pos.N-1].Expr == nil {
				return pgerror.New("42P10", "GROUP BY position %d is not in select list", pos.N)
			}
			e = n.Fields.Fields[pos.N-1].Expr
		} else if cn, ok := e.(*ast.ColumnNameExpr); ok && cn.Name.Table.O == "" && !sc.has(cn.Name.Name.O) {
			for _, f := range n.Fields.Fields {
				if f.AsName.O == cn.Name.Name.O {
					e = f.Expr
				}
			}
		}
		e = stripParens(e)
		if hasAggregates(e) {
			return pgerror.New(pgerror.CodeGroupingError, "aggregate functions are not allowed in GROUP BY")
		}
		x, err := p.compile(e, types.Unknown, sc)
		if err != nil {
			return err
		}
		pos := -1
		if c, ok := x.(*colExpr); ok {
			pos = c.idx
		}
		aggs.groupCols = append(aggs.groupCols, pos)
		aggs.groupExprs = append(aggs.groupExprs, x)
		aggs.groupText = append(aggs.groupText, restoreExpr(e))
	}
	return nil
}

func stripParens(e ast.ExprNode) ast.ExprNode {
	for {
		pe, ok := e.(*ast.ParenthesesExpr)
		if !ok {
			return e
		}
		e = pe.Expr
	}
}

// restoreExpr prints an expression back as SQL, for matching.
func restoreExpr(e ast.ExprNode) string {
	var sb strings.Builder
	if err := e.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return ""
	}
	return sb.String()
}

// groupRef returns the aggregated-row reference for an expression that is
// a GROUP BY expression item, or nil.
func groupRef(e ast.ExprNode, sc *scope) expr {
	if sc.aggs == nil || sc.inAgg {
		return nil
	}
	switch stripParens(e).(type) {
	case *ast.ColumnNameExpr, *ast.AggregateFuncExpr, ast.ValueExpr:
		return nil // columns resolve by position; constants stay constant
	}
	var txt string
	for k, g := range sc.aggs.groupText {
		if sc.aggs.groupCols[k] >= 0 {
			continue
		}
		if txt == "" {
			txt = restoreExpr(stripParens(e))
		}
		if txt != "" && txt == g {
			return &aggRefExpr{idx: k, t: sc.aggs.groupExprs[k].typ()}
		}
	}
	return nil
}
