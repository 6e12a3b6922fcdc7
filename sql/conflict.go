package sql

import (
	"sort"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// conflictPlan is INSERT ... ON CONFLICT on the primary key or a unique
// index (the arbiter; a violation of another constraint is an error, as
// in PostgreSQL): DO NOTHING skips the row; DO UPDATE updates
// the existing row, with SET and WHERE evaluated over the existing row's
// columns followed by the proposed (excluded) row's.
type conflictPlan struct {
	doNothing bool
	sets      map[int]expr
	where     expr
	// arbiter is the unique constraint whose violations are settled: the
	// primary key's name or a unique index's; empty (DO NOTHING without a
	// target) means any.
	arbiter string
}

func (p *planner) planConflict(t *catalog.Table, oc *front.OnConflict) (*conflictPlan, error) {
	hidden := t.Columns[t.PrimaryKey[0]].Hidden
	arbiter := ""
	sameCols := func(cols []int) bool {
		want := make([]string, 0, len(cols))
		for _, i := range cols {
			want = append(want, t.Columns[i].Name)
		}
		got := append([]string(nil), oc.Target...)
		sort.Strings(want)
		sort.Strings(got)
		match := len(want) == len(got)
		for i := 0; match && i < len(want); i++ {
			match = want[i] == got[i]
		}
		return match
	}
	if len(oc.Target) > 0 {
		if !hidden && sameCols(t.PrimaryKey) {
			arbiter = t.PKName()
		}
		for k := range t.Indexes {
			if ix := &t.Indexes[k]; arbiter == "" && ix.Unique && sameCols(ix.Cols()) {
				arbiter = ix.Name
			}
		}
		if arbiter == "" {
			return nil, pgerror.New("42P10", "there is no unique or exclusion constraint matching the ON CONFLICT specification")
		}
	}
	if oc.Constraint != "" {
		if ix := t.IndexByName(oc.Constraint); ix != nil && ix.Unique {
			arbiter = ix.Name
		} else if !hidden && oc.Constraint == t.PKName() {
			arbiter = t.PKName()
		} else {
			return nil, pgerror.New(pgerror.CodeUndefinedObject, "constraint %q for table %q does not exist", oc.Constraint, t.Name)
		}
	}
	cp := &conflictPlan{doNothing: oc.DoNothing, sets: map[int]expr{}, arbiter: arbiter}
	if oc.DoNothing {
		return cp, nil
	}
	if len(oc.Target) == 0 && oc.Constraint == "" {
		return nil, pgerror.New(pgerror.CodeSyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name")
	}
	sc := &scope{table: t, alias: t.Name, excludedOff: len(t.Columns)}
	for _, a := range oc.Set {
		i := t.ColumnIndex(a.Column.Name.O)
		if i < 0 {
			return nil, pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", a.Column.Name.O, t.Name)
		}
		if _, dup := cp.sets[i]; dup {
			return nil, pgerror.New(pgerror.CodeDuplicateColumn, "multiple assignments to same column %q", a.Column.Name.O)
		}
		c := &t.Columns[i]
		if _, isDefault := a.Expr.(*ast.DefaultExpr); c.Identity == "a" && !isDefault {
			return nil, identityAlways(c, true)
		}
		x, err := p.compile(a.Expr, c.Type, sc)
		if err == nil {
			x, err = assignTo(x, c.Type, c.Name)
		}
		if err != nil {
			return nil, err
		}
		cp.sets[i] = x
	}
	if oc.Where != nil {
		w, err := p.compileBool(oc.Where, "WHERE", sc)
		if err != nil {
			return nil, err
		}
		cp.where = w
	}
	return cp, nil
}

// upsert inserts row, or settles its conflict with an existing row. It
// returns the row written, or nil when nothing was (DO NOTHING, or a
// false DO UPDATE ... WHERE). touched holds the keys this statement wrote:
// PostgreSQL refuses to update a row twice in one statement.
func (cp *conflictPlan) upsert(ec *execCtx, t *catalog.Table, checks []check, row []rowenc.Value, touched map[string]bool) ([]rowenc.Value, error) {
	err := insertRow(ec, t, checks, row)
	violated := violatedConstraint(err)
	if violated == "" || cp.arbiter != "" && violated != cp.arbiter {
		if err == nil {
			touched[string(t.EncodeKey(row))] = true
			return row, nil
		}
		return nil, err
	}
	key := t.EncodeKey(row)
	if ix := t.IndexByName(violated); ix != nil {
		// The conflicting row is the one the unique entry points at.
		ikey, _, _ := t.EncodeIndexEntry(ix, row)
		pk, found, err := ec.tx.GetForUpdate(ec.ctx, ikey)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, pgerror.New(pgerror.CodeInternalError, "conflicting index entry vanished")
		}
		key = append(t.IndexPrefix(), pk...)
	}
	if cp.doNothing {
		return nil, nil
	}
	if touched[string(key)] {
		return nil, pgerror.New(pgerror.CodeCardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time").
			WithHint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")
	}
	val, found, err := ec.tx.GetForUpdate(ec.ctx, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, pgerror.New(pgerror.CodeInternalError, "conflicting row vanished")
	}
	existing := make([]rowenc.Value, len(t.Columns))
	if err := t.Decode(key, val, existing); err != nil {
		return nil, err
	}
	combined := append(append([]rowenc.Value(nil), existing...), row...)
	if cp.where != nil {
		v, err := cp.where.eval(ec, combined)
		if err != nil {
			return nil, err
		}
		if v.IsNull() || !v.Bool() {
			return nil, nil
		}
	}
	nr := append([]rowenc.Value(nil), existing...)
	for i, e := range cp.sets {
		v, err := e.eval(ec, combined)
		if err != nil {
			return nil, err
		}
		nr[i] = v
	}
	if err := checkRow(ec, t, checks, nr); err != nil {
		return nil, err
	}
	newKey := t.EncodeKey(nr)
	if err := delIndexEntries(ec, t, existing, nr); err != nil {
		return nil, err
	}
	if string(newKey) != string(key) {
		if err := ec.tx.Delete(ec.ctx, key); err != nil {
			return nil, err
		}
		if err := insertRow(ec, t, checks, nr); err != nil {
			return nil, err
		}
	} else {
		v, err := t.EncodeValue(nr)
		if err != nil {
			return nil, err
		}
		if err := ec.tx.Put(ec.ctx, key, v); err != nil {
			return nil, err
		}
		if err := putIndexEntries(ec, t, nr, existing); err != nil {
			return nil, err
		}
	}
	touched[string(newKey)] = true
	return nr, nil
}
