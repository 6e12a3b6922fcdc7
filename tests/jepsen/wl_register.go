package jepsen

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/history"
)

const (
	registerKeys = 5
	// registerCheckTimeout bounds porcupine's search; past it the verdict
	// is Unknown.
	registerCheckTimeout = 60 * time.Second
)

type registerWorkload struct {
	table string

	mu    sync.Mutex
	nextV int64
	last  map[int64]int64 // a recent value of each key: cas guesses it
}

func newRegister(table string) *registerWorkload {
	return &registerWorkload{table: table, last: make(map[int64]int64)}
}

func (w *registerWorkload) setup(ctx context.Context, conn *pgx.Conn, begin string) error {
	if _, err := conn.Exec(ctx, "CREATE TABLE "+w.table+" (id BIGINT PRIMARY KEY, val BIGINT)"); err != nil {
		return err
	}
	return inTxn(ctx, conn, begin, func(t *txn) error {
		for k := 0; k < registerKeys; k++ {
			if _, err := t.exec("INSERT INTO "+w.table+" (id, val) VALUES ($1, 0)", k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *registerWorkload) next(rng *rand.Rand) history.Op {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := rng.Int63n(registerKeys)
	switch rng.Intn(3) {
	case 0:
		return history.Op{F: "read", Key: k}
	case 1:
		w.nextV++
		return history.Op{F: "write", Key: k, Value: w.nextV}
	default:
		w.nextV++
		return history.Op{F: "cas", Key: k, Old: w.last[k], New: w.nextV}
	}
}

func (w *registerWorkload) remember(k, v int64) {
	w.mu.Lock()
	w.last[k] = v
	w.mu.Unlock()
}

func (w *registerWorkload) apply(t *txn, op *history.Op) error {
	switch op.F {
	case "read":
		rows, err := t.queryInts("SELECT val FROM "+w.table+" WHERE id = $1", op.Key)
		if err != nil {
			return err
		}
		if len(rows) != 1 {
			return fmt.Errorf("%w: key %d: %d rows", errRollback, op.Key, len(rows))
		}
		op.Value = rows[0][0]
		w.remember(op.Key, op.Value)
		return nil
	case "write":
		tag, err := t.exec("UPDATE "+w.table+" SET val = $1 WHERE id = $2", op.Value, op.Key)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("%w: write to key %d affected %d rows", errRollback, op.Key, tag.RowsAffected())
		}
		w.remember(op.Key, op.Value)
		return nil
	default:
		tag, err := t.exec("UPDATE "+w.table+" SET val = $1 WHERE id = $2 AND val = $3", op.New, op.Key, op.Old)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("%w: cas found another value (%d rows)", errRollback, tag.RowsAffected())
		}
		w.remember(op.Key, op.New)
		return nil
	}
}

func (w *registerWorkload) final() (history.Op, bool) { return history.Op{}, false }

func (w *registerWorkload) check(ops []history.Op) checked {
	res := checker.Register(ops, checker.RegisterOptions{Initial: 0, Timeout: registerCheckTimeout})
	c := checked{report: res.Report}
	if res.Verdict != checker.Valid {
		c.files = map[string]func(io.Writer) error{"linearizability.html": res.Visualize}
	}
	return c
}
