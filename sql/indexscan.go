package sql

import (
	"fmt"
	"strings"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// Index scans. newScanPlan prefers the primary key; when the filter pins
// none of its columns, chooseIndex picks the secondary index whose leading
// columns the filter constrains best (longest equality prefix, then a
// range on the next column; a unique index fully pinned wins). The scan
// reads the index span and then, per entry, the row from the primary
// index (an index join), unless every column the statement reads is an
// indexed or primary key column (index-only).

// keyCondFunc returns the constant side and operator of a comparison of
// column ci with a constant, with the column on the left.
type keyCondFunc func(c *cmpExpr, ci int) (expr, opcode.Op, bool)

// span is what a filter says about a list of key columns: values for the
// first len(eq), and bounds on the next one.
type span struct {
	eq           []expr
	lo, hi       expr
	loInc, hiInc bool
}

func constrain(cols []int, conj []*cmpExpr, keyCond keyCondFunc) span {
	var s span
	for _, ci := range cols {
		var found expr
		for _, c := range conj {
			if v, op, ok := keyCond(c, ci); ok && op == opcode.EQ {
				found = v
				break
			}
		}
		if found != nil {
			s.eq = append(s.eq, found)
			continue
		}
		for _, c := range conj {
			v, op, ok := keyCond(c, ci)
			if !ok {
				continue
			}
			switch op {
			case opcode.GT, opcode.GE:
				if s.lo == nil {
					s.lo, s.loInc = v, op == opcode.GE
				}
			case opcode.LT, opcode.LE:
				if s.hi == nil {
					s.hi, s.hiInc = v, op == opcode.LE
				}
			}
		}
		break
	}
	return s
}

// chooseIndex sets sp.index when a secondary index is constrained.
func (sp *scanPlan) chooseIndex(conj []*cmpExpr, keyCond keyCondFunc) {
	t := sp.table
	best, bestScore := -1, 0
	for k := range t.Indexes {
		ix := &t.Indexes[k]
		s := constrain(ix.Cols(), conj, keyCond)
		score := 4 * len(s.eq)
		if s.lo != nil || s.hi != nil {
			score += 2
		}
		if ix.Unique && len(s.eq) == len(ix.Cols()) {
			score++
		}
		if score > bestScore {
			best, bestScore = k, score
			sp.ispan = s
		}
	}
	if best >= 0 {
		sp.index = &t.Indexes[best]
	}
}

// coverOnly makes an index scan index-only when every column of the table
// the statement names (by name, wherever in the statement) is an indexed
// or primary key column; star is true when it selects *.
func (sp *scanPlan) coverOnly(names map[string]bool, star bool) {
	if sp == nil || sp.index == nil || star {
		return
	}
	t := sp.table
	covered := map[int]bool{}
	for _, i := range t.PrimaryKey {
		covered[i] = true
	}
	for _, i := range sp.index.Cols() {
		covered[i] = true
	}
	for name := range names {
		if i := t.ColumnIndex(name); i >= 0 && !covered[i] {
			return
		}
	}
	sp.indexOnly = true
}

// selectColumns returns the column names a SELECT mentions anywhere, and
// whether it has a * (which reads every column).
func selectColumns(n *ast.SelectStmt) (map[string]bool, bool) {
	v := &columnRenamer{}
	n.Accept(v)
	star := false
	if n.Fields != nil {
		for _, f := range n.Fields.Fields {
			star = star || f.WildCard != nil
		}
	}
	return v.seen, star
}

func (sp *scanPlan) describeIndex() string {
	t, ix := sp.table, sp.index
	var conds []string
	for j := range sp.ispan.eq {
		conds = append(conds, t.Columns[ix.Cols()[j]].Name+" = ?")
	}
	if sp.ispan.lo != nil || sp.ispan.hi != nil {
		c := t.Columns[ix.Cols()[len(sp.ispan.eq)]].Name
		if sp.ispan.lo != nil {
			conds = append(conds, c+map[bool]string{true: " >= ?", false: " > ?"}[sp.ispan.loInc])
		}
		if sp.ispan.hi != nil {
			conds = append(conds, c+map[bool]string{true: " <= ?", false: " < ?"}[sp.ispan.hiInc])
		}
	}
	kind := "index scan"
	if sp.indexOnly {
		kind = "index-only scan"
	}
	lock := ""
	if sp.forUpdate {
		lock = " for update"
	}
	return fmt.Sprintf("%s on %s using %s (%s)%s", kind, t.Name, ix.Name, strings.Join(conds, " AND "), lock)
}

// indexRows reads the rows an index scan finds.
func (sp *scanPlan) indexRows(ec *execCtx) ([]scannedRow, error) {
	t, ix, s := sp.table, sp.index, sp.ispan
	_, start, end, ok, err := sp.spanKeys(ec, s, t.IndexPrefixOf(ix), ix.Cols(), ix.Dir)
	if err != nil || !ok {
		return nil, err
	}
	kvs, err := ec.tx.Scan(ec.ctx, start, end, txn.ScanOptions{ForUpdate: sp.forUpdate})
	if err != nil {
		return nil, err
	}
	out := make([]scannedRow, 0, len(kvs))
	for _, kv := range kvs {
		row := make([]rowenc.Value, len(t.Columns))
		if err := t.DecodeIndexEntry(ix, kv.Key, kv.Value, row); err != nil {
			return nil, err
		}
		key := t.EncodeKey(row)
		if !sp.indexOnly {
			get := ec.tx.Get
			if sp.forUpdate {
				get = ec.tx.GetForUpdate
			}
			val, found, err := get(ec.ctx, key)
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, fmt.Errorf("%w: index %s entry without a row", rowenc.ErrCorrupt, ix.Name)
			}
			if err := t.Decode(key, val, row); err != nil {
				return nil, err
			}
		}
		out = append(out, scannedRow{key: key, row: row})
	}
	return out, nil
}

// Lookup joins. For an inner table of a join whose ON (or WHERE) equates
// its primary key's or an index's leading columns with columns of the
// tables before it, the inner table is not read once and matched against
// every outer row: per outer row, the key values are taken from that row
// and only the matching span is read.

// lookupScan returns a scan of the inner table t (whose columns start at
// off) keyed by outer columns, or nil when none applies.
func lookupScan(t *catalog.Table, alias string, off int, filter expr, forUpdate bool) *scanPlan {
	var conj []*cmpExpr
	var walk func(e expr)
	walk = func(e expr) {
		switch e := e.(type) {
		case *andExpr:
			walk(e.l)
			walk(e.r)
		case *cmpExpr:
			if e.op == opcode.EQ {
				conj = append(conj, e)
			}
		}
	}
	walk(filter)
	keyCond := func(c *cmpExpr, ci int) (expr, opcode.Op, bool) {
		col := t.Columns[ci]
		if col.Type.OID == types.OIDBpchar {
			return nil, 0, false
		}
		usable := func(side, other expr) bool {
			ce, ok := side.(*colExpr)
			if !ok || ce.idx != off+ci {
				return false
			}
			if oc, ok := other.(*colExpr); !ok || oc.idx >= off {
				return false
			}
			k := other.typ().Kind()
			return k == col.Type.Kind() || k == rowenc.KindInt && col.Type.Kind() == rowenc.KindFloat
		}
		if usable(c.l, c.r) {
			return c.r, c.op, true
		}
		if usable(c.r, c.l) {
			return c.l, c.op, true
		}
		return nil, 0, false
	}
	sp := &scanPlan{table: t, alias: alias, forUpdate: forUpdate, lookup: true}
	if s := constrain(t.PrimaryKey, conj, keyCond); len(s.eq) > 0 {
		sp.eq = s.eq
		return sp
	}
	sp.chooseIndex(conj, keyCond)
	if sp.index == nil || len(sp.ispan.eq) == 0 {
		return nil
	}
	sp.ispan.lo, sp.ispan.hi = nil, nil
	return sp
}

// joinFilter is the conjunction of a join step's ON and the WHERE clause.
func joinFilter(where, on expr) expr {
	switch {
	case where == nil:
		return on
	case on == nil:
		return where
	}
	return &andExpr{l: where, r: on}
}
