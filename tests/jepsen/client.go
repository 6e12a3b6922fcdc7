package jepsen

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meridiandb/meridian/tests/jepsen/history"
)

// errRollback marks a deliberate rollback decided by the workload (the
// transaction certainly did not commit).
var errRollback = errors.New("rollback")

// connect opens a connection using the simple query protocol, which any
// PostgreSQL-compatible server speaks.
func connect(ctx context.Context, url string, timeout time.Duration) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.ConnectTimeout = timeout
	return pgx.ConnectConfig(ctx, cfg)
}

// txn is an open transaction; it notes whether a write was sent.
type txn struct {
	ctx   context.Context
	conn  *pgx.Conn
	wrote bool
}

// exec sends a write statement. From now on a connection error leaves the
// outcome indeterminate.
func (t *txn) exec(sql string, args ...any) (pgconn.CommandTag, error) {
	t.wrote = true
	return t.conn.Exec(t.ctx, sql, args...)
}

// queryInts runs a read returning rows of BIGINT columns.
func (t *txn) queryInts(sql string, args ...any) ([][]int64, error) {
	rows, err := t.conn.Query(t.ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) ([]int64, error) {
		vals := make([]int64, len(row.FieldDescriptions()))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		return vals, row.Scan(ptrs...)
	})
}

// queryList reads the list at key k of an append table: (false, nil) if
// there is no row.
func (t *txn) queryList(table string, k int64) ([]int64, bool, error) {
	rows, err := t.conn.Query(t.ctx, "SELECT v FROM "+table+" WHERE k = $1", k)
	if err != nil {
		return nil, false, err
	}
	texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(texts) == 0 {
		return nil, false, err
	}
	list, err := parseList(texts[0])
	return list, true, err
}

// parseList parses a comma-separated list of integers ("" is empty).
func parseList(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: malformed list %q", errRollback, s)
		}
		out[i] = v
	}
	return out, nil
}

func formatList(l []int64) string {
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(parts, ",")
}

// txnResult is how a transaction ended.
type txnResult struct {
	outcome history.Outcome
	err     error
	// broken: the connection is unusable or in an unknown state; the
	// client must reconnect.
	broken bool
}

func sqlState(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code, true
	}
	return "", false
}

// runTxn runs body between begin and COMMIT and classifies the outcome as
// the package documentation describes.
func runTxn(ctx context.Context, conn *pgx.Conn, begin string, body func(*txn) error) txnResult {
	t := &txn{ctx: ctx, conn: conn}
	if _, err := conn.Exec(ctx, begin); err != nil {
		_, isSQL := sqlState(err)
		return txnResult{outcome: history.Fail, err: err, broken: !isSQL}
	}
	if err := body(t); err != nil {
		_, isSQL := sqlState(err)
		if isSQL || errors.Is(err, errRollback) {
			// The server refused a statement, or we chose to roll back:
			// nothing commits. A ROLLBACK that fails leaves the session in
			// an unknown state, but not the outcome.
			return txnResult{outcome: history.Fail, err: err, broken: rollback(conn) != nil}
		}
		out := history.Fail
		if t.wrote {
			out = history.Info
		}
		return txnResult{outcome: out, err: err, broken: true}
	}
	tag, err := conn.Exec(ctx, "COMMIT")
	if err == nil {
		if tag.String() != "COMMIT" {
			// PostgreSQL answers COMMIT of an aborted transaction with
			// ROLLBACK and no error.
			return txnResult{outcome: history.Fail, err: fmt.Errorf("COMMIT answered %q", tag.String())}
		}
		return txnResult{outcome: history.Ok}
	}
	code, isSQL := sqlState(err)
	switch {
	case isSQL && code == "40001":
		return txnResult{outcome: history.Fail, err: err, broken: rollback(conn) != nil}
	case isSQL:
		out := history.Fail
		if t.wrote {
			out = history.Info
		}
		return txnResult{outcome: out, err: err, broken: rollback(conn) != nil}
	default:
		out := history.Fail
		if t.wrote {
			out = history.Info
		}
		return txnResult{outcome: out, err: err, broken: true}
	}
}

// rollback ends whatever transaction the session is in, with its own
// short deadline (the operation's may have passed).
func rollback(conn *pgx.Conn) error {
	if conn.IsClosed() {
		return errors.New("connection closed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := conn.Exec(ctx, "ROLLBACK")
	return err
}
