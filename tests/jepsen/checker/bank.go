package checker

import (
	"fmt"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

// BankOptions describes the bank a history ran against.
type BankOptions struct {
	// Accounts is the number of accounts, numbered 0..Accounts-1.
	Accounts int
	// Total is the sum of all balances, which every transfer conserves.
	Total int64
}

// Bank checks a bank history: transfers ("transfer") move money between
// accounts inside transactions, and reads ("read") return every balance from
// one transaction. Every Ok read must show all accounts, sum to Total, and
// show no negative balance. Transfers are not inspected: whether they
// happened or not, a serializable bank conserves the total.
func Bank(ops []history.Op, opts BankOptions) Report {
	r := Report{Checker: "bank"}
	for _, op := range ops {
		if op.F != "transfer" && op.F != "read" {
			continue
		}
		countOutcome(&r, op)
		if op.F != "read" || op.Outcome != history.Ok {
			continue
		}
		if len(op.Balances) != opts.Accounts {
			r.add(Anomaly{Type: BankBadRead, Ops: []int{op.Index},
				Description: fmt.Sprintf("read saw %d accounts, want %d: %v", len(op.Balances), opts.Accounts, op.Balances)})
			continue
		}
		var sum int64
		for acct := int64(0); acct < int64(opts.Accounts); acct++ {
			bal, ok := op.Balances[acct]
			if !ok {
				r.add(Anomaly{Type: BankBadRead, Ops: []int{op.Index},
					Description: fmt.Sprintf("read lacks account %d: %v", acct, op.Balances)})
				break
			}
			if bal < 0 {
				r.add(Anomaly{Type: BankNegative, Ops: []int{op.Index},
					Description: fmt.Sprintf("account %d has balance %d in read %v", acct, bal, op.Balances)})
			}
			sum += bal
		}
		if sum != opts.Total {
			r.add(Anomaly{Type: BankWrongTotal, Ops: []int{op.Index},
				Description: fmt.Sprintf("read sums to %d, want %d: %v", sum, opts.Total, op.Balances)})
		}
	}
	r.finish()
	return r
}
