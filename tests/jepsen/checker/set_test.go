package checker

import (
	"testing"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

func add(v int64, out history.Outcome) history.Op {
	return history.Op{F: "add", Invoke: v, Complete: v + 1, Outcome: out, Value: v}
}

func finalRead(out history.Outcome, elems ...int64) history.Op {
	return history.Op{F: "final-read", Invoke: 100, Complete: 101, Outcome: out, Elements: elems}
}

func TestSetValid(t *testing.T) {
	// Info adds may be present (3) or absent (4).
	h := new(hb).op(add(1, ok)).op(add(2, ok)).op(add(3, info)).op(add(4, info)).op(add(5, fail)).
		op(finalRead(fail)).
		op(finalRead(ok, 1, 2, 3))
	r := Set(h.ops)
	wantOnly(t, r)
	if r.Stats["info-present"] != 1 || r.Stats["info-absent"] != 1 {
		t.Fatalf("stats %v", r.Stats)
	}
}

func TestSetLost(t *testing.T) {
	h := new(hb).op(add(1, ok)).op(add(2, ok)).op(finalRead(ok, 2))
	wantOnly(t, Set(h.ops), SetLost)
}

func TestSetUnexpected(t *testing.T) {
	h := new(hb).op(add(1, ok)).op(finalRead(ok, 1, 7))
	wantOnly(t, Set(h.ops), SetUnexpected)
}

func TestSetFailedPresent(t *testing.T) {
	h := new(hb).op(add(1, fail)).op(finalRead(ok, 1))
	wantOnly(t, Set(h.ops), SetFailedPresent)
}

func TestSetDuplicate(t *testing.T) {
	h := new(hb).op(add(1, ok)).op(finalRead(ok, 1, 1))
	wantOnly(t, Set(h.ops), SetDuplicate)
}

func TestSetNoFinalRead(t *testing.T) {
	h := new(hb).op(add(1, ok)).op(finalRead(info))
	if r := Set(h.ops); r.Verdict != Unknown {
		t.Fatalf("want unknown\n%s", r.Text())
	}
}
