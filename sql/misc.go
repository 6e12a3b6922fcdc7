package sql

import (
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// codeCantChangeRuntimeParam is 55P02.
const codeCantChangeRuntimeParam = "55P02"

type setPlan struct {
	names  []string
	values []string
	reset  []bool
	tag    string // SET, or RESET
}

func (sp *setPlan) columns() []Column { return nil }

func (p *planner) planSet(n *ast.SetStmt) (plan, error) {
	sp := &setPlan{tag: "SET"}
	if p.st != nil && p.st.Tag != "" {
		sp.tag = p.st.Tag
	}
	for _, v := range n.Variables {
		if !v.IsSystem || v.IsGlobal || v.IsInstance {
			return nil, pgerror.Unsupported("this form of SET")
		}
		name := canonicalVarName(v.Name)
		switch x := v.Value.(type) {
		case *ast.DefaultExpr:
			sp.names, sp.values, sp.reset = append(sp.names, name), append(sp.values, ""), append(sp.reset, true)
		case *test_driver.ValueExpr:
			sp.names, sp.values, sp.reset = append(sp.names, name), append(sp.values, x.GetString()), append(sp.reset, false)
		default:
			return nil, pgerror.Unsupported("this form of SET")
		}
	}
	return sp, nil
}

func (sp *setPlan) exec(ec *execCtx, w ResultWriter) error {
	for i, name := range sp.names {
		if name == "all" && sp.reset[i] {
			for k, d := range varDefs {
				if !d.readOnly {
					if err := ec.s.vars.set(k, "", true); err != nil {
						return err
					}
				}
			}
			continue
		}
		if err := ec.s.vars.set(name, sp.values[i], sp.reset[i]); err != nil {
			return err
		}
	}
	return w.Complete(sp.tag)
}

type showPlan struct {
	name string // "" for SHOW ALL
	cols []Column
}

func (sp *showPlan) columns() []Column { return sp.cols }

func (p *planner) planShow(n *ast.ShowStmt) (plan, error) {
	if n.Tp != ast.ShowVariables || n.GlobalScope {
		return nil, pgerror.Unsupported("this SHOW statement")
	}
	if n.Pattern == nil {
		return &showPlan{cols: []Column{{Name: "name", Type: types.Text}, {Name: "setting", Type: types.Text}, {Name: "description", Type: types.Text}}}, nil
	}
	v, ok := n.Pattern.Pattern.(*test_driver.ValueExpr)
	if !ok {
		return nil, pgerror.Unsupported("this SHOW statement")
	}
	name := canonicalVarName(v.GetString())
	display, _, err := p.s.vars.get(name)
	if err != nil {
		return nil, err
	}
	return &showPlan{name: name, cols: []Column{{Name: display, Type: types.Text}}}, nil
}

func (sp *showPlan) exec(ec *execCtx, w ResultWriter) error {
	if err := w.Columns(sp.cols); err != nil {
		return err
	}
	if sp.name == "" {
		for _, kv := range ec.s.vars.all() {
			if err := w.Row([]rowenc.Value{rowenc.String(kv[0]), rowenc.String(kv[1]), rowenc.String(varDescription(kv[0]))}); err != nil {
				return err
			}
		}
		return w.Complete("SHOW")
	}
	_, v, err := ec.s.vars.get(sp.name)
	if err != nil {
		return err
	}
	if err := w.Row([]rowenc.Value{rowenc.String(v)}); err != nil {
		return err
	}
	return w.Complete("SHOW")
}

type explainPlan struct {
	lines []string
}

func (ep *explainPlan) columns() []Column {
	return []Column{{Name: "QUERY PLAN", Type: types.Text}}
}

func (p *planner) planExplain(n *ast.ExplainStmt) (plan, error) {
	inner, err := p.planStmt(n.Stmt)
	if err != nil {
		return nil, err
	}
	ex, ok := inner.(explainer)
	if !ok {
		return nil, pgerror.Unsupported("EXPLAIN of this statement")
	}
	if n.Analyze {
		return &explainAnalyzePlan{inner: inner}, nil
	}
	return &explainPlan{lines: indent(ex.explain())}, nil
}

func (ep *explainPlan) exec(ec *execCtx, w ResultWriter) error {
	if err := w.Columns(ep.columns()); err != nil {
		return err
	}
	for _, l := range ep.lines {
		if err := w.Row([]rowenc.Value{rowenc.String(l)}); err != nil {
			return err
		}
	}
	return w.Complete("EXPLAIN")
}
