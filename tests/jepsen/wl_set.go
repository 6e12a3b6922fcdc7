package jepsen

import (
	"context"
	"math/rand"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/history"
)

type setWorkload struct {
	table string
	nextV atomic.Int64
}

func (w *setWorkload) setup(ctx context.Context, conn *pgx.Conn, _ string) error {
	_, err := conn.Exec(ctx, "CREATE TABLE "+w.table+" (id BIGINT PRIMARY KEY)")
	return err
}

func (w *setWorkload) next(*rand.Rand) history.Op {
	return history.Op{F: "add", Value: w.nextV.Add(1)}
}

func (w *setWorkload) apply(t *txn, op *history.Op) error {
	if op.F == "final-read" {
		rows, err := t.queryInts("SELECT id FROM " + w.table + " ORDER BY id")
		if err != nil {
			return err
		}
		op.Elements = make([]int64, len(rows))
		for i, r := range rows {
			op.Elements[i] = r[0]
		}
		return nil
	}
	_, err := t.exec("INSERT INTO "+w.table+" (id) VALUES ($1)", op.Value)
	return err
}

func (w *setWorkload) final() (history.Op, bool) { return history.Op{F: "final-read"}, true }

func (w *setWorkload) check(ops []history.Op) checked {
	return checked{report: checker.Set(ops)}
}
