package checker

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

// RegisterOptions configures the register checker.
type RegisterOptions struct {
	// Initial is every key's value before the history began.
	Initial int64
	// Timeout bounds porcupine's search (0: no bound). A search that runs
	// out yields an Unknown verdict.
	Timeout time.Duration
}

// regInput is the porcupine input of one register operation.
type regInput struct {
	F        string // "read", "write", "cas"
	Key      int64
	Value    int64 // write: value written; read: value read
	Old, New int64 // cas
	// Indeterminate: an Info write or cas, which may or may not have
	// applied and never returned.
	Indeterminate bool
}

// RegisterResult is the register checker's Report plus what is needed to
// render porcupine's visualization of the (non-)linearization.
type RegisterResult struct {
	Report
	model porcupine.Model
	info  porcupine.LinearizationInfo
}

// Visualize writes porcupine's HTML visualization of the checked history.
func (r RegisterResult) Visualize(w io.Writer) error {
	return porcupine.Visualize(r.model, r.info, w)
}

// registerModel is a single register per key, partitioned by key.
func registerModel(initial int64) porcupine.Model {
	return porcupine.Model{
		Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
			byKey := make(map[int64][]porcupine.Operation)
			for _, op := range h {
				k := op.Input.(regInput).Key
				byKey[k] = append(byKey[k], op)
			}
			keys := make([]int64, 0, len(byKey))
			for k := range byKey {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
			out := make([][]porcupine.Operation, 0, len(keys))
			for _, k := range keys {
				out = append(out, byKey[k])
			}
			return out
		},
		Init: func() interface{} { return initial },
		Step: func(state, input, _ interface{}) (bool, interface{}) {
			s := state.(int64)
			in := input.(regInput)
			switch in.F {
			case "read":
				return in.Value == s, s
			case "write":
				return true, in.Value
			case "cas":
				if s == in.Old {
					return true, in.New
				}
				// An Indeterminate cas whose condition is false at its
				// linearization point simply did not apply; an Ok one
				// must have found Old.
				return in.Indeterminate, s
			}
			return false, s
		},
		DescribeOperation: func(input, _ interface{}) string {
			in := input.(regInput)
			suffix := ""
			if in.Indeterminate {
				suffix = " ?"
			}
			switch in.F {
			case "read":
				return fmt.Sprintf("read(k%d) -> %d", in.Key, in.Value)
			case "write":
				return fmt.Sprintf("write(k%d, %d)%s", in.Key, in.Value, suffix)
			default:
				return fmt.Sprintf("cas(k%d, %d -> %d)%s", in.Key, in.Old, in.New, suffix)
			}
		},
		DescribeState: func(state interface{}) string { return fmt.Sprint(state.(int64)) },
	}
}

// Register checks a history of single-key "read", "write" and "cas" ops for
// linearizability, per key, with porcupine. Ok ops take effect between
// their invoke and complete. Info writes and cas ops may take effect at any
// point after their invoke, or never (they are given an infinite completion
// time; an Info cas may also have found its condition false). Fail ops and
// ops whose reads are untrusted (Info or Fail reads) are dropped. A Fail cas
// is one that certainly did not apply (the row did not hold Old).
func Register(ops []history.Op, opts RegisterOptions) RegisterResult {
	r := RegisterResult{Report: Report{Checker: "register"}, model: registerModel(opts.Initial)}
	var pops []porcupine.Operation
	for _, op := range ops {
		if op.F != "read" && op.F != "write" && op.F != "cas" {
			continue
		}
		countOutcome(&r.Report, op)
		in := regInput{F: op.F, Key: op.Key, Value: op.Value, Old: op.Old, New: op.New}
		ret := op.Complete
		switch op.Outcome {
		case history.Ok:
		case history.Info:
			if op.F == "read" {
				continue
			}
			in.Indeterminate = true
			ret = math.MaxInt64
		default:
			continue
		}
		pops = append(pops, porcupine.Operation{
			ClientId: op.Process, Input: in, Call: op.Invoke, Output: nil, Return: ret, Metadata: op.Index,
		})
	}
	// porcupine's visualization wants zero-indexed client ids; renumber.
	ids := make(map[int]int)
	for i := range pops {
		id, ok := ids[pops[i].ClientId]
		if !ok {
			id = len(ids)
			ids[pops[i].ClientId] = id
		}
		pops[i].ClientId = id
	}
	res, info := porcupine.CheckOperationsVerbose(r.model, pops, opts.Timeout)
	r.info = info
	switch res {
	case porcupine.Illegal:
		keys := illegalKeys(r.model, pops, opts.Timeout)
		for _, k := range keys {
			r.add(Anomaly{Type: NonLinearizable,
				Description: fmt.Sprintf("key %d: no linearization of its reads, writes and compare-and-sets exists; see linearizability.html for the longest partial linearizations", k)})
		}
		if len(keys) == 0 {
			r.add(Anomaly{Type: NonLinearizable, Description: "no linearization of the register history exists"})
		}
	case porcupine.Unknown:
		r.Verdict = Unknown
		r.Reason = fmt.Sprintf("linearizability search did not finish within %s", opts.Timeout)
	}
	r.stat("checked-ops", len(pops))
	r.finish()
	return r
}

// illegalKeys returns the keys whose own histories are not linearizable.
func illegalKeys(model porcupine.Model, pops []porcupine.Operation, timeout time.Duration) []int64 {
	var keys []int64
	for _, part := range model.Partition(pops) {
		m := model
		m.Partition = nil
		if porcupine.CheckOperationsTimeout(m, part, timeout) == porcupine.Illegal {
			keys = append(keys, part[0].Input.(regInput).Key)
		}
	}
	return keys
}
