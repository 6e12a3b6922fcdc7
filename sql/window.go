package sql

import (
	"sort"
	"strings"

	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Window functions: f(...) OVER ([PARTITION BY ...] [ORDER BY ...]) with
// the default frame (the whole partition without ORDER BY; from its start
// through the current row's last peer with it). They are computed after
// grouping and HAVING, on the rows the select list reads, and appended to
// each row; winRefExpr reads them back. Aggregates over a frame are
// recomputed for each peer group (quadratic in the partition size).

const codeWindowingError = "42P20"

type winFunc struct {
	name      string
	args      []expr
	agg       *aggSpec // for sum, count, avg, min, max
	partition []expr
	order     []orderItem // e set
	t         types.T
}

type winList struct {
	funcs []*winFunc
}

// winRefExpr reads a window function's value: the k-th of the values
// appended to the row.
type winRefExpr struct {
	k    int
	t    types.T
	list *winList
}

func (e *winRefExpr) typ() types.T { return e.t }
func (e *winRefExpr) eval(_ *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	n := len(e.list.funcs)
	if len(row) < n {
		return rowenc.Null(), pgerror.New(pgerror.CodeInternalError, "window value missing")
	}
	return row[len(row)-n+e.k], nil
}

func (p *planner) windowFunc(e *ast.WindowFuncExpr, sc *scope) (expr, error) {
	if sc.wins == nil {
		return nil, pgerror.New(codeWindowingError, "window functions are not allowed here")
	}
	if sc.inWindow {
		return nil, pgerror.New(codeWindowingError, "window function calls cannot be nested")
	}
	if e.Spec.Name.O != "" || e.Spec.Ref.O != "" || e.Spec.OnlyAlias {
		return nil, pgerror.Unsupported("named windows")
	}
	if e.Spec.Frame != nil {
		return nil, pgerror.Unsupported("window frame clauses")
	}
	if e.IgnoreNull || e.FromLast {
		return nil, pgerror.Unsupported("IGNORE NULLS and FROM LAST")
	}
	sc.inWindow = true
	defer func() { sc.inWindow = false }()
	w := &winFunc{name: strings.ToLower(e.Name)}
	if e.Spec.PartitionBy != nil {
		for _, it := range e.Spec.PartitionBy.Items {
			x, err := p.compile(it.Expr, types.Unknown, sc)
			if err != nil {
				return nil, err
			}
			w.partition = append(w.partition, x)
		}
	}
	if e.Spec.OrderBy != nil {
		for _, it := range e.Spec.OrderBy.Items {
			oi := orderItem{outIdx: -1, desc: it.Desc, nullsFirst: it.Desc}
			ex := it.Expr
			if f, ok := ex.(*ast.FuncCallExpr); ok && f.FnName.L == front.NullsFunc && len(f.Args) == 2 {
				ex = f.Args[0]
				if v, ok := f.Args[1].(*test_driver.ValueExpr); ok {
					oi.nullsFirst = v.GetString() == "first"
				}
			}
			x, err := p.compile(ex, types.Unknown, sc)
			if err != nil {
				return nil, err
			}
			oi.e = x
			w.order = append(w.order, oi)
		}
	}
	nargs := len(e.Args)
	switch w.name {
	case "row_number", "rank", "dense_rank":
		if nargs != 0 {
			return nil, pgerror.New(pgerror.CodeUndefinedFunction, "function %s with %d arguments does not exist", w.name, nargs)
		}
		w.t = types.Int8
	case "percent_rank", "cume_dist":
		if nargs != 0 {
			return nil, pgerror.New(pgerror.CodeUndefinedFunction, "function %s with %d arguments does not exist", w.name, nargs)
		}
		w.t = types.Float8
	case "lag", "lead", "first_value", "last_value":
		maxArgs := 1
		if w.name == "lag" || w.name == "lead" {
			maxArgs = 3
		}
		if nargs < 1 || nargs > maxArgs {
			return nil, pgerror.New(pgerror.CodeUndefinedFunction, "function %s with %d arguments does not exist", w.name, nargs)
		}
		for i, a := range e.Args {
			h := types.Unknown
			if i == 2 {
				h = w.args[0].typ()
			}
			x, err := p.compile(a, h, sc)
			if err != nil {
				return nil, err
			}
			if i == 1 && !x.typ().IsInteger() {
				return nil, pgerror.New(pgerror.CodeUndefinedFunction, "function %s(%s, %s) does not exist", w.name, w.args[0].typ().Name(), x.typ().Name())
			}
			if i == 2 && x.typ() != w.args[0].typ() {
				c, err := assignTo(x, w.args[0].typ(), w.name)
				if err != nil {
					return nil, err
				}
				x = c
			}
			w.args = append(w.args, x)
		}
		w.t = w.args[0].typ()
		if w.t.OID == types.OIDUnknown {
			w.t = types.Text
		}
	case "sum", "count", "avg", "min", "max":
		spec, err := p.windowAgg(w.name, e, sc)
		if err != nil {
			return nil, err
		}
		w.agg, w.t = spec, spec.t
	default:
		return nil, pgerror.Unsupported("window function " + w.name)
	}
	sc.wins.funcs = append(sc.wins.funcs, w)
	return &winRefExpr{k: len(sc.wins.funcs) - 1, t: w.t, list: sc.wins}, nil
}

// windowAgg builds the aggregate of sum(x) OVER (...) and the like,
// typed as the aggregate is; x reads the rows the window sees (grouped
// values and aggregates in a grouped query).
func (p *planner) windowAgg(fn string, e *ast.WindowFuncExpr, sc *scope) (*aggSpec, error) {
	spec := &aggSpec{fn: fn, distinct: e.Distinct}
	star := false
	if fn == "count" && len(e.Args) == 1 {
		if v, ok := e.Args[0].(ast.ValueExpr); ok && v.GetValue() != nil && !e.Distinct {
			star = true
		}
	}
	if !star {
		if len(e.Args) != 1 {
			return nil, pgerror.New(pgerror.CodeUndefinedFunction, "function %s with %d arguments does not exist", fn, len(e.Args))
		}
		x, err := p.compile(e.Args[0], types.Unknown, sc)
		if err != nil {
			return nil, err
		}
		if x.typ().OID == types.OIDUnknown {
			x = &castExpr{e: x, to: types.Text}
		}
		spec.arg = x
	}
	if err := spec.setType(); err != nil {
		return nil, err
	}
	return spec, nil
}

// compute appends the window functions' values to each row.
func (wl *winList) compute(ec *execCtx, rows []scannedRow) ([]scannedRow, error) {
	vals := make([][]rowenc.Value, len(rows))
	for i := range vals {
		vals[i] = make([]rowenc.Value, len(wl.funcs))
	}
	for k, w := range wl.funcs {
		// Partition.
		parts := map[string][]int{}
		var order []string
		for i, r := range rows {
			var key []byte
			for _, pe := range w.partition {
				v, err := pe.eval(ec, r.row)
				if err != nil {
					return nil, err
				}
				key = rowenc.AppendKey(key, v, rowenc.Ascending)
			}
			if _, ok := parts[string(key)]; !ok {
				order = append(order, string(key))
			}
			parts[string(key)] = append(parts[string(key)], i)
		}
		for _, pk := range order {
			idx := parts[pk]
			keys := make([][]rowenc.Value, len(rows))
			for _, i := range idx {
				for _, oi := range w.order {
					v, err := oi.e.eval(ec, rows[i].row)
					if err != nil {
						return nil, err
					}
					keys[i] = append(keys[i], v)
				}
			}
			items := make([]orderItem, len(w.order))
			for j, oi := range w.order {
				items[j] = orderItem{outIdx: j, desc: oi.desc, nullsFirst: oi.nullsFirst}
			}
			sort.SliceStable(idx, func(a, b int) bool { return lessByOrder(items, keys[idx[a]], keys[idx[b]]) })
			peer := func(a, b int) bool {
				return !lessByOrder(items, keys[a], keys[b]) && !lessByOrder(items, keys[b], keys[a])
			}
			if err := w.fill(ec, rows, idx, peer, func(i int, v rowenc.Value) { vals[i][k] = v }); err != nil {
				return nil, err
			}
		}
	}
	out := make([]scannedRow, len(rows))
	for i, r := range rows {
		row := make([]rowenc.Value, 0, len(r.row)+len(wl.funcs))
		row = append(append(row, r.row...), vals[i]...)
		out[i] = scannedRow{key: r.key, row: row}
	}
	return out, nil
}

// fill computes w over one sorted partition (idx: row numbers in order).
func (w *winFunc) fill(ec *execCtx, rows []scannedRow, idx []int, peer func(a, b int) bool, set func(int, rowenc.Value)) error {
	n := len(idx)
	// lastPeer[j] is the position of the last peer of idx[j]: the end of
	// its frame (without ORDER BY every row is a peer of every other).
	lastPeer := make([]int, n)
	for j := n - 1; j >= 0; j-- {
		switch {
		case len(w.order) == 0:
			lastPeer[j] = n - 1
		case j == n-1 || !peer(idx[j], idx[j+1]):
			lastPeer[j] = j
		default:
			lastPeer[j] = lastPeer[j+1]
		}
	}
	rank, dense := int64(0), int64(0)
	for j, i := range idx {
		newPeerGroup := j == 0 || len(w.order) > 0 && !peer(idx[j-1], i)
		if newPeerGroup {
			rank = int64(j + 1)
			dense++
		}
		switch w.name {
		case "row_number":
			set(i, rowenc.Int(int64(j+1)))
		case "rank":
			set(i, rowenc.Int(rank))
		case "dense_rank":
			set(i, rowenc.Int(dense))
		case "percent_rank":
			if n <= 1 {
				set(i, rowenc.Float(0))
			} else {
				set(i, rowenc.Float(float64(rank-1)/float64(n-1)))
			}
		case "cume_dist":
			set(i, rowenc.Float(float64(lastPeer[j]+1)/float64(n)))
		case "lag", "lead":
			off := int64(1)
			if len(w.args) > 1 {
				v, err := w.args[1].eval(ec, rows[i].row)
				if err != nil {
					return err
				}
				if v.IsNull() {
					set(i, rowenc.Null())
					continue
				}
				off = v.I
			}
			if w.name == "lag" {
				off = -off
			}
			t := int64(j) + off
			if t < 0 || t >= int64(n) {
				v := rowenc.Null()
				if len(w.args) > 2 {
					var err error
					if v, err = w.args[2].eval(ec, rows[i].row); err != nil {
						return err
					}
				}
				set(i, v)
				continue
			}
			v, err := w.args[0].eval(ec, rows[idx[t]].row)
			if err != nil {
				return err
			}
			set(i, v)
		case "first_value", "last_value":
			t := 0
			if w.name == "last_value" {
				t = lastPeer[j]
			}
			v, err := w.args[0].eval(ec, rows[idx[t]].row)
			if err != nil {
				return err
			}
			set(i, v)
		default:
			// An aggregate over the frame: the partition's start through
			// the current row's last peer; computed once per peer group.
			if !newPeerGroup {
				continue // set with its peer group's first row
			}
			frame := make([]scannedRow, lastPeer[j]+1)
			for f := range frame {
				frame[f] = rows[idx[f]]
			}
			res, err := (&aggList{specs: []*aggSpec{w.agg}}).run(ec, frame)
			if err != nil {
				return err
			}
			for f := j; f <= lastPeer[j]; f++ {
				set(idx[f], res[0])
			}
		}
	}
	return nil
}
