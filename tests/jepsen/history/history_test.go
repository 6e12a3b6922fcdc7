package history

import (
	"bytes"
	"reflect"
	"sync"
	"testing"
)

func TestRecorderAssignsIndexAndSorts(t *testing.T) {
	var now int64
	r := NewRecorder(func() int64 { return now })
	now = 5
	r.Add(Op{Process: 0, F: "write", Invoke: 5, Complete: 9, Outcome: Ok, Key: 1, Value: 7})
	r.Add(Op{Process: 1, F: "read", Invoke: 2, Complete: 6, Outcome: Ok, Key: 1})
	if got := r.Now(); got != 5 {
		t.Fatalf("Now = %d, want 5", got)
	}
	ops := r.Ops()
	if ops[0].Index != 1 || ops[1].Index != 0 {
		t.Fatalf("want sorted by invoke, got %+v", ops)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	r := NewRecorder(nil)
	var wg sync.WaitGroup
	for p := 0; p < 8; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				inv := r.Now()
				r.Add(Op{Process: p, F: "add", Invoke: inv, Complete: r.Now(), Outcome: Ok, Value: int64(p*1000 + i)})
			}
		}(p)
	}
	wg.Wait()
	ops := r.Ops()
	seen := make(map[int]bool)
	for i, op := range ops {
		if seen[op.Index] {
			t.Fatalf("duplicate index %d", op.Index)
		}
		seen[op.Index] = true
		if i > 0 && ops[i-1].Invoke > op.Invoke {
			t.Fatalf("not sorted at %d", i)
		}
		if op.Invoke > op.Complete {
			t.Fatalf("invoke after complete: %+v", op)
		}
	}
	if len(seen) != 800 {
		t.Fatalf("got %d ops", len(seen))
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	ops := []Op{
		{Index: 0, Process: 0, F: "transfer", Invoke: 1, Complete: 2, Outcome: Ok, Transfer: &Transfer{From: 1, To: 2, Amount: 3}},
		{Index: 1, Process: 1, F: "read", Invoke: 1, Complete: 3, Outcome: Ok, Balances: map[int64]int64{0: 10, 1: 0}},
		{Index: 2, Process: 2, F: "txn", Invoke: 2, Complete: 4, Outcome: Info, Error: "timeout",
			Txn: []Mop{{F: MopAppend, Key: 3, Value: 9}, {F: MopRead, Key: 3, Read: []int64{1, 9}}}},
		{Index: 3, Process: NemesisProcess, F: "nemesis", Invoke: 3, Complete: 3, Outcome: Ok, Note: "kill n1"},
		{Index: 4, Process: 3, F: "cas", Invoke: 5, Complete: 6, Outcome: Fail, Key: 1, Old: 2, New: 3},
		{Index: 5, Process: 3, F: "final-read", Invoke: 7, Complete: 8, Outcome: Ok, Elements: []int64{1, 2}},
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, ops); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != len(ops) {
		t.Fatalf("%d lines for %d ops", n, len(ops))
	}
	got, err := ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ops) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, ops)
	}
}
