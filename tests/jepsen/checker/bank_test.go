package checker

import (
	"testing"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

func transfer(inv, comp int64, out history.Outcome, from, to, amt int64) history.Op {
	return history.Op{F: "transfer", Invoke: inv, Complete: comp, Outcome: out,
		Transfer: &history.Transfer{From: from, To: to, Amount: amt}}
}

func balances(inv, comp int64, out history.Outcome, bals ...int64) history.Op {
	m := make(map[int64]int64)
	for i, b := range bals {
		m[int64(i)] = b
	}
	return history.Op{F: "read", Invoke: inv, Complete: comp, Outcome: out, Balances: m}
}

var bank3 = BankOptions{Accounts: 3, Total: 30}

func TestBankValid(t *testing.T) {
	h := new(hb).
		op(balances(0, 1, ok, 10, 10, 10)).
		op(transfer(2, 3, ok, 0, 1, 5)).
		op(transfer(2, 3, info, 1, 2, 5)). // indeterminate: either state may be read
		op(transfer(2, 3, fail, 2, 0, 50)).
		op(balances(4, 5, ok, 5, 15, 10)).
		op(balances(4, 5, ok, 5, 10, 15)).
		// Untrusted reads are ignored, whatever they say.
		op(balances(4, 5, info, 1, 1, 1)).
		op(balances(4, 5, fail)).
		op(history.Op{Process: history.NemesisProcess, F: "nemesis", Outcome: ok})
	r := Bank(h.ops, bank3)
	wantOnly(t, r)
	if r.Stats["transfer.info"] != 1 || r.Stats["read.ok"] != 3 {
		t.Fatalf("stats %v", r.Stats)
	}
}

func TestBankWrongTotal(t *testing.T) {
	// A lost update: two read-modify-write transfers from account 0.
	h := new(hb).
		op(transfer(0, 3, ok, 0, 1, 5)).
		op(transfer(0, 3, ok, 0, 2, 5)).
		op(balances(4, 5, ok, 5, 15, 15))
	wantOnly(t, Bank(h.ops, bank3), BankWrongTotal)
}

func TestBankNegative(t *testing.T) {
	h := new(hb).op(balances(0, 1, ok, -5, 20, 15))
	wantOnly(t, Bank(h.ops, bank3), BankNegative)
}

func TestBankMalformedRead(t *testing.T) {
	h := new(hb).op(balances(0, 1, ok, 15, 15))
	wantOnly(t, Bank(h.ops, bank3), BankBadRead)
}
