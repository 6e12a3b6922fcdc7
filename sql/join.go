package sql

import (
	"fmt"
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// joinStep is one table of a FROM clause and how it joins the tables
// before it. The first step has no join.
type joinStep struct {
	st   scopeTable
	left bool // LEFT [OUTER] JOIN: keep unmatched rows, NULL-extended
	// right is RIGHT [OUTER] JOIN: keep the step's unmatched rows, with the
	// columns of the tables before it NULL (read by nested loop).
	right bool
	onAST ast.ExprNode // ON condition, or nil (cross join)
	on    expr
	scan  *scanPlan
	// using are the USING (or NATURAL) columns this step joins on.
	using []usingPair
	// sub, when set, is a subquery in FROM: its rows are the step's rows
	// (st.table is then a descriptor made up for its columns; derived.go).
	sub plan
	// hash, when set, matches rows on the ON clause's equalities through a
	// hash table of the step's rows (hashjoin.go).
	hash *hashKeys
}

// joinPlan joins the tables of a FROM clause with nested loops, left to
// right: each inner table is read once (with any key constraints the WHERE
// clause gives it) and matched against every row so far. Rows are the
// concatenation of the tables' columns.
type joinPlan struct {
	width int
	steps []*joinStep
}

// fromSteps lists the tables of a FROM clause, left to right.
func (p *planner) fromSteps(refs *ast.TableRefsClause) ([]*joinStep, error) {
	if refs == nil || refs.TableRefs == nil {
		return nil, nil
	}
	var steps []*joinStep
	if err := p.flattenFrom(refs.TableRefs, &steps, false); err != nil {
		return nil, err
	}
	off := 0
	seen := map[string]bool{}
	for _, s := range steps {
		if seen[s.st.alias] {
			return nil, pgerror.New("42712", "table name %q specified more than once", s.st.alias)
		}
		seen[s.st.alias] = true
		s.st.off = off
		off += len(s.st.table.Columns)
	}
	return steps, nil
}

func (p *planner) flattenFrom(node ast.ResultSetNode, out *[]*joinStep, nested bool) error {
	switch n := node.(type) {
	case *ast.Join:
		if n.Right == nil {
			return p.flattenFrom(n.Left, out, nested)
		}
		if nested {
			return pgerror.Unsupported("parenthesized joins")
		}
		if err := p.flattenFrom(n.Left, out, false); err != nil {
			return err
		}
		if n.Tp == ast.CrossJoin && n.On == nil && !n.NaturalJoin && len(n.Using) == 0 {
			// a, b JOIN c ON ...: the comma binds loosest, and a cross
			// join with a join is the join with the cross join before it.
			return p.flattenFrom(n.Right, out, false)
		}
		before := len(*out)
		if err := p.flattenFrom(n.Right, out, true); err != nil {
			return err
		}
		if len(*out) != before+1 {
			return pgerror.Unsupported("parenthesized joins")
		}
		step := (*out)[before]
		switch n.Tp {
		case ast.CrossJoin, 0: // 0: NATURAL JOIN
		case ast.LeftJoin:
			step.left = true
		default:
			if n.Tp != ast.RightJoin {
				return pgerror.Unsupported("FULL joins")
			}
			step.right = true
		}
		if n.On != nil {
			step.onAST = n.On.Expr
		}
		if n.NaturalJoin || len(n.Using) > 0 {
			return usingJoin(n, (*out)[:before], step)
		}
		return nil
	case *ast.TableSource:
		tn, ok := n.Source.(*ast.TableName)
		if ok {
			if c := p.lookupCTE(tn); c != nil {
				alias := tn.Name.O
				if n.AsName.O != "" {
					alias = n.AsName.O
				}
				step, err := p.cteStep(c, alias)
				if err != nil {
					return err
				}
				*out = append(*out, step)
				return nil
			}
		}
		if !ok {
			step, err := p.derivedTable(n)
			if err != nil {
				return err
			}
			*out = append(*out, step)
			return nil
		}
		alias := tn.Name.O
		if n.AsName.O != "" {
			alias = n.AsName.O
		}
		if step, ok, err := p.virtualTable(tn, alias); ok {
			if err != nil {
				return err
			}
			*out = append(*out, step)
			return nil
		}
		t, err := p.resolveTable(tn)
		if err != nil {
			// Not a table: maybe a sequence, read as a one-row relation.
			if step, ok, serr := p.sequenceRelation(tn, alias, err); ok {
				*out = append(*out, step)
				return nil
			} else if serr != nil {
				return serr
			}
			return err
		}
		if n.AsName.O != "" {
			alias = n.AsName.O
		}
		*out = append(*out, &joinStep{st: scopeTable{table: t, alias: alias}})
		return nil
	}
	return pgerror.Unsupported("this FROM clause")
}

// planJoin compiles the ON conditions and picks each table's scan.
func (p *planner) planJoin(steps []*joinStep, filter expr, forUpdate bool) (*joinPlan, error) {
	jp := &joinPlan{steps: steps}
	tables := make([]scopeTable, len(steps))
	for i, s := range steps {
		tables[i] = s.st
		jp.width += len(s.st.table.Columns)
	}
	for i, s := range steps {
		if s.onAST != nil {
			if hasAggregates(s.onAST) {
				return nil, pgerror.New(pgerror.CodeGroupingError, "aggregate functions are not allowed in JOIN conditions")
			}
			on, err := p.compileBool(s.onAST, "JOIN/ON", &scope{joined: tables[:i+1], merged: mergedOf(steps[:i])})
			if err != nil {
				return nil, err
			}
			s.on = on
		}
		if s.sub != nil {
			if !s.right { // a right join tracks its rows by position
				s.hash = hashKeysFor(s)
			}
			continue
		}
		s.scan = newScanPlan(s.st.table, s.st.alias, s.st.off, filter, forUpdate)
		if i > 0 && s.scan.kind() != "point lookup" && !s.right {
			if ls := lookupScan(s.st.table, s.st.alias, s.st.off, joinFilter(filter, s.on), forUpdate); ls != nil {
				s.scan = ls
			}
		}
		if i > 0 && !s.scan.lookup && !s.right {
			s.hash = hashKeysFor(s)
		}
	}
	return jp, nil
}

func (jp *joinPlan) rows(ec *execCtx) ([]scannedRow, error) {
	var rows []scannedRow
	t0 := ec.stageStart()
	for i, s := range jp.steps {
		var inner []scannedRow
		if !s.isLookup() {
			var err error
			if inner, err = s.rows(ec); err != nil {
				return nil, err
			}
		}
		var table map[string][]scannedRow
		if s.hash != nil && i > 0 {
			table = s.hash.build(inner)
		}
		if i == 0 {
			for _, r := range inner {
				row := make([]rowenc.Value, jp.width)
				copy(row, r.row)
				rows = append(rows, scannedRow{row: row})
			}
			t0 = ec.stage("step0", len(rows), t0)
			continue
		}
		var out []scannedRow
		var innerMatched []bool
		if s.right {
			innerMatched = make([]bool, len(inner))
		}
		for _, r := range rows {
			if table != nil {
				inner = table[s.hash.probeKey(r.row)]
			}
			if s.isLookup() {
				s.scan.outer = r.row
				var err error
				inner, err = s.scan.rows(ec)
				s.scan.outer = nil
				if err != nil {
					return nil, err
				}
			}
			matched := false
			for k, ir := range inner {
				row := append([]rowenc.Value(nil), r.row...)
				copy(row[s.st.off:], ir.row)
				if s.on != nil {
					v, err := s.on.eval(ec, row)
					if err != nil {
						return nil, err
					}
					if v.IsNull() || !v.Bool() {
						continue
					}
				}
				matched = true
				if innerMatched != nil {
					innerMatched[k] = true
				}
				out = append(out, scannedRow{row: row})
			}
			if !matched && s.left {
				out = append(out, scannedRow{row: append([]rowenc.Value(nil), r.row...)})
			}
		}
		for k, m := range innerMatched {
			if !m {
				row := make([]rowenc.Value, jp.width)
				copy(row[s.st.off:], inner[k].row)
				out = append(out, scannedRow{row: row})
			}
		}
		rows = out
		t0 = ec.stage(fmt.Sprintf("step%d", i), len(rows), t0)
	}
	return rows, nil
}

func (jp *joinPlan) explain() []string {
	var lines []string
	for i := len(jp.steps) - 1; i > 0; i-- {
		s := jp.steps[i]
		kind := "inner join"
		if s.left {
			kind = "left join"
		} else if s.right {
			kind = "right join"
		} else if s.on == nil {
			kind = "cross join"
		}
		if s.isLookup() {
			lines = append(lines, "lookup join ("+strings.TrimSuffix(kind, " join")+") with "+s.scan.describe())
			continue
		}
		if s.hash != nil {
			lines = append(lines, "hash join ("+strings.TrimSuffix(kind, " join")+") on "+s.hash.describe()+" with "+s.describe())
			continue
		}
		lines = append(lines, "nested loop "+kind+" with "+s.describe())
	}
	return append(lines, jp.steps[0].describe())
}
