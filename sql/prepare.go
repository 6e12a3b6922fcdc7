package sql

import (
	"context"

	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
)

type prepared struct {
	sql    string
	stmt   *front.Parsed // nil for an empty query
	ptypes []types.T
	cols   []Column
	// reusable says whether the statement's plan may be kept between
	// executions; plan is the one kept (plancache.go).
	reusable bool
	plan     cachedPlan
	// at is the catalog state cols were last found right in, when atOK
	// (revalidate).
	at   uint64
	atOK bool
}

var _ Prepared = (*prepared)(nil)

func (p *prepared) ParamTypes() []types.T { return p.ptypes }
func (p *prepared) Columns() []Column     { return p.cols }
func (p *prepared) SQL() string           { return p.sql }

// Prepare implements Session.
func (s *session) Prepare(ctx context.Context, query string, paramTypes []types.T) (Prepared, error) {
	stmts, err := s.parsePrepared(query)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if len(stmts) > 1 {
		return nil, s.fail(ctx, pgerror.New(pgerror.CodeSyntaxError, "cannot insert multiple commands into a prepared statement"))
	}
	p := &prepared{sql: query}
	if len(stmts) == 0 {
		return p, nil
	}
	p.stmt = &stmts[0]
	p.reusable = reusableAST(p.stmt.AST)
	ctl := controlOf(p.stmt.AST)
	if s.state == stateFailed && ctl != ctlCommit && ctl != ctlRollback {
		return nil, pgerror.New(pgerror.CodeInFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	n := max(p.stmt.NumParams, len(paramTypes))
	p.ptypes = make([]types.T, n)
	for i := range p.ptypes {
		p.ptypes[i] = types.Unknown
		if i < len(paramTypes) && paramTypes[i].OID != 0 {
			p.ptypes[i] = paramTypes[i]
		}
	}
	if ctl != notControl {
		return p, nil
	}
	planIn := func(tx txn.Txn) error {
		pl, err := s.plan(ctx, tx, p.stmt, p.ptypes)
		if err != nil {
			return err
		}
		p.cols = pl.columns()
		return nil
	}
	if p.at, p.atOK, err = s.planChecked(ctx, planIn); err != nil {
		return nil, s.fail(ctx, err)
	}
	used := make([]bool, len(p.ptypes))
	for _, n := range p.stmt.Params {
		used[n-1] = true
	}
	for i, t := range p.ptypes {
		if t.OID == types.OIDUnknown {
			if !used[i] {
				// As PostgreSQL: nothing says what an unreferenced $n is.
				return nil, s.fail(ctx, pgerror.New(pgerror.CodeIndeterminateDatatype, "could not determine data type of parameter $%d", i+1))
			}
			p.ptypes[i] = types.Text
		}
	}
	// A column planned from a parameter still untyped then (in a subquery,
	// before the statement's parameters were settled) is text, as the
	// parameter is: say so, as executions (and PostgreSQL) do.
	copied := false
	for i, c := range p.cols {
		if c.Type.OID == types.OIDUnknown {
			if !copied {
				p.cols, copied = append([]Column(nil), p.cols...), true
			}
			p.cols[i].Type = types.Text
		}
	}
	return p, nil
}

// ExecPrepared implements Session.
func (s *session) ExecPrepared(ctx context.Context, pr Prepared, params []rowenc.Value, w ResultWriter) error {
	p, ok := pr.(*prepared)
	if !ok {
		return pgerror.New(pgerror.CodeInvalidSQLStatementName, "prepared statement from another engine")
	}
	if p.stmt == nil {
		return w.EmptyQuery()
	}
	if len(params) != len(p.ptypes) {
		return pgerror.New(pgerror.CodeProtocolViolation, "bind message supplies %d parameters, but prepared statement requires %d", len(params), len(p.ptypes))
	}
	if params == nil {
		params = []rowenc.Value{}
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	s.execPrep = p
	defer func() { s.execPrep = nil }()
	return s.execOne(ctx, p.stmt, p.ptypes, params, w)
}
