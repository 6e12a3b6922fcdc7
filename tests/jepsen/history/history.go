package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Outcome is how an operation ended. See the package documentation.
type Outcome string

const (
	// Ok: the operation certainly took effect.
	Ok Outcome = "ok"
	// Fail: the operation certainly did not take effect.
	Fail Outcome = "fail"
	// Info: the operation may or may not have taken effect.
	Info Outcome = "info"
)

// NemesisProcess is the Process of the fault injector's entries in a
// history. Checkers ignore them; they are there for the reader.
const NemesisProcess = -1

// Op is one operation of a history. Which payload fields are set depends on
// the workload and F; the comment of each field says where it is used.
type Op struct {
	// Index is the position the Recorder assigned, unique in the history.
	Index int `json:"index"`
	// Process identifies the logical client that ran the operation. A client
	// whose operation ended Info continues under a new Process.
	Process int `json:"process"`
	// F names the operation: "transfer", "read", "txn", "write", "cas",
	// "add", "final-read", "nemesis".
	F string `json:"f"`
	// Invoke and Complete are nanoseconds since the history began, from one
	// monotonic clock. Invariant: Invoke <= Complete.
	Invoke   int64   `json:"invoke"`
	Complete int64   `json:"complete"`
	Outcome  Outcome `json:"outcome"`
	// Error is the error that ended the operation, if any.
	Error string `json:"error,omitempty"`
	// Node is the URL index the client was connected to.
	Node int `json:"node,omitempty"`

	// Bank: a transfer's accounts and amount; a read's balances by account.
	Transfer *Transfer       `json:"transfer,omitempty"`
	Balances map[int64]int64 `json:"balances,omitempty"`

	// List-append: the micro-operations of a transaction, in order.
	Txn []Mop `json:"txn,omitempty"`

	// Register: Key; Value written (write) or read (read); Old and New of a
	// compare-and-set. Set: Value added (add).
	Key   int64 `json:"key,omitempty"`
	Value int64 `json:"value,omitempty"`
	Old   int64 `json:"old,omitempty"`
	New   int64 `json:"new,omitempty"`

	// Set: the elements a final read returned.
	Elements []int64 `json:"elements,omitempty"`

	// Note is free text for the reader (the nemesis' action, for example).
	Note string `json:"note,omitempty"`
}

// Transfer is a bank transfer of Amount from From to To.
type Transfer struct {
	From   int64 `json:"from"`
	To     int64 `json:"to"`
	Amount int64 `json:"amount"`
}

// Mop kinds of a list-append transaction.
const (
	MopAppend = "append"
	MopRead   = "r"
)

// Mop is one micro-operation of a list-append transaction: append Value to
// the list at Key, or read the list at Key. Read is meaningful only when the
// enclosing Op is Ok (a nil Read then means the empty list).
type Mop struct {
	F     string  `json:"f"`
	Key   int64   `json:"k"`
	Value int64   `json:"v,omitempty"`
	Read  []int64 `json:"r,omitempty"`
}

func (m Mop) String() string {
	if m.F == MopAppend {
		return fmt.Sprintf("append(%d,%d)", m.Key, m.Value)
	}
	return fmt.Sprintf("r(%d)=%v", m.Key, m.Read)
}

// Clock returns the time since the history began. It must be monotonic.
type Clock func() int64

// MonotonicClock returns a Clock reading Go's monotonic clock, zero now.
func MonotonicClock() Clock {
	start := time.Now()
	return func() int64 { return int64(time.Since(start)) }
}

// Recorder collects the Ops of one history. It is safe for concurrent use.
type Recorder struct {
	now Clock

	mu  sync.Mutex
	ops []Op // in the order added; Invariant: ops[i].Index == i
}

// NewRecorder returns an empty Recorder reading the given clock (nil means a
// MonotonicClock starting now).
func NewRecorder(clock Clock) *Recorder {
	if clock == nil {
		clock = MonotonicClock()
	}
	return &Recorder{now: clock}
}

// Now reads the Recorder's clock.
func (r *Recorder) Now() int64 { return r.now() }

// Add records a finished operation, assigns and returns its Index.
func (r *Recorder) Add(op Op) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	op.Index = len(r.ops)
	r.ops = append(r.ops, op)
	return op.Index
}

// Ops returns a copy of the history sorted by Invoke.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	out := append([]Op(nil), r.ops...)
	r.mu.Unlock()
	Sort(out)
	return out
}

// Sort orders ops by Invoke, then Index.
func Sort(ops []Op) {
	sort.SliceStable(ops, func(i, j int) bool {
		if ops[i].Invoke != ops[j].Invoke {
			return ops[i].Invoke < ops[j].Invoke
		}
		return ops[i].Index < ops[j].Index
	})
}

// WriteJSONL writes ops as JSON lines, one Op per line.
func WriteJSONL(w io.Writer, ops []Op) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := range ops {
		if err := enc.Encode(&ops[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadJSONL reads a history written by WriteJSONL.
func ReadJSONL(r io.Reader) ([]Op, error) {
	dec := json.NewDecoder(r)
	var ops []Op
	for {
		var op Op
		err := dec.Decode(&op)
		if err == io.EOF {
			return ops, nil
		}
		if err != nil {
			return ops, fmt.Errorf("history: op %d: %w", len(ops), err)
		}
		ops = append(ops, op)
	}
}
