package sql

import (
	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// returning is the RETURNING list of an INSERT, UPDATE or DELETE, compiled
// over rows of the target table: the row written (INSERT, UPDATE) or
// removed (DELETE).
type returning struct {
	exprs []expr
	cols  []Column
	rows  [][]rowenc.Value // collected while the statement runs
}

// planReturning compiles the statement's RETURNING list, if any. Column
// types are filled in by finish, after parameter types are settled.
func (p *planner) planReturning(t *catalog.Table, alias string) (*returning, error) {
	fields := p.st.Returning
	if fields == nil {
		return nil, nil
	}
	r := &returning{}
	sc := &scope{table: t, alias: alias}
	for _, f := range fields {
		if f.WildCard != nil {
			if f.WildCard.Table.O != "" && f.WildCard.Table.O != alias {
				return nil, pgerror.New(pgerror.CodeUndefinedTable, "missing FROM-clause entry for table %q", f.WildCard.Table.O)
			}
			for i, c := range t.Columns {
				if !c.Hidden {
					r.exprs = append(r.exprs, &colExpr{idx: i, t: c.Type, name: c.Name})
					r.cols = append(r.cols, Column{Name: c.Name, TableOID: uint32(t.ID), ColumnNum: int16(i + 1)})
				}
			}
			continue
		}
		if hasAggregates(f.Expr) {
			return nil, pgerror.New(pgerror.CodeGroupingError, "aggregate functions are not allowed in RETURNING")
		}
		x, err := p.compile(f.Expr, types.Unknown, sc)
		if err != nil {
			return nil, err
		}
		if c, ok := x.(*constExpr); ok && c.t.OID == types.OIDUnknown {
			x = &constExpr{t: types.Text, v: c.v}
		}
		col := Column{Name: outputName(f)}
		if ce, ok := x.(*colExpr); ok {
			col.TableOID, col.ColumnNum = ce.tid, ce.num
		}
		r.exprs = append(r.exprs, x)
		r.cols = append(r.cols, col)
	}
	return r, nil
}

// finish fixes the result column types (after finishParams).
func (r *returning) finish() {
	if r == nil {
		return
	}
	for i := range r.cols {
		r.cols[i].Type = r.exprs[i].typ()
	}
}

func (r *returning) columns() []Column {
	if r == nil {
		return nil
	}
	return r.cols
}

// add evaluates the list over a row the statement wrote or removed.
func (r *returning) add(ec *execCtx, row []rowenc.Value) error {
	if r == nil {
		return nil
	}
	out := make([]rowenc.Value, len(r.exprs))
	for i, e := range r.exprs {
		v, err := e.eval(ec, row)
		if err != nil {
			return err
		}
		out[i] = v
	}
	r.rows = append(r.rows, out)
	return nil
}

// complete writes the collected rows, then the tag.
func (r *returning) complete(w ResultWriter, tag string) error {
	if r != nil {
		rows := r.rows
		r.rows = nil // a plan may run again (retries)
		if err := w.Columns(r.cols); err != nil {
			return err
		}
		for _, row := range rows {
			if err := w.Row(row); err != nil {
				return err
			}
		}
	}
	return w.Complete(tag)
}
