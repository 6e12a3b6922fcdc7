package sql

import (
	"strings"

	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// hashKeys are the equalities of a join step's ON clause that pair a
// column of the step's table (inner) with a column of the tables before it
// (outer). The step's rows are put in a hash table by their inner key
// columns, and each row so far looks up its outer key there, instead of
// being matched against every row. The whole ON clause is still evaluated
// on each candidate, so the hash only has to narrow. Only columns of one
// value kind are paired (their key encodings are equal exactly when the
// values compare equal; CHAR's trailing-space rule is left out); a NULL
// key matches nothing, as = does.
type hashKeys struct {
	off          int   // where the step's columns start in the joined row
	inner, outer []int // positions in the joined row
	names        []string
}

func hashKeysFor(s *joinStep) *hashKeys {
	if s.on == nil {
		return nil
	}
	lo, hi := s.st.off, s.st.off+len(s.st.table.Columns)
	hk := &hashKeys{off: lo}
	var walk func(e expr)
	walk = func(e expr) {
		switch e := e.(type) {
		case *andExpr:
			walk(e.l)
			walk(e.r)
		case *cmpExpr:
			if e.op != opcode.EQ || e.bpchar {
				return
			}
			l, ok1 := e.l.(*colExpr)
			r, ok2 := e.r.(*colExpr)
			if !ok1 || !ok2 || l.t.Kind() != r.t.Kind() || l.t.OID == types.OIDBpchar || r.t.OID == types.OIDBpchar {
				return
			}
			in := func(c *colExpr) bool { return c.idx >= lo && c.idx < hi }
			switch {
			case in(l) && r.idx < lo:
				hk.inner, hk.outer = append(hk.inner, l.idx), append(hk.outer, r.idx)
			case in(r) && l.idx < lo:
				hk.inner, hk.outer = append(hk.inner, r.idx), append(hk.outer, l.idx)
			default:
				return
			}
			hk.names = append(hk.names, l.name+" = "+r.name)
		}
	}
	walk(s.on)
	if len(hk.inner) == 0 {
		return nil
	}
	return hk
}

// build hashes the step's own rows (positions relative to its table).
func (hk *hashKeys) build(rows []scannedRow) map[string][]scannedRow {
	table := make(map[string][]scannedRow, len(rows))
	for _, r := range rows {
		if k, ok := hk.key(r.row, hk.inner, true); ok {
			table[k] = append(table[k], r)
		}
	}
	return table
}

// key encodes the values at pos (minus off for the step's own rows); false
// when one is NULL.
func (hk *hashKeys) key(row []rowenc.Value, pos []int, inner bool) (string, bool) {
	var k []byte
	for _, p := range pos {
		if inner {
			p -= hk.off
		}
		if p < 0 || p >= len(row) || row[p].IsNull() {
			return "", false
		}
		k = rowenc.AppendKey(k, row[p], rowenc.Ascending)
	}
	return string(k), true
}

// probeKey is the outer row's key; "\xff" (no key starts with it) for a
// NULL key, which matches nothing.
func (hk *hashKeys) probeKey(row []rowenc.Value) string {
	if k, ok := hk.key(row, hk.outer, false); ok {
		return k
	}
	return "\xff"
}

func (hk *hashKeys) describe() string { return strings.Join(hk.names, " AND ") }
