package sql

import (
	"context"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
)

// A prepared statement keeps the plan of its last execution and runs it
// again instead of planning, when both executions are read-only and the
// plan is still the one planning would make:
//
//   - The plan depends only on the catalog, read at the planning
//     transaction's timestamp. The catalog cache's argument (catcache.go)
//     shows that a read-only transaction that loaded catalog state s
//     before it began, with no catalog writer in flight, read at ts0 the
//     catalog that every read-only transaction with timestamp ts >= ts0
//     sees while the state is still s. The plan is tagged (s, ts0) and
//     reused under the same condition.
//   - Only plans of shapes that read nothing else and keep no state
//     between executions are kept: a SELECT from one table, with no
//     function calls, subqueries, string literals (their value may depend
//     on the session's TimeZone), aggregates, window functions, CTEs or
//     locking clause (reusableAST), which plans as a selectPlan over a
//     table scan (reusablePlan).
//
// Read-write transactions always plan: their catalog reads take the shared
// locks that order DDL against them.
//
// Whatever plan runs, a prepared statement answers with the result columns
// it was described with (names, types and modifiers) or fails with 0A000
// "cached plan must not change result type", as PostgreSQL's does after
// ALTER TABLE or a table created again: at Bind (revalidate, before the
// portal is described; it plans again only when the catalog state moved
// since the columns were last found right) and at each execution
// (planFor), since the catalog may change in between.
type cachedPlan struct {
	pl plan // nil: none yet
	at uint64
	ts clock.Timestamp
}

func (c *cachedPlan) lookup(rt *cachedReadTxn) plan {
	if c.pl == nil || rt.cache.state.Load() != c.at || rt.ReadTimestamp().Less(c.ts) {
		return nil
	}
	return c.pl
}

func (c *cachedPlan) store(pl plan, rt *cachedReadTxn) {
	if rt.begun&stateWritersMask != 0 {
		return
	}
	c.pl, c.at, c.ts = pl, rt.begun, rt.ReadTimestamp()
}

// planFor plans st, or reuses the plan of the prepared statement being
// executed (s.execPrep) when the rules above allow. A plan of the prepared
// statement whose result columns are not the ones it was described with
// (the catalog changed since Prepare) is refused as PostgreSQL refuses it:
// the client decodes rows by that description.
func (s *session) planFor(ctx context.Context, tx txn.Txn, st *front.Parsed, ptypes []types.T) (plan, error) {
	pr := s.execPrep
	if pr == nil || pr.stmt == nil || pr.stmt.AST != st.AST {
		return s.plan(ctx, tx, st, ptypes)
	}
	rt, ok := tx.(*cachedReadTxn)
	if ok && pr.reusable {
		if pl := pr.plan.lookup(rt); pl != nil {
			return pl, nil
		}
	}
	pl, err := s.plan(ctx, tx, st, ptypes)
	if err != nil {
		return nil, err
	}
	if !sameResult(pl.columns(), pr.cols) {
		return nil, pgerror.New(pgerror.CodeFeatureNotSupported, "cached plan must not change result type")
	}
	if ok && pr.reusable && reusablePlan(pl) {
		pr.plan.store(pl, rt)
	}
	return pl, nil
}

// textLike: unknown and text columns read the same on the wire.
func textLike(t types.T) bool { return t.OID == types.OIDText || t.OID == types.OIDUnknown }

// sameResult reports whether result columns a and b have the same names
// and types (with modifiers), which is what PostgreSQL compares.
func sameResult(a, b []Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type != b[i].Type && !(textLike(a[i].Type) && textLike(b[i].Type)) {
			return false
		}
	}
	return true
}

func reusablePlan(pl plan) bool {
	sp, ok := pl.(*selectPlan)
	return ok && sp.scan != nil && sp.join == nil && sp.aggs == nil && (sp.wins == nil || len(sp.wins.funcs) == 0)
}

// reusableAST reports whether a statement is of a shape whose plan may be
// kept (see cachedPlan).
func reusableAST(n ast.StmtNode) bool {
	sel, ok := n.(*ast.SelectStmt)
	if !ok || sel.With != nil || sel.LockInfo != nil && sel.LockInfo.LockType != ast.SelectLockNone ||
		sel.Kind != ast.SelectStmtKindSelect {
		return false
	}
	v := &shapeChecker{ok: true}
	n.Accept(v)
	return v.ok
}

// shapeChecker clears ok at the first node outside the kept shapes.
type shapeChecker struct{ ok bool }

func (v *shapeChecker) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.SelectStmt, *ast.FieldList, *ast.SelectField, *ast.TableRefsClause, *ast.Join,
		*ast.TableSource, *ast.TableName, *ast.ColumnNameExpr, *ast.ColumnName,
		*ast.BinaryOperationExpr, *ast.UnaryOperationExpr, *ast.ParenthesesExpr,
		*ast.IsNullExpr, *ast.IsTruthExpr, *ast.BetweenExpr, *ast.PatternInExpr,
		*ast.OrderByClause, *ast.ByItem, *ast.Limit, *test_driver.ParamMarkerExpr:
		return n, false
	case *test_driver.ValueExpr:
		switch n.Kind() {
		case test_driver.KindString, test_driver.KindBytes:
		default:
			return n, false
		}
	}
	v.ok = false
	return n, true
}

func (v *shapeChecker) Leave(n ast.Node) (ast.Node, bool) { return n, v.ok }

// planChecked runs planIn in the open block's transaction or in a
// read-only one of its own, and returns the catalog state the plan is
// known to be right in, if any (see revalidate).
func (s *session) planChecked(ctx context.Context, planIn func(txn.Txn) error) (uint64, bool, error) {
	if s.state == stateOpen {
		if err := planIn(s.tx); err != nil {
			return 0, false, err
		}
		// The block's snapshot may be older than the current catalog.
		at, ok := sameCatalogSince(s.tx)
		return at, ok, nil
	}
	d, ok := s.srv.cfg.DB.(*catalogDB)
	var begun uint64
	if ok {
		begun = d.cache.state.Load() // before the transaction begins
	}
	if err := s.srv.runTxn(ctx, txn.Options{ReadOnly: true}, planIn); err != nil {
		return 0, false, err
	}
	return begun, ok && begun&stateWritersMask == 0, nil
}

// revalidate refuses to bind a prepared statement whose result columns
// changed since it was described, as PostgreSQL does at Bind (before the
// portal is described): it plans the statement again, unless no catalog
// change started or ended since its columns were last found right. The
// check at execution (planFor) stays: a change may land between Bind and
// Execute, or the statement may run in a snapshot older than this check's.
func (s *session) revalidate(p *prepared) error {
	if p.cols == nil || controlOf(p.stmt.AST) != notControl {
		return nil
	}
	if d, ok := s.srv.cfg.DB.(*catalogDB); p.atOK && ok && d.cache.state.Load() == p.at {
		return nil
	}
	ctx, cancel := s.withTimeout(context.Background())
	defer cancel()
	var cols []Column
	at, atOK, err := s.planChecked(ctx, func(tx txn.Txn) error {
		pl, err := s.plan(ctx, tx, p.stmt, p.ptypes)
		if err == nil {
			cols = pl.columns()
		}
		return err
	})
	if err == nil && !sameResult(cols, p.cols) {
		err = pgerror.New(pgerror.CodeFeatureNotSupported, "cached plan must not change result type")
	}
	if err != nil {
		return s.fail(ctx, err)
	}
	p.at, p.atOK = at, atOK
	return nil
}
