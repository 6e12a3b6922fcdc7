package jepsen

import (
	"bytes"
	"context"
	"errors"
	"math/rand"
	"slices"
	"testing"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/history"
)

func TestListEncoding(t *testing.T) {
	for _, l := range [][]int64{nil, {1}, {3, 1, 2}, {-5, 1 << 40}} {
		got, err := parseList(formatList(l))
		if err != nil || !slices.Equal(got, l) {
			t.Fatalf("round trip of %v: %v, %v", l, got, err)
		}
	}
	if _, err := parseList("1,x"); !errors.Is(err, errRollback) {
		t.Fatalf("malformed list: want a rollback error, got %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	if _, err := Run(context.Background(), Options{Workload: "bank", OutDir: t.TempDir()}); err == nil {
		t.Fatal("want an error without URLs")
	}
	if _, err := Run(context.Background(), Options{URLs: []string{"postgres://x"}, Workload: "bank"}); err == nil {
		t.Fatal("want an error without OutDir")
	}
	if _, err := Run(context.Background(), Options{URLs: []string{"postgres://x"}, Workload: "nope", OutDir: t.TempDir()}); err == nil {
		t.Fatal("want an error for an unknown workload")
	}
	o := Options{URLs: []string{"u"}, Workload: "set", OutDir: "d", Seed: 42}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	if o.Begin != "BEGIN" || o.Concurrency != 10 || o.Table != "jepsen_set_42" || o.OpTimeout <= 0 {
		t.Fatalf("defaults: %+v", o)
	}
}

// Every generated write must carry a value unique in the history.
func TestGeneratorsWriteUniqueValues(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	seen := make(map[[2]int64]bool)
	unique := func(k, v int64) {
		t.Helper()
		if seen[[2]int64{k, v}] {
			t.Fatalf("value %d written twice to key %d", v, k)
		}
		seen[[2]int64{k, v}] = true
	}
	a := newAppend("t")
	keys := make(map[int64]int)
	for i := 0; i < 2000; i++ {
		op := a.next(rng)
		if len(op.Txn) == 0 || len(op.Txn) > appendMaxMops {
			t.Fatalf("txn of %d mops", len(op.Txn))
		}
		for _, m := range op.Txn {
			if m.F == history.MopAppend {
				unique(0, m.Value) // unique across keys, too
				keys[m.Key]++
			}
		}
	}
	for k, n := range keys {
		if n > appendMaxPerKey {
			t.Fatalf("key %d got %d appends", k, n)
		}
	}
	if len(keys) <= appendActiveKeys {
		t.Fatalf("keys never retired: %d keys", len(keys))
	}

	r := newRegister("t")
	for i := 0; i < 1000; i++ {
		switch op := r.next(rng); op.F {
		case "write":
			unique(op.Key+1, op.Value)
		case "cas":
			unique(op.Key+1, op.New)
		}
	}
	s := &setWorkload{table: "t"}
	for i := 0; i < 1000; i++ {
		unique(-1, s.next(rng).Value)
	}
	b := newBank("t")
	for i := 0; i < 1000; i++ {
		if op := b.next(rng); op.F == "transfer" && (op.Transfer.From == op.Transfer.To || op.Transfer.Amount <= 0) {
			t.Fatalf("bad transfer %+v", op.Transfer)
		}
	}
}

func TestCheckHistory(t *testing.T) {
	ops := []history.Op{
		{Index: 0, F: "add", Invoke: 0, Complete: 1, Outcome: history.Ok, Value: 1},
		{Index: 1, F: "add", Invoke: 0, Complete: 1, Outcome: history.Ok, Value: 2},
		{Index: 2, F: "final-read", Invoke: 2, Complete: 3, Outcome: history.Ok, Elements: []int64{1}},
	}
	var buf bytes.Buffer
	if err := history.WriteJSONL(&buf, ops); err != nil {
		t.Fatal(err)
	}
	r, err := CheckHistory("set", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != checker.Invalid || !r.Has(checker.SetLost) {
		t.Fatalf("want a lost element\n%s", r.Text())
	}
	if _, err := CheckHistory("nope", &buf); err == nil {
		t.Fatal("want an error for an unknown workload")
	}
}
