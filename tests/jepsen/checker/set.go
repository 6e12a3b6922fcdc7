package checker

import (
	"fmt"
	"slices"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

// Set checks a set history: "add" ops insert unique Values, and a
// "final-read" op, run after the workload stopped and faults healed, returns
// Elements. The last Ok final read must contain every Ok add, may or may
// not contain Info adds, and must contain nothing that was never added nor
// any Fail add (a Fail op certainly did not happen). Without an Ok final
// read the verdict is Unknown.
func Set(ops []history.Op) Report {
	r := Report{Checker: "set"}
	adds := make(map[int64]history.Op)
	var final *history.Op
	for i := range ops {
		op := ops[i]
		switch op.F {
		case "add":
			countOutcome(&r, op)
			adds[op.Value] = op
		case "final-read":
			countOutcome(&r, op)
			if op.Outcome == history.Ok {
				final = &ops[i]
			}
		}
	}
	if final == nil {
		r.Verdict = Unknown
		r.Reason = "no successful final read"
		r.finish()
		return r
	}
	seen := make(map[int64]bool, len(final.Elements))
	for _, e := range final.Elements {
		if seen[e] {
			r.add(Anomaly{Type: SetDuplicate, Ops: []int{final.Index},
				Description: fmt.Sprintf("element %d appears more than once in the final read", e)})
		}
		seen[e] = true
		add, ok := adds[e]
		switch {
		case !ok:
			r.add(Anomaly{Type: SetUnexpected, Ops: []int{final.Index},
				Description: fmt.Sprintf("element %d was never added", e)})
		case add.Outcome == history.Fail:
			r.add(Anomaly{Type: SetFailedPresent, Ops: []int{add.Index, final.Index},
				Description: fmt.Sprintf("element %d is present but its add failed (%s)", e, add.Error)})
		}
	}
	var infoPresent, infoAbsent int
	values := make([]int64, 0, len(adds))
	for v := range adds {
		values = append(values, v)
	}
	slices.Sort(values)
	for _, v := range values {
		add := adds[v]
		switch {
		case add.Outcome == history.Ok && !seen[v]:
			r.add(Anomaly{Type: SetLost, Ops: []int{add.Index, final.Index},
				Description: fmt.Sprintf("element %d was acknowledged but is missing from the final read", v)})
		case add.Outcome == history.Info && seen[v]:
			infoPresent++
		case add.Outcome == history.Info:
			infoAbsent++
		}
	}
	r.stat("info-present", infoPresent)
	r.stat("info-absent", infoAbsent)
	r.stat("final-size", len(final.Elements))
	r.finish()
	return r
}
