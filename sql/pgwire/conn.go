package pgwire

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgerror"
)

// sessionCloseTimeout bounds Session.Close when a connection ends, so a
// wedged rollback cannot pin the connection's goroutine forever.
const sessionCloseTimeout = 10 * time.Second

// conn is one client connection. Every field but mu's is owned by the
// connection's goroutine (serve); mu guards what the Server's goroutines
// (cancel requests, Shutdown) touch.
type conn struct {
	srv    *Server
	nc     net.Conn
	log    *slog.Logger
	pid    uint32
	secret uint32

	br *bufio.Reader
	bw *bufio.Writer
	be *pgproto3.Backend

	// ctx is cancelled by Server.Close; statement contexts derive from it.
	ctx    context.Context
	cancel context.CancelFunc

	sess sql.Session
	// loc is the session's TimeZone (nil: UTC), followed from the
	// ParameterStatus the session reports.
	loc     *time.Location
	stmts   map[string]*prepStmt
	portals map[string]*portal
	// ignoreTillSync is set by an error in extended-protocol mode: every
	// message up to the next Sync is discarded, as PostgreSQL does.
	ignoreTillSync bool
	// writeErr is the first error writing to the client; once set, the
	// connection is finished.
	writeErr error
	// readErr is a read error met inside COPY FROM; once set, the
	// connection is finished.
	readErr error
	// copyingOut is set between CopyOutResponse and the CopyDone that
	// precedes the COPY's CommandComplete (an error ends copy-out mode too).
	copyingOut bool

	mu struct {
		sync.Mutex
		// stmtCancel cancels the running statement, or is nil between
		// statements.
		stmtCancel context.CancelFunc
		draining   bool
	}
}

func newConn(s *Server, nc net.Conn, pid, secret uint32) *conn {
	c := &conn{
		srv:     s,
		nc:      nc,
		log:     s.log.With("remote", nc.RemoteAddr().String(), "pid", pid),
		pid:     pid,
		secret:  secret,
		br:      bufio.NewReaderSize(nc, 16<<10),
		bw:      bufio.NewWriterSize(nc, 32<<10),
		stmts:   make(map[string]*prepStmt),
		portals: make(map[string]*portal),
	}
	c.be = pgproto3.NewBackend(c.br, c.bw)
	c.be.SetMaxBodyLen(s.cfg.MaxMessageSize)
	c.ctx, c.cancel = context.WithCancel(s.baseCtx)
	return c
}

// cancelStatement cancels the running statement, if any (a CancelRequest).
func (c *conn) cancelStatement() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.stmtCancel != nil {
		c.mu.stmtCancel()
	}
}

// startDrain asks the connection to end at its next read: a read deadline in
// the past wakes a goroutine blocked reading (an idle connection) and makes
// the read after a running statement fail, while messages already buffered
// and the running statement's results still go through.
func (c *conn) startDrain() {
	c.mu.Lock()
	c.mu.draining = true
	c.mu.Unlock()
	_ = c.nc.SetReadDeadline(time.Unix(1, 0))
}

func (c *conn) isDraining() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.draining
}

// beginStatement returns the context a statement runs under; a
// CancelRequest cancels it. The caller must call the returned func when the
// statement ends.
func (c *conn) beginStatement() (context.Context, func()) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.mu.Lock()
	c.mu.stmtCancel = cancel
	c.mu.Unlock()
	return ctx, func() {
		c.mu.Lock()
		c.mu.stmtCancel = nil
		c.mu.Unlock()
		cancel()
	}
}

// lingerTimeout bounds how long a closing connection waits for the client
// to read what was sent last (a FATAL error) and close its side.
const lingerTimeout = 250 * time.Millisecond

// lingeringClose closes the connection so that the client reliably reads
// the last messages: closing a TCP socket that still has unread input (the
// garbage that caused a protocol violation) sends a reset, which may make
// the client drop the FATAL error it had not read yet. So shut down the
// write side, drain a bounded amount of input until the client closes or
// lingerTimeout passes, then close.
func (c *conn) lingeringClose() {
	defer func() { _ = c.nc.Close() }()
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	if c.nc.SetReadDeadline(time.Now().Add(lingerTimeout)) != nil {
		return
	}
	_, _ = io.CopyN(io.Discard, c.nc, 1<<20)
}

// serve runs the connection to its end. It never panics: a panic while
// handling the connection is logged and closes this connection only.
func (c *conn) serve() {
	defer c.srv.removeConn(c)
	defer c.cancel()
	defer c.lingeringClose()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("pgwire: panic in connection handler; closing the connection",
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			c.sendFatal(pgerror.New(pgerror.CodeInternalError, "internal error: %v", r))
		}
	}()
	c.run()
}

func (c *conn) run() {
	ok := c.startup()
	if !ok {
		return
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), sessionCloseTimeout)
		defer cancel()
		if err := c.sess.Close(ctx); err != nil {
			c.log.Warn("pgwire: closing the session", "err", err)
		}
	}()
	for {
		msg, err := c.be.Receive()
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.handle(msg) {
			return
		}
		if c.readErr != nil {
			c.readFailed(c.readErr)
			return
		}
		if c.writeErr != nil {
			c.log.Debug("pgwire: client went away", "err", c.writeErr)
			return
		}
	}
}

// readFailed ends the connection after a failed read: quietly when the
// client went away, with FATAL 57P01 when the server is shutting down, and
// with FATAL 08P01 when the client broke the protocol.
func (c *conn) readFailed(err error) {
	var ne net.Error
	var tooBig *pgproto3.ExceededMaxBodyLenErr
	switch {
	case errors.As(err, &ne) && ne.Timeout() && c.isDraining():
		c.sendFatal(&pgerror.Error{Severity: "FATAL", Code: pgerror.CodeAdminShutdown,
			Message: "terminating connection due to administrator command"})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.As(err, &ne):
		c.log.Debug("pgwire: connection closed", "err", err)
	case errors.As(err, &tooBig):
		c.protocolViolation("message of %d bytes exceeds the maximum of %d", tooBig.ActualBodyLen, tooBig.MaxExpectedBodyLen)
	default:
		c.protocolViolation("%v", err)
	}
}

// protocolViolation sends FATAL 08P01 and leaves the caller to close.
func (c *conn) protocolViolation(format string, args ...any) {
	e := pgerror.New(pgerror.CodeProtocolViolation, format, args...)
	c.log.Info("pgwire: protocol violation; closing the connection", "err", e.Message)
	c.sendFatal(e)
}

// handle acts on one message; it returns false when the connection must end.
func (c *conn) handle(msg pgproto3.FrontendMessage) bool {
	if c.ignoreTillSync {
		switch msg.(type) {
		case *pgproto3.Sync, *pgproto3.Terminate:
		default:
			return true
		}
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(m.String)
	case *pgproto3.Parse:
		c.extended(c.parse(m))
	case *pgproto3.Bind:
		c.extended(c.bind(m))
	case *pgproto3.Describe:
		c.extended(c.describe(m))
	case *pgproto3.Execute:
		c.extended(c.execute(m))
	case *pgproto3.Close:
		c.extended(c.closeObject(m))
	case *pgproto3.Sync:
		c.ignoreTillSync = false
		if c.sess.TxnStatus() == sql.TxnIdle {
			// Portals live until the end of their transaction; outside a
			// transaction block that is the Sync that ends the implicit one.
			clear(c.portals)
		}
		c.readyForQuery()
	case *pgproto3.Flush:
		c.flush()
	case *pgproto3.Terminate:
		return false
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Outside COPY mode PostgreSQL ignores these, so a client that
		// raced an error ending COPY does not lose its connection.
	case *pgproto3.FunctionCall:
		c.sendError(pgerror.Unsupported("the fastpath function call protocol"))
		c.readyForQuery()
	default:
		c.protocolViolation("unexpected message %T", msg)
		return false
	}
	return true
}

// extended finishes an extended-protocol message: an error is reported and
// starts the skip to the next Sync.
func (c *conn) extended(err error) {
	if err != nil {
		c.sendError(err)
		c.ignoreTillSync = true
	}
}

func (c *conn) simpleQuery(query string) {
	// A simple query destroys the unnamed statement and portal.
	delete(c.stmts, "")
	delete(c.portals, "")
	if !utf8.ValidString(query) {
		c.sendError(pgerror.New(pgerror.CodeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\""))
		c.readyForQuery()
		return
	}
	ctx, done := c.beginStatement()
	w := &simpleWriter{c: c}
	err := c.sess.ExecSimple(ctx, query, w)
	done()
	if err != nil && c.writeErr == nil {
		c.sendError(err)
	}
	c.readyForQuery()
}

func (c *conn) readyForQuery() {
	c.send(&pgproto3.ReadyForQuery{TxStatus: byte(c.sess.TxnStatus())})
	c.flush()
}

// send buffers msg for the client. Errors stick in c.writeErr.
func (c *conn) send(msg pgproto3.BackendMessage) {
	if c.writeErr != nil {
		return
	}
	c.be.Send(msg)
	// Backend.Flush only copies into c.bw; the socket write happens when c.bw
	// fills or on flush.
	if err := c.be.Flush(); err != nil {
		c.writeErr = err
	}
}

// flush writes what is buffered to the socket.
func (c *conn) flush() {
	if c.writeErr != nil {
		return
	}
	if err := c.bw.Flush(); err != nil {
		c.writeErr = err
	}
}

func errorResponse(e *pgerror.Error) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{
		Severity:            e.Severity,
		SeverityUnlocalized: e.Severity,
		Code:                e.Code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            e.Position,
	}
}

// sendError reports a statement's error; the connection goes on.
func (c *conn) sendError(err error) {
	c.copyingOut = false
	e := pgerror.Flatten(err)
	if e.Code == pgerror.CodeInternalError {
		c.log.Warn("pgwire: internal error", "err", err)
	}
	c.send(errorResponse(e))
}

// sendFatal reports an error that ends the connection and flushes it.
func (c *conn) sendFatal(e *pgerror.Error) {
	c2 := *e
	c2.Severity = "FATAL"
	c.send(errorResponse(&c2))
	c.flush()
}
