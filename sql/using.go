package sql

import (
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// JOIN ... USING (cols) and NATURAL JOIN. Each named column must be in
// exactly one table to the left and in the joined table; the join
// condition is their equality, and the pair becomes one column: an
// unqualified name reads it (the left table's value, the right one's for
// a RIGHT JOIN) without ambiguity, and * lists the merged columns first,
// then the other columns, as PostgreSQL does.

// mergedCol is a USING column: its name and the row position it reads.
type mergedCol struct {
	name string
	pos  int
	// hidden are the positions of the pair's two columns, left out of *.
	hidden [2]int
}

// usingJoin sets step's ON condition from USING (names) or NATURAL.
// before are the steps to the left; offsets are not yet assigned, so
// tables are named by alias and positions are filled in by fromSteps.
func usingJoin(n *ast.Join, before []*joinStep, step *joinStep) error {
	names := make([]string, 0, len(n.Using))
	for _, c := range n.Using {
		names = append(names, c.Name.O)
	}
	if n.NaturalJoin {
		// The common columns in the left side's order.
		seen := map[string]bool{}
		for _, b := range before {
			for _, c := range b.st.table.Columns {
				if !c.Hidden && !seen[c.Name] && step.st.table.ColumnIndex(c.Name) >= 0 {
					seen[c.Name] = true
					names = append(names, c.Name)
				}
			}
		}
	}
	var on ast.ExprNode
	for _, name := range names {
		var left *joinStep
		for _, b := range before {
			if b.st.table.ColumnIndex(name) >= 0 {
				if left != nil {
					return pgerror.New(pgerror.CodeAmbiguousColumn, "common column name %q appears more than once in left table", name)
				}
				left = b
			}
		}
		if left == nil {
			return pgerror.New(pgerror.CodeUndefinedColumn, "column %q specified in USING clause does not exist in left table", name)
		}
		if step.st.table.ColumnIndex(name) < 0 {
			return pgerror.New(pgerror.CodeUndefinedColumn, "column %q specified in USING clause does not exist in right table", name)
		}
		eq := &ast.BinaryOperationExpr{Op: opcode.EQ,
			L: &ast.ColumnNameExpr{Name: &ast.ColumnName{Table: ast.NewCIStr(left.st.alias), Name: ast.NewCIStr(name)}},
			R: &ast.ColumnNameExpr{Name: &ast.ColumnName{Table: ast.NewCIStr(step.st.alias), Name: ast.NewCIStr(name)}}}
		if on == nil {
			on = eq
		} else {
			on = &ast.BinaryOperationExpr{Op: opcode.LogicAnd, L: on, R: eq}
		}
		step.using = append(step.using, usingPair{name: name, left: left})
	}
	if on == nil {
		// NATURAL JOIN without common columns is a cross join.
		return nil
	}
	step.onAST = on
	return nil
}

// usingPair is one USING column of a step: its name and the step to the
// left that has it.
type usingPair struct {
	name string
	left *joinStep
}

// mergedColumns lists the USING columns of the steps, once offsets are
// known, in the order * shows them, and the star order of all columns.
func mergedColumns(steps []*joinStep) (merged []mergedCol, star []int) {
	for i, s := range steps {
		own := make([]int, 0, len(s.st.table.Columns))
		for j, c := range s.st.table.Columns {
			if !c.Hidden {
				own = append(own, s.st.off+j)
			}
		}
		if i == 0 || len(s.using) == 0 {
			star = append(star, own...)
			continue
		}
		var front, rest []int
		drop := map[int]bool{}
		for _, u := range s.using {
			lpos := u.left.st.off + u.left.st.table.ColumnIndex(u.name)
			rpos := s.st.off + s.st.table.ColumnIndex(u.name)
			pos := lpos
			if s.right {
				pos = rpos
			}
			// A column merged before is read where it was merged.
			for _, m := range merged {
				if m.hidden[0] == lpos || m.hidden[1] == lpos {
					pos = m.pos
					if s.right {
						pos = rpos
					}
					lpos = m.pos
				}
			}
			merged = append(merged, mergedCol{name: u.name, pos: pos, hidden: [2]int{lpos, rpos}})
			front = append(front, pos)
			drop[lpos], drop[rpos] = true, true
		}
		for _, p := range star {
			if !drop[p] {
				rest = append(rest, p)
			}
		}
		for _, p := range own {
			if !drop[p] {
				rest = append(rest, p)
			}
		}
		star = append(front, rest...)
	}
	return merged, star
}

// mergedOf is the merged columns of steps (USING pairs to the left).
func mergedOf(steps []*joinStep) []mergedCol {
	m, _ := mergedColumns(steps)
	return m
}

// mergedRef finds a USING column by name: the table and column index of
// the position it reads.
func (sc *scope) mergedRef(name string) (int, int, bool) {
	for _, m := range sc.merged {
		if m.name != name {
			continue
		}
		for k, st := range sc.tables() {
			if m.pos >= st.off && m.pos < st.off+len(st.table.Columns) {
				return k, m.pos - st.off, true
			}
		}
	}
	return 0, 0, false
}
