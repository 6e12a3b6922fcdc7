package checker

import (
	"bytes"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

func rop(f string, proc int, inv, comp int64, out history.Outcome, key, val int64) history.Op {
	return history.Op{F: f, Process: proc, Invoke: inv, Complete: comp, Outcome: out, Key: key, Value: val}
}

func cas(proc int, inv, comp int64, out history.Outcome, key, old, new int64) history.Op {
	return history.Op{F: "cas", Process: proc, Invoke: inv, Complete: comp, Outcome: out, Key: key, Old: old, New: new}
}

func TestRegisterValid(t *testing.T) {
	h := new(hb).
		op(rop("read", 1, 0, 1, ok, 1, 0)).
		op(rop("write", 1, 2, 3, ok, 1, 5)).
		op(rop("read", 2, 2, 10, ok, 1, 0)). // concurrent with the write
		op(cas(1, 4, 5, ok, 1, 5, 6)).
		op(cas(3, 4, 5, fail, 1, 9, 7)). // did not apply
		op(rop("read", 1, 6, 7, ok, 1, 6)).
		op(rop("read", 1, 6, 7, ok, 2, 0)). // another key
		op(rop("read", 4, 6, 7, info, 1, 123))
	r := Register(h.ops, RegisterOptions{})
	wantOnly(t, r.Report)
	var buf bytes.Buffer
	if err := r.Visualize(&buf); err != nil || !strings.Contains(buf.String(), "<html") {
		t.Fatalf("visualize: %v", err)
	}
}

func TestRegisterIndeterminate(t *testing.T) {
	// Info write of 7 to key 1 may apply late (read 7 long after the
	// client gave up); Info write of 8 to key 2 may never apply; an Info
	// cas on key 3 may apply, and one on key 4 may not.
	h := new(hb).
		op(rop("write", 1, 0, 1, info, 1, 7)).
		op(rop("read", 2, 5, 6, ok, 1, 0)).
		op(rop("read", 2, 7, 8, ok, 1, 7)).
		op(rop("write", 3, 0, 1, info, 2, 8)).
		op(rop("read", 2, 9, 10, ok, 2, 0)).
		op(cas(4, 0, 1, info, 3, 0, 9)).
		op(rop("read", 2, 11, 12, ok, 3, 9)).
		op(cas(5, 0, 1, info, 4, 0, 10)).
		op(rop("read", 2, 13, 14, ok, 4, 0))
	wantOnly(t, Register(h.ops, RegisterOptions{}).Report)
}

func TestRegisterStaleRead(t *testing.T) {
	h := new(hb).
		op(rop("write", 1, 0, 1, ok, 1, 5)).
		op(rop("read", 2, 2, 3, ok, 1, 0))
	r := Register(h.ops, RegisterOptions{})
	wantOnly(t, r.Report, NonLinearizable)
	if !strings.Contains(r.Text(), "key 1") {
		t.Fatalf("report should name key 1\n%s", r.Text())
	}
	var buf bytes.Buffer
	if err := r.Visualize(&buf); err != nil || buf.Len() == 0 {
		t.Fatalf("visualize: %v", err)
	}
}

func TestRegisterBadCAS(t *testing.T) {
	// An Ok cas claims to have found 5 where only 0 was ever.
	h := new(hb).
		op(cas(1, 0, 1, ok, 1, 5, 6)).
		op(rop("read", 2, 2, 3, ok, 1, 6))
	wantOnly(t, Register(h.ops, RegisterOptions{}).Report, NonLinearizable)
}

func TestRegisterFailedWriteVisible(t *testing.T) {
	// A Fail write certainly did not happen, so its value may not be read.
	h := new(hb).
		op(rop("write", 1, 0, 1, fail, 1, 5)).
		op(rop("read", 2, 2, 3, ok, 1, 5))
	wantOnly(t, Register(h.ops, RegisterOptions{}).Report, NonLinearizable)
}
