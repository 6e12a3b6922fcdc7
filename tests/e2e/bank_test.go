package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Concurrent transfers between accounts, from many connections, retried on
// 40001, keep the total balance constant.
func TestBankTransfers(t *testing.T) {
	const (
		accounts  = 8
		initial   = 100
		workers   = 6
		transfers = 15
	)
	n := startNode(t)
	ctx := testCtx(t)
	setup := connect(t, n.SQLAddr())
	mustExec(t, setup, `CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL)`)
	for i := range accounts {
		mustExec(t, setup, `INSERT INTO accounts VALUES ($1, $2)`, i, initial)
	}

	var wg sync.WaitGroup
	errs := make(chan error, workers+1)

	// While the transfers run, snapshots must always see the same total.
	stopAudit := make(chan struct{})
	audited := make(chan int, 1)
	go func() {
		audits := 0
		defer func() { audited <- audits }()
		c, err := pgx.Connect(ctx, pgURL(n.SQLAddr()))
		if err != nil {
			errs <- err
			return
		}
		defer c.Close(context.Background())
		for {
			select {
			case <-stopAudit:
				return
			default:
			}
			var total int64
			err := withRetry(ctx, func() error {
				return pgx.BeginTxFunc(ctx, c, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
					return tx.QueryRow(ctx, `SELECT sum(balance) FROM accounts`).Scan(&total)
				})
			})
			if err != nil {
				errs <- err
				return
			}
			if total != accounts*initial {
				errs <- fmt.Errorf("audit %d saw a total of %d, want %d", audits, total, accounts*initial)
				return
			}
			audits++
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := pgx.Connect(ctx, pgURL(n.SQLAddr()))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close(context.Background())
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range transfers {
				from, to := rng.IntN(accounts), rng.IntN(accounts)
				if from == to {
					continue
				}
				amount := int64(rng.IntN(20) + 1)
				err := withRetry(ctx, func() error {
					return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
						var bal int64
						if err := tx.QueryRow(ctx, `SELECT balance FROM accounts WHERE id = $1`, from).Scan(&bal); err != nil {
							return err
						}
						if bal < amount {
							return nil
						}
						if _, err := tx.Exec(ctx, `UPDATE accounts SET balance = balance - $1 WHERE id = $2`, amount, from); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, `UPDATE accounts SET balance = balance + $1 WHERE id = $2`, amount, to)
						return err
					})
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stopAudit)
	t.Logf("%d audits during the transfers", <-audited)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var total, negative int64
	if err := setup.QueryRow(ctx, `SELECT sum(balance) FROM accounts`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if err := setup.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE balance < 0`).Scan(&negative); err != nil {
		t.Fatal(err)
	}
	if total != accounts*initial || negative != 0 {
		t.Fatalf("total %d (want %d), %d negative balances", total, accounts*initial, negative)
	}
}
