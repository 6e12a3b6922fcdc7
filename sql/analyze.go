package sql

import (
	"fmt"
	"time"

	"github.com/meridiandb/meridian/sql/rowenc"
)

// EXPLAIN ANALYZE runs the statement (its results are discarded; writes
// happen, as in PostgreSQL) and shows the plan with each operator's actual
// output rows and the time spent in it, read from Config.Now.

type opStats struct {
	rows int
	dur  time.Duration
}

// analyzeStats collects per-operator figures. Operators of a SELECT are
// named by stage ("scan", "filter", "group", "distinct", "sort", "limit";
// joins "step0", "step1", ...). Subqueries run with analyze unset.
type analyzeStats struct {
	now   func() time.Time
	ops   map[string]*opStats
	start time.Time
}

func (a *analyzeStats) record(op string, rows int, since time.Time) time.Time {
	now := a.now()
	st := a.ops[op]
	if st == nil {
		st = &opStats{}
		a.ops[op] = st
	}
	st.rows += rows
	st.dur += now.Sub(since)
	return now
}

func (a *analyzeStats) annotate(line, op string) string {
	st := a.ops[op]
	if st == nil {
		return line + " (never executed)"
	}
	return fmt.Sprintf("%s (actual rows=%d time=%.3fms)", line, st.rows, float64(st.dur.Microseconds())/1000)
}

type explainAnalyzePlan struct {
	inner plan
}

func (ep *explainAnalyzePlan) columns() []Column { return (&explainPlan{}).columns() }

func (ep *explainAnalyzePlan) exec(ec *execCtx, w ResultWriter) error {
	now := ec.s.srv.cfg.Now
	a := &analyzeStats{now: now, ops: map[string]*opStats{}, start: now()}
	sub := *ec
	sub.analyze = a
	cw := &collectWriter{}
	if err := ep.inner.exec(&sub, cw); err != nil {
		return err
	}
	total := now().Sub(a.start)
	var lines []string
	if sp, ok := ep.inner.(*selectPlan); ok {
		lines = sp.explainAnalyze(a)
	} else {
		lines = ep.inner.(explainer).explain()
		if len(lines) > 0 {
			lines[0] = fmt.Sprintf("%s (actual rows=%d)", lines[0], len(cw.rows))
		}
	}
	lines = append(indent(lines), fmt.Sprintf("Execution Time: %.3f ms", float64(total.Microseconds())/1000))
	if err := w.Columns(ep.columns()); err != nil {
		return err
	}
	for _, l := range lines {
		if err := w.Row([]rowenc.Value{rowenc.String(l)}); err != nil {
			return err
		}
	}
	return w.Complete("EXPLAIN")
}

// explainAnalyze is explain with each line's figures.
func (sp *selectPlan) explainAnalyze(a *analyzeStats) []string {
	lines := sp.explain()
	var ops []string
	if sp.limit != nil || sp.offset != nil {
		ops = append(ops, "limit")
	}
	if len(sp.order) > 0 {
		ops = append(ops, "sort")
	}
	if sp.distinct {
		ops = append(ops, "distinct")
	}
	if sp.wins != nil && len(sp.wins.funcs) > 0 {
		ops = append(ops, "window")
	}
	if sp.aggs != nil {
		ops = append(ops, "group")
	}
	if sp.filter != nil {
		ops = append(ops, "filter")
	}
	switch {
	case sp.join != nil:
		for i := len(sp.join.steps) - 1; i >= 0; i-- {
			ops = append(ops, fmt.Sprintf("step%d", i))
		}
	default:
		ops = append(ops, "scan")
	}
	for i := range lines {
		if i < len(ops) {
			lines[i] = a.annotate(lines[i], ops[i])
		}
	}
	return lines
}

// stage records an operator's output when analyzing; it returns the time
// the next stage starts from.
func (ec *execCtx) stage(op string, rows int, since time.Time) time.Time {
	if ec.analyze == nil {
		return since
	}
	return ec.analyze.record(op, rows, since)
}

// stageStart is the time a stage starts, when analyzing.
func (ec *execCtx) stageStart() time.Time {
	if ec.analyze == nil {
		return time.Time{}
	}
	return ec.analyze.now()
}
