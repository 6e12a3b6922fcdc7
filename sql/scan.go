package sql

import (
	"errors"
	"fmt"
	"strings"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

// scanPlan reads the rows of a table that may satisfy a filter, using the
// primary key where the filter pins it: equality on every key column is a
// point lookup; equality on a prefix and/or bounds on the next column is a
// range scan; anything else is a full scan. The caller still applies the
// whole filter to every row returned.
type scanPlan struct {
	table *catalog.Table
	alias string
	// span constrains the primary key: values of its first len(eq)
	// columns, and bounds (nil when unbounded) on column len(eq).
	span
	forUpdate bool
	// index is the secondary index to scan instead, with its constraints
	// (indexscan.go); nil when the primary key is used.
	index     *catalog.Index
	ispan     span
	indexOnly bool
	// lookup: the key values are columns of the outer row of a join
	// (lookupScan), which rows reads from outer.
	lookup bool
	outer  []rowenc.Value
}

func (sp *scanPlan) kind() string {
	switch {
	case len(sp.eq) == len(sp.table.PrimaryKey):
		return "point lookup"
	case len(sp.eq) > 0 || sp.lo != nil || sp.hi != nil:
		return "range scan"
	}
	return "full scan"
}

func (sp *scanPlan) describe() string {
	t := sp.table
	if sp.index != nil {
		return sp.describeIndex()
	}
	if sp.kind() == "full scan" {
		if sp.forUpdate {
			return fmt.Sprintf("full scan on %s for update", t.Name)
		}
		return fmt.Sprintf("full scan on %s", t.Name)
	}
	var conds []string
	for i := range sp.eq {
		conds = append(conds, t.Columns[t.PrimaryKey[i]].Name+" = ?")
	}
	if sp.lo != nil || sp.hi != nil {
		c := t.Columns[t.PrimaryKey[len(sp.eq)]].Name
		if sp.lo != nil {
			conds = append(conds, c+map[bool]string{true: " >= ?", false: " > ?"}[sp.loInc])
		}
		if sp.hi != nil {
			conds = append(conds, c+map[bool]string{true: " <= ?", false: " < ?"}[sp.hiInc])
		}
	}
	lock := ""
	if sp.forUpdate {
		lock = " for update"
	}
	return fmt.Sprintf("%s on %s using %s (%s)%s", sp.kind(), t.Name, t.PKName(), strings.Join(conds, " AND "), lock)
}

// newScanPlan picks the key columns the filter constrains.
//
// off is where the table's columns start in the rows filter reads (not 0
// for the inner tables of a join).
func newScanPlan(t *catalog.Table, alias string, off int, filter expr, forUpdate bool) *scanPlan {
	sp := &scanPlan{table: t, alias: alias, forUpdate: forUpdate}
	var conj []*cmpExpr
	var walk func(e expr)
	walk = func(e expr) {
		switch e := e.(type) {
		case *andExpr:
			walk(e.l)
			walk(e.r)
		case *cmpExpr:
			if e.op != opcode.NE {
				conj = append(conj, e)
			}
		}
	}
	if filter != nil {
		walk(filter)
	}
	// keyCond returns the constant side and operator of a comparison of
	// column ci with a constant, with the column on the left.
	keyCond := func(c *cmpExpr, ci int) (expr, opcode.Op, bool) {
		col := t.Columns[ci]
		if col.Type.OID == types.OIDBpchar {
			return nil, 0, false
		}
		usable := func(side, other expr) bool {
			ce, ok := side.(*colExpr)
			if !ok || ce.idx != off+ci || !isConst(other) {
				return false
			}
			k := other.typ().Kind()
			return k == col.Type.Kind() || k == rowenc.KindInt && col.Type.Kind() == rowenc.KindFloat
		}
		if usable(c.l, c.r) {
			return c.r, c.op, true
		}
		if usable(c.r, c.l) {
			return c.l, flip(c.op), true
		}
		return nil, 0, false
	}
	sp.span = constrain(t.PrimaryKey, conj, keyCond)
	if len(sp.eq) == 0 && sp.lo == nil && sp.hi == nil {
		sp.chooseIndex(conj, keyCond)
	}
	return sp
}

func flip(op opcode.Op) opcode.Op {
	switch op {
	case opcode.LT:
		return opcode.GT
	case opcode.LE:
		return opcode.GE
	case opcode.GT:
		return opcode.LT
	case opcode.GE:
		return opcode.LE
	}
	return op
}

// keyValue evaluates a key constraint for column ci; ok is false when it is
// NULL (nothing matches).
// ascending is the direction of every primary key column.
func ascending(int) rowenc.Direction { return rowenc.Ascending }

// spanKeys turns s, a constraint on the key columns cols (each encoded in
// dir(j)) under base, into the key of its equality prefix and the key span
// [start, end) to read. ok is false when nothing can match: a bound is NULL,
// or the bounds cross.
func (sp *scanPlan) spanKeys(ec *execCtx, s span, base []byte, cols []int, dir func(j int) rowenc.Direction) (prefix, start, end []byte, ok bool, err error) {
	prefix = base
	for j, e := range s.eq {
		v, ok, err := sp.keyValue(ec, e, cols[j])
		if err != nil || !ok {
			return nil, nil, nil, false, err
		}
		prefix = rowenc.AppendKey(prefix, v, dir(j))
	}
	start, end = prefix, rowenc.PrefixEnd(prefix)
	if s.lo == nil && s.hi == nil {
		return prefix, start, end, true, nil
	}
	j := len(s.eq)
	d := dir(j)
	// bound returns the key of prefix+v, or the end of its span.
	bound := func(e expr, after bool) ([]byte, bool, error) {
		v, ok, err := sp.keyValue(ec, e, cols[j])
		if err != nil || !ok {
			return nil, false, err
		}
		k := rowenc.AppendKey(append([]byte(nil), prefix...), v, d)
		if after {
			k = rowenc.PrefixEnd(k)
		}
		return k, true, nil
	}
	desc := d == rowenc.Descending
	if s.lo != nil {
		// col > v: ascending starts after v; descending ends before v.
		k, ok, err := bound(s.lo, s.loInc == desc)
		if err != nil || !ok {
			return nil, nil, nil, false, err
		}
		if desc {
			end = k
		} else {
			start = k
		}
	}
	if s.hi != nil {
		k, ok, err := bound(s.hi, s.hiInc != desc)
		if err != nil || !ok {
			return nil, nil, nil, false, err
		}
		if desc {
			start = k
		} else {
			end = k
		}
	}
	return prefix, start, end, string(start) < string(end), nil
}

func (sp *scanPlan) keyValue(ec *execCtx, e expr, ci int) (rowenc.Value, bool, error) {
	v, err := e.eval(ec, sp.outer)
	if err != nil || v.IsNull() {
		return v, false, err
	}
	if v.Kind == rowenc.KindInt && sp.table.Columns[ci].Type.Kind() == rowenc.KindFloat {
		v = rowenc.Float(float64(v.I))
	}
	return v, true, nil
}

// scannedRow is a row with its primary index key.
type scannedRow struct {
	key []byte
	row []rowenc.Value
}

func (sp *scanPlan) rows(ec *execCtx) ([]scannedRow, error) {
	t := sp.table
	if sp.index != nil {
		return sp.indexRows(ec)
	}
	prefix, start, end, ok, err := sp.spanKeys(ec, sp.span, t.IndexPrefix(), t.PrimaryKey, ascending)
	if err != nil || !ok {
		return nil, err
	}
	if len(sp.eq) == len(t.PrimaryKey) {
		get := ec.tx.Get
		if sp.forUpdate {
			get = ec.tx.GetForUpdate
		}
		val, found, err := get(ec.ctx, prefix)
		if err != nil || !found {
			return nil, err
		}
		row := make([]rowenc.Value, len(t.Columns))
		if err := t.Decode(prefix, val, row); err != nil {
			return nil, err
		}
		return []scannedRow{{key: prefix, row: row}}, nil
	}
	kvs, err := ec.tx.Scan(ec.ctx, start, end, txn.ScanOptions{ForUpdate: sp.forUpdate})
	if err != nil {
		return nil, err
	}
	out := make([]scannedRow, 0, len(kvs))
	for _, kv := range kvs {
		row := make([]rowenc.Value, len(t.Columns))
		if err := t.Decode(kv.Key, kv.Value, row); err != nil {
			return nil, err
		}
		out = append(out, scannedRow{key: kv.Key, row: row})
	}
	return out, nil
}

// each calls fn with each row rows would return, in the same order, but
// reads a primary-key range a page of copyPage rows at a time, so that a
// caller that keeps little of each row (an aggregate, a LIMIT) reads a
// table of any size in bounded memory. The row passed to fn is its own.
// fn may return errStopScan to end the scan early.
func (sp *scanPlan) each(ec *execCtx, fn func(scannedRow) error) error {
	t := sp.table
	if sp.index != nil || len(sp.eq) == len(t.PrimaryKey) {
		rows, err := sp.rows(ec)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return stopped(err)
			}
		}
		return nil
	}
	_, start, end, ok, err := sp.spanKeys(ec, sp.span, t.IndexPrefix(), t.PrimaryKey, ascending)
	if err != nil || !ok {
		return err
	}
	if sp.forUpdate {
		// Every row of the span is locked as it is read, as rows would in
		// one scan (kv.ScanRequest): one exclusive lock on the span first
		// spares the lock table an entry per row of the pages.
		if err := txn.LockSpan(ec.ctx, bulkTxn(ec.tx), start, end); err != nil {
			return err
		}
	}
	for {
		kvs, err := ec.tx.Scan(ec.ctx, start, end, txn.ScanOptions{MaxKeys: copyPage, ForUpdate: sp.forUpdate})
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			row := make([]rowenc.Value, len(t.Columns))
			if err := t.Decode(kv.Key, kv.Value, row); err != nil {
				return err
			}
			if err := fn(scannedRow{key: kv.Key, row: row}); err != nil {
				return stopped(err)
			}
		}
		if int64(len(kvs)) < copyPage {
			return nil
		}
		start = append(append([]byte(nil), kvs[len(kvs)-1].Key...), 0)
	}
}

// errStopScan, from scanPlan.each's callback, ends the scan without error.
var errStopScan = errors.New("stop scan")

func stopped(err error) error {
	if err == errStopScan {
		return nil
	}
	return err
}

// filterRows keeps the rows for which filter is true.
func filterRows(ec *execCtx, rows []scannedRow, filter expr) ([]scannedRow, error) {
	if filter == nil {
		return rows, nil
	}
	out := rows[:0]
	for _, r := range rows {
		ok, err := passes(ec, filter, r.row)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}
