package sql

import (
	"strconv"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// planSpecial plans the statements the front parses itself (front.Special).
func (p *planner) planSpecial(n front.Special) (plan, error) {
	switch n := n.(type) {
	case *front.CopyStmt:
		return p.planCopy(n)
	case *front.SequenceStmt:
		return p.planSequence(n)
	case *front.DropSequenceStmt:
		return p.planDropSeqs(n.Names, n.IfExists, n.Cascade), nil
	case *front.IdentityStmt:
		return p.planIdentity(n), nil
	case *front.NoopStmt:
		// VACUUM and ANALYZE have nothing to do: MVCC garbage is collected
		// by the storage layer and there are no statistics.
		return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error { return w.Complete(n.Tag) }}, nil
	case *front.TruncateStmt:
		var plans []plan
		for _, name := range n.Tables {
			pl, err := p.planTruncate(&ast.TruncateTableStmt{Table: &ast.TableName{Name: ast.NewCIStr(name)}})
			if err != nil {
				return nil, err
			}
			plans = append(plans, pl)
		}
		return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
			for _, pl := range plans {
				if err := pl.exec(ec, &bufferWriter{}); err != nil {
					return err
				}
			}
			if n.RestartIdentity {
				if err := restartOwnedSequences(ec, p, n.Tables); err != nil {
					return err
				}
			}
			return w.Complete("TRUNCATE TABLE")
		}}, nil
	case *front.OwnerStmt:
		return p.planOwner(n)
	case *front.PartitionProbe:
		return p.planPartitionProbe(n)
	case *front.EmptyProbe:
		return planEmptyProbe(n), nil
	}
	return nil, pgerror.Unsupported(n.SpecialName())
}

// probePlan answers pgbench's partitioning probe (see front.PartitionProbe).
type probePlan struct {
	exists bool
}

func (pp *probePlan) columns() []Column {
	return []Column{{Name: "n", Type: types.Int4}, {Name: "partstrat", Type: types.Text}, {Name: "count", Type: types.Int8}}
}

func (pp *probePlan) exec(ec *execCtx, w ResultWriter) error {
	if err := w.Columns(pp.columns()); err != nil {
		return err
	}
	n := 0
	if pp.exists {
		// First schema of the search path, not partitioned, no inheritors.
		if err := w.Row([]rowenc.Value{rowenc.Int(1), rowenc.Null(), rowenc.Int(0)}); err != nil {
			return err
		}
		n = 1
	}
	return w.Complete("SELECT " + strconv.Itoa(n))
}

func (p *planner) planPartitionProbe(n *front.PartitionProbe) (plan, error) {
	db, err := p.database()
	if err != nil {
		return nil, err
	}
	t, err := catalog.LookupTable(p.ctx, p.tx, db.ID, n.Table)
	if err != nil {
		return nil, err
	}
	return &probePlan{exists: t != nil}, nil
}

// planOwner accepts ALTER ... OWNER TO for a relation that exists (see
// front.OwnerStmt): there is no owner to change.
func (p *planner) planOwner(n *front.OwnerStmt) (plan, error) {
	tn := &ast.TableName{Schema: ast.NewCIStr(n.Schema), Name: ast.NewCIStr(n.Name)}
	if err := checkSchema(tn); err != nil {
		return nil, err
	}
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		db, err := p.database()
		if err != nil {
			return err
		}
		t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, n.Name)
		if err != nil {
			return err
		}
		seq, err := catalog.LookupSequence(ec.ctx, ec.tx, db.ID, n.Name)
		if err != nil {
			return err
		}
		// ALTER TABLE takes any relation, as in PostgreSQL; the others
		// only their own kind.
		switch {
		case t == nil && seq == nil:
			return pgerror.New(pgerror.CodeUndefinedTable, "relation %q does not exist", n.Name)
		case n.Kind == "SEQUENCE" && seq == nil:
			return pgerror.New(pgerror.CodeWrongObjectType, "%q is not a sequence", n.Name)
		case n.Kind == "VIEW":
			return pgerror.New(pgerror.CodeWrongObjectType, "%q is not a view", n.Name)
		}
		return w.Complete(n.SpecialName())
	}}, nil
}
