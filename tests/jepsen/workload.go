package jepsen

import (
	"context"
	"fmt"
	"io"
	"math/rand"

	"github.com/jackc/pgx/v5"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/history"
)

// workload generates operations, runs them as transactions, and checks the
// resulting history. Implementations are safe for concurrent use by the
// clients.
type workload interface {
	// setup creates the table and its initial rows.
	setup(ctx context.Context, conn *pgx.Conn, begin string) error
	// next returns the next operation to run: F and its arguments.
	next(rng *rand.Rand) history.Op
	// apply runs op's statements in t and fills in what they returned.
	apply(t *txn, op *history.Op) error
	// final returns the final read to run once the workload stopped and
	// the nemesis healed, if the workload has one.
	final() (history.Op, bool)
	// check checks a history.
	check(ops []history.Op) checked
}

// checked is a check's report and any extra files to write beside it.
type checked struct {
	report checker.Report
	files  map[string]func(io.Writer) error
}

// Workloads are the names Options.Workload accepts.
var Workloads = []string{"bank", "append", "register", "set"}

func newWorkload(name, table string) (workload, error) {
	switch name {
	case "bank":
		return newBank(table), nil
	case "append":
		return newAppend(table), nil
	case "register":
		return newRegister(table), nil
	case "set":
		return &setWorkload{table: table}, nil
	}
	return nil, fmt.Errorf("jepsen: unknown workload %q (want one of %v)", name, Workloads)
}

// inTxn runs body in a transaction at setup time, failing on any error.
func inTxn(ctx context.Context, conn *pgx.Conn, begin string, body func(*txn) error) error {
	res := runTxn(ctx, conn, begin, body)
	if res.outcome != history.Ok {
		return fmt.Errorf("setup transaction %s: %v", res.outcome, res.err)
	}
	return nil
}
