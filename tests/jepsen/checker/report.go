package checker

import (
	"fmt"
	"github.com/meridiandb/meridian/tests/jepsen/history"
	"sort"
	"strings"
)

// Verdict is a checker's conclusion.
type Verdict string

const (
	// Valid: no anomaly was found.
	Valid Verdict = "valid"
	// Invalid: at least one anomaly was found.
	Invalid Verdict = "invalid"
	// Unknown: the history could not be judged (no final read, a search
	// that timed out). It is not a pass.
	Unknown Verdict = "unknown"
)

// Anomaly types reported by the checkers.
const (
	// Bank.
	BankWrongTotal = "wrong-total"
	BankNegative   = "negative-balance"
	BankBadRead    = "malformed-read"

	// List-append.
	G0              = "G0"
	G1a             = "G1a"
	G1b             = "G1b"
	G1c             = "G1c"
	GSingle         = "G-single"
	G2              = "G2"
	StrictSerial    = "strict-serializability"
	DuplicateElems  = "duplicate-elements"
	IncompatibleOrd = "incompatible-order"
	GarbageRead     = "garbage-read"
	LostAppend      = "lost-append"

	// Register.
	NonLinearizable = "non-linearizable"

	// Set.
	SetLost          = "lost"
	SetUnexpected    = "unexpected"
	SetFailedPresent = "failed-present"
	SetDuplicate     = "duplicate"
	SetNoFinalRead   = "no-final-read"
)

// Anomaly is one violation found in a history.
type Anomaly struct {
	Type string `json:"type"`
	// Ops are the Index of the operations involved (for a cycle, in cycle
	// order).
	Ops []int `json:"ops,omitempty"`
	// Description explains the anomaly to a person.
	Description string `json:"description"`
}

// Report is a checker's result.
type Report struct {
	Checker   string    `json:"checker"`
	Verdict   Verdict   `json:"verdict"`
	Summary   string    `json:"summary"`
	Anomalies []Anomaly `json:"anomalies,omitempty"`
	// Counts of anomalies by type, including those not listed in Anomalies
	// because of the per-type cap.
	Counts map[string]int `json:"counts,omitempty"`
	// Stats are operation counts by outcome and other figures.
	Stats map[string]int `json:"stats,omitempty"`
	// Reason explains an Unknown verdict.
	Reason string `json:"reason,omitempty"`
}

// maxPerType bounds how many anomalies of one type a report lists.
const maxPerType = 20

// add records an anomaly, listing at most maxPerType of each type.
func (r *Report) add(a Anomaly) {
	if r.Counts == nil {
		r.Counts = make(map[string]int)
	}
	r.Counts[a.Type]++
	if r.Counts[a.Type] <= maxPerType {
		r.Anomalies = append(r.Anomalies, a)
	}
}

func (r *Report) stat(name string, n int) {
	if r.Stats == nil {
		r.Stats = make(map[string]int)
	}
	r.Stats[name] += n
}

// Has reports whether an anomaly of the given type was found.
func (r Report) Has(typ string) bool { return r.Counts[typ] > 0 }

// severity orders anomaly types in reports: cycles and dirty reads first.
var severity = map[string]int{G0: 1, G1a: 2, G1b: 3, G1c: 4, GSingle: 5, G2: 6, StrictSerial: 7}

// finish sets Verdict (unless already Unknown) and Summary, and orders the
// anomalies most severe first.
func (r *Report) finish() {
	rank := func(typ string) int {
		if n, ok := severity[typ]; ok {
			return n
		}
		return len(severity) + 1
	}
	sort.SliceStable(r.Anomalies, func(i, j int) bool { return rank(r.Anomalies[i].Type) < rank(r.Anomalies[j].Type) })
	if len(r.Counts) > 0 {
		r.Verdict = Invalid
	} else if r.Verdict == "" {
		r.Verdict = Valid
	}
	var parts []string
	for _, typ := range sortedKeys(r.Counts) {
		parts = append(parts, fmt.Sprintf("%d %s", r.Counts[typ], typ))
	}
	switch r.Verdict {
	case Invalid:
		r.Summary = fmt.Sprintf("%s: INVALID: %s", r.Checker, strings.Join(parts, ", "))
	case Unknown:
		r.Summary = fmt.Sprintf("%s: UNKNOWN: %s", r.Checker, r.Reason)
	default:
		r.Summary = fmt.Sprintf("%s: valid (%s)", r.Checker, statLine(r.Stats))
	}
}

func statLine(stats map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(stats) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, stats[k]))
	}
	return strings.Join(parts, " ")
}

// Text renders the report for a person.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.Summary)
	if len(r.Stats) > 0 {
		fmt.Fprintf(&b, "stats: %s\n", statLine(r.Stats))
	}
	if r.Reason != "" {
		fmt.Fprintf(&b, "reason: %s\n", r.Reason)
	}
	for _, a := range r.Anomalies {
		fmt.Fprintf(&b, "\n[%s] ops %v\n  %s\n", a.Type, a.Ops, strings.ReplaceAll(a.Description, "\n", "\n  "))
	}
	for _, typ := range sortedKeys(r.Counts) {
		if n := r.Counts[typ]; n > maxPerType {
			fmt.Fprintf(&b, "\n(%d more %s not listed)\n", n-maxPerType, typ)
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// countOutcome counts op in r's stats by F and outcome ("read.ok").
func countOutcome(r *Report, op history.Op) {
	r.stat(op.F+"."+string(op.Outcome), 1)
}
