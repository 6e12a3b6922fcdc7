package jepsen

import (
	"context"
	"math/rand"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/history"
)

const (
	appendActiveKeys = 5  // keys in the window at once
	appendMaxPerKey  = 16 // appends generated per key before it retires
	appendMaxMops    = 4
)

type appendWorkload struct {
	table string

	mu     sync.Mutex
	active []int64        // the window of keys
	writes map[int64]int  // appends generated per key
	nextK  int64          // next fresh key
	nextV  int64          // next unique value
	used   map[int64]bool // every key ever generated
}

func newAppend(table string) *appendWorkload {
	w := &appendWorkload{table: table, writes: make(map[int64]int), used: make(map[int64]bool)}
	for ; w.nextK < appendActiveKeys; w.nextK++ {
		w.active = append(w.active, w.nextK)
	}
	return w
}

func (w *appendWorkload) setup(ctx context.Context, conn *pgx.Conn, _ string) error {
	_, err := conn.Exec(ctx, "CREATE TABLE "+w.table+" (k BIGINT PRIMARY KEY, v TEXT)")
	return err
}

func (w *appendWorkload) next(rng *rand.Rand) history.Op {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 1 + rng.Intn(appendMaxMops)
	mops := make([]history.Mop, n)
	for i := range mops {
		slot := rng.Intn(len(w.active))
		k := w.active[slot]
		w.used[k] = true
		if rng.Intn(2) == 0 {
			mops[i] = history.Mop{F: history.MopRead, Key: k}
			continue
		}
		w.nextV++
		mops[i] = history.Mop{F: history.MopAppend, Key: k, Value: w.nextV}
		if w.writes[k]++; w.writes[k] >= appendMaxPerKey {
			w.active[slot] = w.nextK
			w.nextK++
		}
	}
	return history.Op{F: "txn", Txn: mops}
}

func (w *appendWorkload) apply(t *txn, op *history.Op) error {
	if op.F == "final-read" {
		return w.finalRead(t, op)
	}
	for i := range op.Txn {
		m := &op.Txn[i]
		list, exists, err := t.queryList(w.table, m.Key)
		if err != nil {
			return err
		}
		if m.F == history.MopRead {
			m.Read = list
			continue
		}
		list = append(list, m.Value)
		if exists {
			_, err = t.exec("UPDATE "+w.table+" SET v = $1 WHERE k = $2", formatList(list), m.Key)
		} else {
			_, err = t.exec("INSERT INTO "+w.table+" (k, v) VALUES ($1, $2)", m.Key, formatList(list))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// finalRead reads every key ever used, in one statement.
func (w *appendWorkload) finalRead(t *txn, op *history.Op) error {
	rows, err := t.conn.Query(t.ctx, "SELECT k, v FROM "+w.table+" ORDER BY k")
	if err != nil {
		return err
	}
	type kvRow struct {
		K int64
		V string
	}
	kvs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[kvRow])
	if err != nil {
		return err
	}
	lists := make(map[int64][]int64, len(kvs))
	for _, r := range kvs {
		l, err := parseList(r.V)
		if err != nil {
			return err
		}
		lists[r.K] = l
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	op.Txn = op.Txn[:0]
	for k := int64(0); k < w.nextK; k++ {
		if w.used[k] || lists[k] != nil {
			op.Txn = append(op.Txn, history.Mop{F: history.MopRead, Key: k, Read: lists[k]})
		}
	}
	for _, r := range kvs { // ordered by key
		if r.K < 0 || r.K >= w.nextK { // a key nobody generated: garbage
			op.Txn = append(op.Txn, history.Mop{F: history.MopRead, Key: r.K, Read: lists[r.K]})
		}
	}
	return nil
}

func (w *appendWorkload) final() (history.Op, bool) {
	return history.Op{F: "final-read"}, true
}

func (w *appendWorkload) check(ops []history.Op) checked {
	return checked{report: checker.Append(ops)}
}
