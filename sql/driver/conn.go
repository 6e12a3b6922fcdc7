package driver

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"

	msql "github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

// Conn is one session. database/sql uses it from one goroutine at a time,
// which is what sql.Session requires.
type Conn struct {
	sess   msql.Session
	closed bool
	// ownConnector is closed with the Conn when Driver.Open made it.
	ownConnector *Connector
}

var (
	_ sqldriver.Conn               = (*Conn)(nil)
	_ sqldriver.ConnPrepareContext = (*Conn)(nil)
	_ sqldriver.ConnBeginTx        = (*Conn)(nil)
	_ sqldriver.ExecerContext      = (*Conn)(nil)
	_ sqldriver.QueryerContext     = (*Conn)(nil)
	_ sqldriver.NamedValueChecker  = (*Conn)(nil)
	_ sqldriver.SessionResetter    = (*Conn)(nil)
	_ sqldriver.Validator          = (*Conn)(nil)
)

// Prepare prepares a statement.
func (c *Conn) Prepare(query string) (sqldriver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext prepares a statement; parameter types are inferred.
func (c *Conn) PrepareContext(ctx context.Context, query string) (sqldriver.Stmt, error) {
	if c.closed {
		return nil, sqldriver.ErrBadConn
	}
	p, err := c.sess.Prepare(ctx, query, nil)
	if err != nil {
		return nil, err
	}
	return &Stmt{c: c, p: p}, nil
}

// Close ends the session, rolling back an open transaction.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.sess.Close(context.Background())
	if c.ownConnector != nil {
		err = errors.Join(err, c.ownConnector.Close())
	}
	return err
}

// Begin starts a transaction.
func (c *Conn) Begin() (sqldriver.Tx, error) {
	return c.BeginTx(context.Background(), sqldriver.TxOptions{})
}

// BeginTx starts a transaction. Every isolation level up to SERIALIZABLE
// runs as SERIALIZABLE (see the package doc).
func (c *Conn) BeginTx(ctx context.Context, opts sqldriver.TxOptions) (sqldriver.Tx, error) {
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault, sql.LevelReadUncommitted, sql.LevelReadCommitted, sql.LevelWriteCommitted,
		sql.LevelRepeatableRead, sql.LevelSnapshot, sql.LevelSerializable, sql.LevelLinearizable:
	default:
		return nil, pgerror.Unsupported(fmt.Sprintf("isolation level %v", sql.IsolationLevel(opts.Isolation)))
	}
	begin := "BEGIN"
	if opts.ReadOnly {
		begin = "BEGIN TRANSACTION READ ONLY"
	}
	if err := c.sess.ExecSimple(ctx, begin, &discard{}); err != nil {
		return nil, err
	}
	return &Tx{c: c}, nil
}

// ResetSession refuses to hand out a connection left inside a transaction
// (database/sql then discards it).
func (c *Conn) ResetSession(context.Context) error {
	if c.closed || c.sess.TxnStatus() != msql.TxnIdle {
		return sqldriver.ErrBadConn
	}
	return nil
}

// IsValid reports whether the connection may be reused.
func (c *Conn) IsValid() bool { return !c.closed }

// CheckNamedValue converts an argument to a rowenc.Value.
func (c *Conn) CheckNamedValue(nv *sqldriver.NamedValue) error {
	if nv.Name != "" {
		return fmt.Errorf("meridian: named argument %q: use positional $1, $2, ... placeholders", nv.Name)
	}
	v, err := toValue(nv.Value)
	if err != nil {
		return fmt.Errorf("meridian: argument $%d: %w", nv.Ordinal, err)
	}
	nv.Value = v
	return nil
}

// ExecContext runs a statement. Without arguments the query may hold
// several statements, run as PostgreSQL's simple protocol does.
func (c *Conn) ExecContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	if c.closed {
		return nil, sqldriver.ErrBadConn
	}
	if len(args) == 0 {
		w := &discard{}
		if err := c.sess.ExecSimple(ctx, query, w); err != nil {
			return nil, err
		}
		return result(w.tag), nil
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.(*Stmt).ExecContext(ctx, args)
}

// QueryContext runs a query.
func (c *Conn) QueryContext(ctx context.Context, query string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	if c.closed {
		return nil, sqldriver.ErrBadConn
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.(*Stmt).QueryContext(ctx, args)
}

// Stmt is a prepared statement.
type Stmt struct {
	c *Conn
	p msql.Prepared
}

var (
	_ sqldriver.Stmt             = (*Stmt)(nil)
	_ sqldriver.StmtExecContext  = (*Stmt)(nil)
	_ sqldriver.StmtQueryContext = (*Stmt)(nil)
)

// Close releases the statement.
func (s *Stmt) Close() error { return nil }

// NumInput is the number of $n placeholders.
func (s *Stmt) NumInput() int { return len(s.p.ParamTypes()) }

// Exec runs the statement.
func (s *Stmt) Exec(args []sqldriver.Value) (sqldriver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

// Query runs the statement.
func (s *Stmt) Query(args []sqldriver.Value) (sqldriver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []sqldriver.Value) []sqldriver.NamedValue {
	out := make([]sqldriver.NamedValue, len(args))
	for i, a := range args {
		out[i] = sqldriver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

// params converts the arguments to the statement's parameter types.
func (s *Stmt) params(args []sqldriver.NamedValue) ([]rowenc.Value, error) {
	ptypes := s.p.ParamTypes()
	if len(args) != len(ptypes) {
		return nil, fmt.Errorf("meridian: got %d arguments, the statement has %d parameters", len(args), len(ptypes))
	}
	out := make([]rowenc.Value, len(args))
	for i, a := range args {
		v, err := toValue(a.Value)
		if err != nil {
			return nil, fmt.Errorf("meridian: argument $%d: %w", i+1, err)
		}
		if out[i], err = coerce(ptypes[i], v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ExecContext runs the statement.
func (s *Stmt) ExecContext(ctx context.Context, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	params, err := s.params(args)
	if err != nil {
		return nil, err
	}
	w := &discard{}
	if err := s.c.sess.ExecPrepared(ctx, s.p, params, w); err != nil {
		return nil, err
	}
	return result(w.tag), nil
}

// QueryContext runs the statement and reads its rows.
func (s *Stmt) QueryContext(ctx context.Context, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	params, err := s.params(args)
	if err != nil {
		return nil, err
	}
	w := &collect{}
	if err := s.c.sess.ExecPrepared(ctx, s.p, params, w); err != nil {
		return nil, err
	}
	if w.cols == nil {
		w.cols = s.p.Columns()
	}
	return &Rows{cols: w.cols, rows: w.rows}, nil
}

// Tx is a transaction.
type Tx struct{ c *Conn }

// ErrRolledBack is returned by Commit when the transaction had failed and
// COMMIT rolled it back, as PostgreSQL does.
var ErrRolledBack = errors.New("meridian: the transaction had failed and was rolled back")

// Commit commits.
func (t *Tx) Commit() error {
	w := &discard{}
	if err := t.c.sess.ExecSimple(context.Background(), "COMMIT", w); err != nil {
		return err
	}
	if w.tag == "ROLLBACK" {
		return ErrRolledBack
	}
	return nil
}

// Rollback rolls back.
func (t *Tx) Rollback() error {
	return t.c.sess.ExecSimple(context.Background(), "ROLLBACK", &discard{})
}

// result is a command tag as a driver.Result.
type result string

// LastInsertId is not supported: use RETURNING.
func (r result) LastInsertId() (int64, error) {
	return 0, errors.New("meridian: LastInsertId is not supported; use INSERT ... RETURNING")
}

// RowsAffected is the count in the command tag ("INSERT 0 3", "UPDATE 2").
func (r result) RowsAffected() (int64, error) {
	f := strings.Fields(string(r))
	if len(f) >= 2 {
		if n, err := strconv.ParseInt(f[len(f)-1], 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, nil
}

// discard is a ResultWriter that keeps only the last command tag.
type discard struct{ tag string }

func (d *discard) Columns([]msql.Column) error          { return nil }
func (d *discard) Row([]rowenc.Value) error             { return nil }
func (d *discard) Complete(tag string) error            { d.tag = tag; return nil }
func (d *discard) EmptyQuery() error                    { return nil }
func (d *discard) Notice(string, string, string) error  { return nil }
func (d *discard) ParameterStatus(string, string) error { return nil }

// collect is a ResultWriter that copies the rows of one statement.
type collect struct {
	discard
	cols []msql.Column
	rows [][]rowenc.Value
}

func (c *collect) Columns(cols []msql.Column) error {
	c.cols = append([]msql.Column(nil), cols...)
	return nil
}

func (c *collect) Row(row []rowenc.Value) error {
	r := make([]rowenc.Value, len(row))
	for i, v := range row {
		if v.Kind == rowenc.KindBytes {
			v.B = append([]byte{}, v.B...)
		}
		r[i] = v
	}
	c.rows = append(c.rows, r)
	return nil
}
