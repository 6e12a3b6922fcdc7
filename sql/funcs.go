package sql

import (
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// funcExpr is a call of a built-in scalar function.
type funcExpr struct {
	t    types.T
	args []expr
	// strict functions return NULL when any argument is NULL.
	strict bool
	fn     func(ec *execCtx, args []rowenc.Value) (rowenc.Value, error)
}

func (e *funcExpr) typ() types.T { return e.t }
func (e *funcExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	vals := make([]rowenc.Value, len(e.args))
	for i, a := range e.args {
		v, err := a.eval(ec, row)
		if err != nil {
			return v, err
		}
		if v.IsNull() && e.strict {
			return rowenc.Null(), nil
		}
		vals[i] = v
	}
	return e.fn(ec, vals)
}

func nowValue(ec *execCtx) (rowenc.Value, error) {
	return rowenc.Timestamp(ec.tx.ReadTimestamp().WallTime / 1000), nil
}

func (p *planner) funcCall(e *ast.FuncCallExpr, hint types.T, sc *scope) (expr, error) {
	name := e.FnName.L
	nargs := len(e.Args)
	argc := func(n int) error {
		if nargs != n {
			return p.noFunc(name, e.Args, sc)
		}
		return nil
	}
	if x, ok, err := p.pgCatalogFunc(name, e, hint, sc); ok {
		return x, err
	}
	switch name {
	case front.CastFunc:
		if nargs != 2 {
			return nil, p.noFunc(name, e.Args, sc)
		}
		to, ok := castTarget(e.Args[1])
		if !ok {
			return nil, pgerror.New(pgerror.CodeInternalError, "malformed cast")
		}
		// A string literal is converted by the cast itself (explicitly, so
		// 'abcdef'::varchar(3) truncates); a parameter takes the type.
		h := to
		if p.untyped(e.Args[0]) {
			if _, isParam := e.Args[0].(*test_driver.ParamMarkerExpr); !isParam {
				h = types.Unknown
			}
		}
		x, err := p.compile(e.Args[0], h, sc)
		if err != nil {
			return nil, err
		}
		if !canCast(x.typ(), to, true) {
			return nil, pgerror.New(codeCannotCoerce, "cannot cast type %s to %s", x.typ().Name(), to.Name())
		}
		if x.typ() == to {
			return x, nil
		}
		return &castExpr{e: x, to: to, explicit: true}, nil
	case front.SeqFuncPrefix + "nextval", front.SeqFuncPrefix + "currval", front.SeqFuncPrefix + "setval", front.SeqFuncPrefix + "lastval", "pg_get_serial_sequence":
		return p.seqFunc(strings.TrimPrefix(name, front.SeqFuncPrefix), e, sc)
	case front.DefaultFunc:
		return nil, pgerror.New(pgerror.CodeSyntaxError, "DEFAULT is not allowed in this context")
	case "version":
		if err := argc(0); err != nil {
			return nil, err
		}
		v := "PostgreSQL " + p.s.srv.cfg.ServerVersion + " (Meridian)"
		return &constExpr{t: types.Text, v: rowenc.String(v)}, nil
	case "current_setting", "set_config":
		return p.settingFunc(name, e.Args, sc)
	case "current_database":
		if err := argc(0); err != nil {
			return nil, err
		}
		return &constExpr{t: types.Text, v: rowenc.String(p.s.dbName)}, nil
	case "current_user", "session_user", "user", "current_role":
		if err := argc(0); err != nil {
			return nil, err
		}
		return &constExpr{t: types.Text, v: rowenc.String(p.s.user)}, nil
	case "current_schema":
		return &constExpr{t: types.Text, v: rowenc.String("public")}, nil
	case "now", "current_timestamp", "localtimestamp", "transaction_timestamp", "statement_timestamp":
		if nargs > 1 {
			return nil, p.noFunc(name, e.Args, sc)
		}
		// now() and current_timestamp are timestamptz; localtimestamp is not.
		if name == "localtimestamp" {
			// The wall-clock time in the session zone.
			return &funcExpr{t: types.Timestamp, fn: func(ec *execCtx, _ []rowenc.Value) (rowenc.Value, error) {
				v, err := nowValue(ec)
				return rowenc.Timestamp(types.InstantToLocal(v.I, ec.s.vars.loc)), err
			}}, nil
		}
		return &funcExpr{t: types.Timestamptz, fn: func(ec *execCtx, _ []rowenc.Value) (rowenc.Value, error) { return nowValue(ec) }}, nil
	case "current_date":
		if nargs != 0 {
			return nil, p.noFunc(name, e.Args, sc)
		}
		return &funcExpr{t: types.Date, fn: func(ec *execCtx, _ []rowenc.Value) (rowenc.Value, error) {
			v, err := nowValue(ec)
			return rowenc.Timestamp(types.TruncDay(types.InstantToLocal(v.I, ec.s.vars.loc))), err
		}}, nil
	case "concat":
		// || (the parser produces concat for it).
		if nargs != 2 {
			return nil, pgerror.Unsupported("concat() with other than two arguments")
		}
		side := func(a ast.ExprNode) (expr, error) {
			if p.untyped(a) {
				return p.compile(a, types.Text, sc)
			}
			return p.compile(a, types.Unknown, sc)
		}
		l, err := side(e.Args[0])
		if err != nil {
			return nil, err
		}
		r, err := side(e.Args[1])
		if err != nil {
			return nil, err
		}
		if !isStringy(l.typ()) && !isStringy(r.typ()) {
			return nil, pgerror.New(pgerror.CodeUndefinedFunction, "operator does not exist: %s || %s", l.typ().Name(), r.typ().Name())
		}
		return &concatExpr{l: l, r: r}, nil
	case "lower", "upper", "length", "char_length", "character_length", "abs", "coalesce":
	default:
		if x, err := p.callBuiltin(name, e, sc); x != nil || err != nil {
			return x, err
		}
		return nil, p.noFunc(name, e.Args, sc)
	}
	args := make([]expr, nargs)
	for i, a := range e.Args {
		h := types.Unknown
		if name != "abs" && name != "coalesce" {
			h = types.Text
		}
		if name == "coalesce" {
			h = hint
			if _, isParam := a.(*test_driver.ParamMarkerExpr); isParam && h.OID == types.OIDUnknown {
				// Typed below, from the other arguments, as PostgreSQL
				// resolves coalesce($1, 1) to integer.
				continue
			}
		}
		x, err := p.compile(a, h, sc)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	if name == "coalesce" {
		var known []types.T
		for _, a := range args {
			if a != nil && a.typ().OID != types.OIDUnknown {
				known = append(known, a.typ())
			}
		}
		h := types.Text
		if ct, ok := commonType(known); ok && len(known) > 0 {
			h = ct
		}
		for i, a := range e.Args {
			if args[i] != nil {
				continue
			}
			x, err := p.compile(a, h, sc)
			if err != nil {
				return nil, err
			}
			args[i] = x
		}
	}
	switch name {
	case "lower", "upper":
		if nargs != 1 || !isStringy(args[0].typ()) {
			return nil, p.noFunc(name, e.Args, sc)
		}
		f := strings.ToLower
		if name == "upper" {
			f = strings.ToUpper
		}
		return &funcExpr{t: types.Text, args: args, strict: true, fn: func(_ *execCtx, v []rowenc.Value) (rowenc.Value, error) {
			return rowenc.String(f(v[0].S)), nil
		}}, nil
	case "length", "char_length", "character_length":
		if nargs != 1 || !isStringy(args[0].typ()) {
			return nil, p.noFunc(name, e.Args, sc)
		}
		bp := args[0].typ().OID == types.OIDBpchar
		return &funcExpr{t: types.Int4, args: args, strict: true, fn: func(_ *execCtx, v []rowenc.Value) (rowenc.Value, error) {
			s := v[0].S
			if bp {
				s = strings.TrimRight(s, " ")
			}
			return rowenc.Int(int64(utf8.RuneCountInString(s))), nil
		}}, nil
	case "abs":
		if nargs != 1 || !isNumeric(args[0].typ()) {
			return nil, p.noFunc(name, e.Args, sc)
		}
		t := args[0].typ()
		return &funcExpr{t: t, args: args, strict: true, fn: func(_ *execCtx, v []rowenc.Value) (rowenc.Value, error) {
			if v[0].Kind == rowenc.KindDecimal {
				d := v[0].DecimalValue()
				d.Abs(d)
				return rowenc.Decimal(d), nil
			}
			if v[0].Kind == rowenc.KindFloat {
				return rowenc.Float(math.Abs(v[0].F)), nil
			}
			if v[0].I == math.MinInt64 {
				return rowenc.Null(), outOfRange(t)
			}
			if v[0].I < 0 {
				return checkInt(t, -v[0].I)
			}
			return v[0], nil
		}}, nil
	}
	// coalesce
	if nargs == 0 {
		return nil, p.noFunc(name, e.Args, sc)
	}
	t := types.Unknown
	for _, a := range args {
		if a.typ().OID != types.OIDUnknown {
			t = a.typ()
			break
		}
	}
	ats := make([]types.T, len(args))
	for i, a := range args {
		ats[i] = a.typ()
	}
	if ct, ok := commonType(ats); ok {
		// The widest numeric type, as PostgreSQL's UNION/CASE resolution.
		t = ct
	}
	if t.OID == types.OIDUnknown {
		t = types.Text
	}
	for i, a := range args {
		if a.typ() != t {
			c, err := assignTo(a, t, "coalesce")
			if err != nil || !(a.typ().OID == types.OIDUnknown || isNumeric(a.typ()) && isNumeric(t) || isStringy(a.typ()) && isStringy(t)) {
				return nil, pgerror.New(pgerror.CodeDatatypeMismatch, "COALESCE types %s and %s cannot be matched", t.Name(), a.typ().Name())
			}
			args[i] = c
		}
	}
	return &coalesceExpr{t: t, args: args}, nil
}

// coalesceExpr evaluates its arguments only up to the first non-NULL one,
// as PostgreSQL does (a later argument's error does not surface).
type coalesceExpr struct {
	t    types.T
	args []expr
}

func (e *coalesceExpr) typ() types.T { return e.t }
func (e *coalesceExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	for _, a := range e.args {
		v, err := a.eval(ec, row)
		if err != nil || !v.IsNull() {
			return v, err
		}
	}
	return rowenc.Null(), nil
}

// noFunc is the 42883 error for a call no built-in matches.
func (p *planner) noFunc(name string, args []ast.ExprNode, sc *scope) error {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = "unknown"
		if x, err := p.compile(a, types.Unknown, sc); err == nil {
			names[i] = x.typ().Name()
		}
	}
	return pgerror.New(pgerror.CodeUndefinedFunction, "function %s(%s) does not exist", name, strings.Join(names, ", ")).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

// likeExpr is [NOT] LIKE / ILIKE with % and _ and backslash escapes.
type likeExpr struct {
	e, pattern expr
	not        bool
	ci         bool
	escape     byte
}

func (p *planner) like(e *ast.PatternLikeOrIlikeExpr, sc *scope) (expr, error) {
	x, err := p.compile(e.Expr, types.Text, sc)
	if err != nil {
		return nil, err
	}
	pat, err := p.compile(e.Pattern, types.Text, sc)
	if err != nil {
		return nil, err
	}
	if !isStringy(x.typ()) || !isStringy(pat.typ()) {
		return nil, pgerror.New(pgerror.CodeUndefinedFunction, "operator does not exist: %s ~~ %s", x.typ().Name(), pat.typ().Name())
	}
	esc := e.Escape
	if !e.EscapeExplicit {
		esc = '\\'
	}
	return &likeExpr{e: x, pattern: pat, not: e.Not, ci: !e.IsLike, escape: esc}, nil
}

func (e *likeExpr) typ() types.T { return types.Bool }
func (e *likeExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	v, err := e.e.eval(ec, row)
	if err != nil || v.IsNull() {
		return rowenc.Null(), err
	}
	pv, err := e.pattern.eval(ec, row)
	if err != nil || pv.IsNull() {
		return rowenc.Null(), err
	}
	var b strings.Builder
	if e.ci {
		b.WriteString("(?is)^")
	} else {
		b.WriteString("(?s)^")
	}
	pat := pv.S
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == e.escape && e.escape != 0:
			if i+1 >= len(pat) {
				return rowenc.Null(), pgerror.New("22025", "LIKE pattern must not end with escape character")
			}
			i++
			b.WriteString(regexp.QuoteMeta(pat[i : i+1]))
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(pat[i : i+1]))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return rowenc.Null(), pgerror.New(pgerror.CodeInvalidParameterValue, "invalid LIKE pattern")
	}
	return rowenc.Bool(re.MatchString(v.S) != e.not), nil
}

// caseExpr is CASE [x] WHEN ... THEN ... [ELSE ...] END.
type caseExpr struct {
	t     types.T
	whens []expr // conditions (bool)
	thens []expr
	els   expr
}

func (p *planner) caseExpr(e *ast.CaseExpr, hint types.T, sc *scope) (expr, error) {
	c := &caseExpr{}
	for _, w := range e.WhenClauses {
		var cond expr
		var err error
		if e.Value != nil {
			cond, err = p.binary(opcode.EQ, e.Value, w.Expr, sc)
		} else {
			cond, err = p.compileBool(w.Expr, "CASE/WHEN", sc)
		}
		if err != nil {
			return nil, err
		}
		c.whens = append(c.whens, cond)
	}
	results := append([]ast.ExprNode{}, nil)[:0]
	for _, w := range e.WhenClauses {
		results = append(results, w.Result)
	}
	if e.ElseClause != nil {
		results = append(results, e.ElseClause)
	}
	// The result type is the typed branches' common type (the widest
	// numeric type, as PostgreSQL's CASE resolution picks).
	t := types.Unknown
	var typed []types.T
	for _, r := range results {
		if !p.untyped(r) {
			x, err := p.compile(r, types.Unknown, sc)
			if err != nil {
				return nil, err
			}
			typed = append(typed, x.typ())
		}
	}
	if len(typed) > 0 {
		t = typed[0]
		if !allSame(typed) {
			ct, ok := commonType(typed)
			if !ok {
				return nil, pgerror.New(pgerror.CodeDatatypeMismatch, "CASE types %s and %s cannot be matched", typed[0].Name(), typed[len(typed)-1].Name())
			}
			t = ct
			if t.OID == types.OIDNumeric {
				t = types.Numeric
			}
		}
	}
	if t.OID == types.OIDUnknown {
		t = hint
		if t.OID == 0 || t.OID == types.OIDUnknown {
			t = types.Text
		}
	}
	c.t = t
	conv := func(r ast.ExprNode) (expr, error) {
		x, err := p.compile(r, t, sc)
		if err != nil {
			return nil, err
		}
		if x.typ() == t {
			return x, nil
		}
		if !(isNumeric(x.typ()) && isNumeric(t) || isStringy(x.typ()) && isStringy(t) || x.typ().OID == types.OIDUnknown) {
			return nil, pgerror.New(pgerror.CodeDatatypeMismatch, "CASE types %s and %s cannot be matched", t.Name(), x.typ().Name())
		}
		return &castExpr{e: x, to: t}, nil
	}
	for _, w := range e.WhenClauses {
		x, err := conv(w.Result)
		if err != nil {
			return nil, err
		}
		c.thens = append(c.thens, x)
	}
	if e.ElseClause != nil {
		x, err := conv(e.ElseClause)
		if err != nil {
			return nil, err
		}
		c.els = x
	}
	return c, nil
}

func (e *caseExpr) typ() types.T { return e.t }
func (e *caseExpr) eval(ec *execCtx, row []rowenc.Value) (rowenc.Value, error) {
	for i, w := range e.whens {
		v, err := w.eval(ec, row)
		if err != nil {
			return v, err
		}
		if !v.IsNull() && v.Bool() {
			return e.thens[i].eval(ec, row)
		}
	}
	if e.els != nil {
		return e.els.eval(ec, row)
	}
	return rowenc.Null(), nil
}

// settingFunc compiles current_setting(name [, missing_ok]) and
// set_config(name, value, is_local), PostgreSQL's function forms of SHOW
// and SET.
func (p *planner) settingFunc(name string, args []ast.ExprNode, sc *scope) (expr, error) {
	hints := []types.T{types.Text, types.Bool}
	if name == "set_config" {
		hints = []types.T{types.Text, types.Text, types.Bool}
	}
	if len(args) < 1 || len(args) > len(hints) || name == "set_config" && len(args) != 3 {
		return nil, p.noFunc(name, args, sc)
	}
	xs := make([]expr, len(args))
	for i, a := range args {
		x, err := p.compile(a, hints[i], sc)
		if err != nil {
			return nil, err
		}
		if xs[i], err = assignTo(x, hints[i], name); err != nil {
			return nil, p.noFunc(name, args, sc)
		}
	}
	if name == "current_setting" {
		return &funcExpr{t: types.Text, args: xs, strict: true, fn: func(ec *execCtx, v []rowenc.Value) (rowenc.Value, error) {
			_, val, err := ec.s.vars.get(canonicalVarName(v[0].S))
			if err != nil && len(v) == 2 && v[1].Bool() {
				return rowenc.Null(), nil
			}
			return rowenc.String(val), err
		}}, nil
	}
	return &funcExpr{t: types.Text, args: xs, fn: func(ec *execCtx, v []rowenc.Value) (rowenc.Value, error) {
		if v[0].IsNull() {
			return rowenc.Value{}, pgerror.New("22004", "SET requires parameter name")
		}
		if !v[2].IsNull() && v[2].Bool() {
			return rowenc.Value{}, pgerror.Unsupported("set_config with is_local true (SET LOCAL)")
		}
		// A NULL value resets the setting, as in PostgreSQL.
		n := canonicalVarName(v[0].S)
		if err := ec.s.vars.set(n, v[1].S, v[1].IsNull()); err != nil {
			return rowenc.Value{}, err
		}
		_, val, err := ec.s.vars.get(n)
		return rowenc.String(val), err
	}}, nil
}
