package jepsen

import (
	"context"
	"fmt"
	"math/rand"

	"github.com/jackc/pgx/v5"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/history"
)

const (
	bankAccounts = 5
	bankInitial  = 20 // per account
	bankMaxMove  = 5
)

type bankWorkload struct {
	table string
	opts  checker.BankOptions
}

func newBank(table string) *bankWorkload {
	return &bankWorkload{table: table, opts: checker.BankOptions{Accounts: bankAccounts, Total: bankAccounts * bankInitial}}
}

func (w *bankWorkload) setup(ctx context.Context, conn *pgx.Conn, begin string) error {
	if _, err := conn.Exec(ctx, "CREATE TABLE "+w.table+" (id BIGINT PRIMARY KEY, balance BIGINT)"); err != nil {
		return err
	}
	return inTxn(ctx, conn, begin, func(t *txn) error {
		for i := 0; i < bankAccounts; i++ {
			if _, err := t.exec("INSERT INTO "+w.table+" (id, balance) VALUES ($1, $2)", i, bankInitial); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *bankWorkload) next(rng *rand.Rand) history.Op {
	if rng.Intn(2) == 0 {
		return history.Op{F: "read"}
	}
	from := rng.Int63n(bankAccounts)
	to := (from + 1 + rng.Int63n(bankAccounts-1)) % bankAccounts
	return history.Op{F: "transfer", Transfer: &history.Transfer{From: from, To: to, Amount: 1 + rng.Int63n(bankMaxMove)}}
}

func (w *bankWorkload) apply(t *txn, op *history.Op) error {
	if op.F == "read" {
		rows, err := t.queryInts("SELECT id, balance FROM " + w.table + " ORDER BY id")
		if err != nil {
			return err
		}
		op.Balances = make(map[int64]int64, len(rows))
		for _, r := range rows {
			op.Balances[r[0]] = r[1]
		}
		return nil
	}
	tr := op.Transfer
	balance := func(id int64) (int64, error) {
		rows, err := t.queryInts("SELECT balance FROM "+w.table+" WHERE id = $1", id)
		if err != nil {
			return 0, err
		}
		if len(rows) != 1 {
			return 0, fmt.Errorf("%w: account %d: %d rows", errRollback, id, len(rows))
		}
		return rows[0][0], nil
	}
	from, err := balance(tr.From)
	if err != nil {
		return err
	}
	to, err := balance(tr.To)
	if err != nil {
		return err
	}
	if from < tr.Amount {
		return fmt.Errorf("%w: insufficient funds: account %d has %d", errRollback, tr.From, from)
	}
	for _, u := range []struct{ id, bal int64 }{{tr.From, from - tr.Amount}, {tr.To, to + tr.Amount}} {
		tag, err := t.exec("UPDATE "+w.table+" SET balance = $1 WHERE id = $2", u.bal, u.id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("%w: update of account %d affected %d rows", errRollback, u.id, tag.RowsAffected())
		}
	}
	return nil
}

func (w *bankWorkload) final() (history.Op, bool) { return history.Op{F: "read"}, true }

func (w *bankWorkload) check(ops []history.Op) checked {
	return checked{report: checker.Bank(ops, w.opts)}
}
