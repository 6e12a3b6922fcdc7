package sql

import (
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/opcode"
)

const microsPerDay = 86_400_000_000

// dateArithExpr is date + integer, integer + date, date - integer (a
// date) and date - date (the days between, an integer).
type dateArithExpr struct {
	op   opcode.Op
	l, r expr
	t    types.T
}

func newDateArith(op opcode.Op, l, r expr) (expr, error) {
	lt, rt := l.typ(), r.typ()
	switch {
	case op == opcode.Plus && lt.OID == types.OIDDate && rt.IsInteger(),
		op == opcode.Plus && lt.IsInteger() && rt.OID == types.OIDDate,
		op == opcode.Minus && lt.OID == types.OIDDate && rt.IsInteger():
		return &dateArithExpr{op: op, l: l, r: r, t: types.Date}, nil
	case op == opcode.Minus && lt.OID == types.OIDDate && rt.OID == types.OIDDate:
		return &dateArithExpr{op: op, l: l, r: r, t: types.Int4}, nil
	}
	if op == opcode.Plus || op == opcode.Minus {
		return nil, pgerror.Unsupported("date/time arithmetic other than date ± integer and date - date (intervals)")
	}
	return nil, pgerror.New(pgerror.CodeUndefinedFunction, "operator does not exist: %s %s %s", lt.Name(), opSymbol(op), rt.Name())
}

func (e *dateArithExpr) typ() types.T { return e.t }

func (e *dateArithExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	a, err := e.l.eval(ec, row)
	if err != nil || a.IsNull() {
		return rowenc.Null(), err
	}
	b, err := e.r.eval(ec, row)
	if err != nil || b.IsNull() {
		return rowenc.Null(), err
	}
	if e.t.OID == types.OIDInt4 {
		return rowenc.Int((a.I - b.I) / microsPerDay), nil
	}
	d, days := a, b.I
	if a.Kind == rowenc.KindInt {
		d, days = b, a.I
	}
	if e.op == opcode.Minus {
		days = -days
	}
	if days > 1<<30 || days < -(1<<30) {
		return rowenc.Null(), pgerror.New(pgerror.CodeDatetimeFieldOverflow, "date out of range")
	}
	return rowenc.Timestamp(d.I + days*microsPerDay), nil
}
