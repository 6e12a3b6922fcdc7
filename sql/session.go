package sql

import (
	"context"
	"errors"

	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// txnState is a session's transaction state.
//
//	idle ──BEGIN──▶ open ──COMMIT/ROLLBACK──▶ idle
//	                 │ statement error
//	                 ▼
//	               failed ──COMMIT/ROLLBACK (reports ROLLBACK)──▶ idle
type txnState int

const (
	stateIdle txnState = iota
	stateOpen
	stateFailed
)

type session struct {
	srv    *Server
	user   string
	dbName string
	parser *front.Parser
	vars   *sessionVars
	state  txnState
	// tx is the explicit transaction. Invariant: tx != nil iff state ==
	// stateOpen (a failed transaction is rolled back at once).
	tx txn.Txn
	// stmtCache holds parsed templates of repeated simple queries
	// (stmtcache.go).
	stmtCache stmtCache
	// execPrep is the prepared statement being executed, or nil: its kept
	// plan and the result columns it was described with (plancache.go).
	execPrep *prepared
	// implicitBuf is the buffer execImplicit reuses, or nil while in use.
	implicitBuf *bufferWriter
}

var _ Session = (*session)(nil)

func newSession(srv *Server, user, db string) *session {
	return &session{srv: srv, user: user, dbName: db, parser: front.NewParser(), vars: newSessionVars(srv.cfg.ServerVersion, user)}
}

// TxnStatus implements Session.
func (s *session) TxnStatus() TxnStatus {
	switch s.state {
	case stateOpen:
		return TxnActive
	case stateFailed:
		return TxnFailed
	}
	return TxnIdle
}

// Parameters implements Session.
func (s *session) Parameters() map[string]string {
	s.vars.changed = nil
	return s.vars.reported()
}

// Close implements Session.
func (s *session) Close(ctx context.Context) error {
	forgetSessionSeqs(s)
	if s.tx != nil {
		_ = s.tx.Rollback(ctx)
		s.tx = nil
	}
	s.state = stateIdle
	return nil
}

type txnControl int

const (
	notControl txnControl = iota
	ctlBegin
	ctlCommit
	ctlRollback
)

// notice sends a notice of the given severity (NOTICE or WARNING) unless
// client_min_messages is above it.
func (s *session) notice(w ResultWriter, severity, code, msg string) error {
	if levelRank(severity) < levelRank(s.vars.vals["client_min_messages"]) {
		return nil
	}
	return w.Notice(severity, code, msg)
}

// errInFailedTxn is what a failed transaction block answers every
// statement but COMMIT and ROLLBACK.
func errInFailedTxn() error {
	return pgerror.New(pgerror.CodeInFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
}

var _ Binder = (*session)(nil)

// CheckBind implements Binder: in a failed block only COMMIT and ROLLBACK
// may be bound, as in execOne; a statement whose result columns changed
// since it was described is refused (plancache.go).
func (s *session) CheckBind(p Prepared) error {
	pp, ok := p.(*prepared)
	if !ok || pp.stmt == nil {
		return nil
	}
	if s.state != stateFailed {
		return s.revalidate(pp)
	}
	if ctl := controlOf(pp.stmt.AST); ctl == ctlCommit || ctl == ctlRollback {
		return nil
	}
	return errInFailedTxn()
}

func controlOf(n ast.StmtNode) txnControl {
	switch n.(type) {
	case *ast.BeginStmt:
		return ctlBegin
	case *ast.CommitStmt:
		return ctlCommit
	case *ast.RollbackStmt:
		return ctlRollback
	}
	return notControl
}

// ExecSimple implements Session.
func (s *session) ExecSimple(ctx context.Context, query string, w ResultWriter) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	stmts, err := s.parseSimple(query)
	if err != nil {
		return s.fail(ctx, err)
	}
	if len(stmts) == 0 {
		return w.EmptyQuery()
	}
	for i := 0; i < len(stmts); {
		if s.state != stateIdle || controlOf(stmts[i].AST) != notControl || isStreamed(stmts[i].AST) {
			if err := s.execOne(ctx, &stmts[i], nil, nil, w); err != nil {
				return err
			}
			i++
			continue
		}
		// Outside a transaction block, the statements up to the next
		// transaction control statement form one implicit transaction.
		j := i
		for j < len(stmts) && controlOf(stmts[j].AST) == notControl && !isStreamed(stmts[j].AST) {
			j++
		}
		if err := s.execImplicit(ctx, stmts[i:j], nil, nil, w); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// withTimeout applies statement_timeout to a call.
func (s *session) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if d := s.vars.statementTimeout(); d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

// flatten turns err into the error for the client, logging internal errors.
func (s *session) flatten(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return pgerror.New(pgerror.CodeQueryCanceled, "canceling statement due to statement timeout")
	case errors.Is(err, context.Canceled):
		return pgerror.New(pgerror.CodeQueryCanceled, "canceling statement due to user request")
	}
	pe := pgerror.Flatten(err)
	if pe != nil && pe.Code == pgerror.CodeInternalError {
		s.srv.cfg.Logger.Error("sql: internal error", "err", err, "user", s.user, "database", s.dbName)
	}
	return pe
}

// execOne runs a statement in a transaction block or a transaction control
// statement.
func (s *session) execOne(ctx context.Context, st *front.Parsed, ptypes []types.T, params []rowenc.Value, w ResultWriter) error {
	ctl := controlOf(st.AST)
	switch s.state {
	case stateFailed:
		if ctl == ctlCommit || ctl == ctlRollback {
			s.state = stateIdle
			return w.Complete("ROLLBACK")
		}
		return errInFailedTxn()
	case stateIdle:
		switch ctl {
		case ctlBegin:
			opts := txn.Options{ReadOnly: st.AST.(*ast.BeginStmt).ReadOnly}
			tx, err := s.srv.cfg.DB.Begin(ctx, opts)
			if err != nil {
				return s.flatten(err)
			}
			s.tx, s.state = tx, stateOpen
			return w.Complete("BEGIN")
		case ctlCommit:
			if err := s.notice(w, "WARNING", pgerror.CodeNoActiveSQLTransaction, "there is no transaction in progress"); err != nil {
				return err
			}
			return w.Complete("COMMIT")
		case ctlRollback:
			if err := s.notice(w, "WARNING", pgerror.CodeNoActiveSQLTransaction, "there is no transaction in progress"); err != nil {
				return err
			}
			return w.Complete("ROLLBACK")
		}
		return s.execImplicit(ctx, []front.Parsed{*st}, ptypes, params, w)
	}
	// stateOpen.
	switch ctl {
	case ctlBegin:
		if err := s.notice(w, "WARNING", pgerror.CodeActiveSQLTransaction, "there is already a transaction in progress"); err != nil {
			return err
		}
		return w.Complete("BEGIN")
	case ctlCommit:
		tx := s.tx
		s.tx, s.state = nil, stateIdle
		if err := tx.Commit(ctx); err != nil {
			_ = tx.Rollback(ctx)
			return s.flatten(err)
		}
		return w.Complete("COMMIT")
	case ctlRollback:
		_ = s.tx.Rollback(ctx)
		s.tx, s.state = nil, stateIdle
		return w.Complete("ROLLBACK")
	}
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, err)
	}
	if err := s.execStmt(ctx, s.tx, st, ptypes, params, w); err != nil {
		return s.fail(ctx, err)
	}
	return nil
}

// fail puts an open transaction into the failed state (rolling back its
// writes and releasing its locks at once) and returns err for the client.
func (s *session) fail(ctx context.Context, err error) error {
	if s.state == stateOpen {
		_ = s.tx.Rollback(context.WithoutCancel(ctx))
		s.tx, s.state = nil, stateFailed
	}
	return s.flatten(err)
}

// execImplicit runs stmts in one implicit transaction, retrying it on
// retryable conflicts. Results are buffered until the outcome is known, so
// a retried attempt leaves no trace.
func (s *session) execImplicit(ctx context.Context, stmts []front.Parsed, ptypes []types.T, params []rowenc.Value, w ResultWriter) error {
	if len(stmts) == 1 && isStreamed(stmts[0].AST) {
		return s.execUnbuffered(ctx, &stmts[0], ptypes, params, w)
	}
	// Queries that only read run as read-only transactions: a snapshot,
	// without locks.
	opts := txn.Options{ReadOnly: true}
	for i := range stmts {
		if !readOnlyStmt(stmts[i].AST) || writesSequence(&stmts[i]) {
			opts.ReadOnly = false
		}
	}
	buf := s.implicitBuf
	if buf == nil {
		buf = &bufferWriter{}
	}
	s.implicitBuf = nil // not shared with a nested implicit transaction
	buf.dest = w
	defer func() {
		buf.reset()
		buf.dest = nil
		s.implicitBuf = buf
	}()
	for attempt := 0; ; attempt++ {
		buf.reset()
		err := s.attemptImplicit(ctx, stmts, ptypes, params, buf, opts)
		var re *txn.RetryableError
		if errors.Is(err, txn.ErrRetryable) && !buf.streaming && attempt < s.srv.cfg.MaxRetries && ctx.Err() == nil {
			if errors.As(err, &re) {
				opts.Priority = re.Priority
			}
			continue
		}
		if rerr := buf.replay(w); rerr != nil {
			return rerr
		}
		if err != nil {
			return s.flatten(err)
		}
		return nil
	}
}

func (s *session) attemptImplicit(ctx context.Context, stmts []front.Parsed, ptypes []types.T, params []rowenc.Value, w ResultWriter, opts txn.Options) error {
	tx, err := s.srv.cfg.DB.Begin(ctx, opts)
	if err != nil {
		return err
	}
	defer rollbackOnPanic(ctx, tx)
	for i := range stmts {
		if err := ctx.Err(); err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return err
		}
		if err := s.execStmt(ctx, tx, &stmts[i], ptypes, params, w); err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return err
		}
	}
	return tx.Commit(ctx)
}

// execStmt plans and runs one statement in tx.
func (s *session) execStmt(ctx context.Context, tx txn.Txn, st *front.Parsed, ptypes []types.T, params []rowenc.Value, w ResultWriter) error {
	if params == nil && st.NumParams > 0 {
		return pgerror.New(pgerror.CodeUndefinedParameter, "there is no parameter $%d", st.Params[0])
	}
	p, err := s.planFor(ctx, tx, st, ptypes)
	if err != nil {
		return err
	}
	ec := &execCtx{ctx: ctx, s: s, tx: tx, params: params}
	if err := p.exec(ec, w); err != nil {
		if errors.Is(err, txn.ErrReadOnly) {
			return pgerror.New(pgerror.CodeReadOnlySQLTransaction, "cannot execute this statement in a read-only transaction")
		}
		return err
	}
	for _, kv := range s.vars.drain() {
		if err := w.ParameterStatus(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// bufferWriter records results to replay them later. Its zero value is
// ready; reset makes it ready again keeping its memory, which a session
// does for its implicit transactions (rows are copied into one backing
// slice instead of one allocation each).
type bufferWriter struct {
	calls []bufferedCall
	vals  []rowenc.Value // the rows' values, in order
	// dest, if set, is where the buffer goes once it holds more than
	// resultsBufferValues values: it is replayed there and every later call
	// is forwarded (streaming), so that a large result is not held in
	// memory. The results of an attempt that streams cannot be taken back,
	// so that attempt is not retried (CockroachDB's results buffer works
	// the same way).
	dest      ResultWriter
	streaming bool
}

// resultsBufferValues is how many result values an implicit transaction
// buffers for an invisible retry before it streams them to the client.
const resultsBufferValues = 1 << 14

type bufferedCall struct {
	kind callKind
	cols []Column
	n    int // callRow: how many values of vals
	// a, b, c: Complete's tag, ParameterStatus's name and value, Notice's
	// severity, code and message.
	a, b, c string
}

type callKind uint8

const (
	callColumns callKind = iota
	callRow
	callComplete
	callEmptyQuery
	callNotice
	callParameterStatus
)

// maxKeptValues bounds the values a reset buffer keeps room for, so that a
// session does not hold on to its largest result.
const maxKeptValues = 1 << 12

func (b *bufferWriter) reset() {
	b.streaming = false
	clear(b.calls)
	b.calls = b.calls[:0]
	if cap(b.vals) > maxKeptValues {
		b.vals = nil
	}
	clear(b.vals)
	b.vals = b.vals[:0]
}

func (b *bufferWriter) Columns(cols []Column) error {
	if b.streaming {
		return b.dest.Columns(cols)
	}
	b.calls = append(b.calls, bufferedCall{kind: callColumns, cols: append([]Column(nil), cols...)})
	return nil
}

func (b *bufferWriter) Row(row []rowenc.Value) error {
	if b.streaming {
		return b.dest.Row(row)
	}
	b.vals = append(b.vals, row...)
	b.calls = append(b.calls, bufferedCall{kind: callRow, n: len(row)})
	if b.dest != nil && len(b.vals) > resultsBufferValues {
		// From here on the attempt's results reach the client as they
		// come.
		if err := b.replay(b.dest); err != nil {
			return err
		}
		b.reset()
		b.streaming = true
	}
	return nil
}

func (b *bufferWriter) Complete(tag string) error {
	if b.streaming {
		return b.dest.Complete(tag)
	}
	b.calls = append(b.calls, bufferedCall{kind: callComplete, a: tag})
	return nil
}

func (b *bufferWriter) EmptyQuery() error {
	if b.streaming {
		return b.dest.EmptyQuery()
	}
	b.calls = append(b.calls, bufferedCall{kind: callEmptyQuery})
	return nil
}

func (b *bufferWriter) Notice(severity, code, message string) error {
	if b.streaming {
		return b.dest.Notice(severity, code, message)
	}
	b.calls = append(b.calls, bufferedCall{kind: callNotice, a: severity, b: code, c: message})
	return nil
}

func (b *bufferWriter) ParameterStatus(name, value string) error {
	if b.streaming {
		return b.dest.ParameterStatus(name, value)
	}
	b.calls = append(b.calls, bufferedCall{kind: callParameterStatus, a: name, b: value})
	return nil
}

func (b *bufferWriter) replay(w ResultWriter) error {
	off := 0
	for _, c := range b.calls {
		var err error
		switch c.kind {
		case callColumns:
			err = w.Columns(c.cols)
		case callRow:
			err = w.Row(b.vals[off : off+c.n : off+c.n])
			off += c.n
		case callComplete:
			err = w.Complete(c.a)
		case callEmptyQuery:
			err = w.EmptyQuery()
		case callNotice:
			err = w.Notice(c.a, c.b, c.c)
		case callParameterStatus:
			err = w.ParameterStatus(c.a, c.b)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readOnlyStmt reports whether n only reads.
func readOnlyStmt(n ast.StmtNode) bool {
	switch n := n.(type) {
	case *ast.SelectStmt:
		return n.LockInfo == nil || n.LockInfo.LockType == ast.SelectLockNone
	case *ast.ShowStmt, *ast.SetStmt:
		return true
	case *ast.ExplainStmt:
		return !n.Analyze
	}
	return false
}

// notice sends a NOTICE, unless client_min_messages is above it.
func (ec *execCtx) notice(w ResultWriter, code, msg string) error {
	return ec.s.notice(w, "NOTICE", code, msg)
}
