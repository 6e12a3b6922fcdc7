package pgwire

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/meridiandb/meridian/sql"
)

// DefaultMaxMessageSize bounds one frontend message (a query string, a Bind
// with its parameters) when Config.MaxMessageSize is zero.
const DefaultMaxMessageSize = 64 << 20

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("pgwire: server closed")

// Config configures a Server.
type Config struct {
	// Engine opens a session for each connection. Required.
	Engine sql.Engine
	// Logger receives connection-level events; nil means slog.Default().
	Logger *slog.Logger
	// MaxMessageSize bounds one frontend message's body in bytes; a larger
	// one is a protocol violation. Zero means DefaultMaxMessageSize.
	MaxMessageSize int
}

func (c *Config) validate() error {
	if c.Engine == nil {
		return errors.New("pgwire: Config.Engine is required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MaxMessageSize < 1024 {
		return fmt.Errorf("pgwire: Config.MaxMessageSize %d is too small (minimum 1024)", c.MaxMessageSize)
	}
	return nil
}

// Server serves the PostgreSQL wire protocol on the listeners given to Serve.
type Server struct {
	cfg Config
	log *slog.Logger

	// baseCtx is the parent of every connection's context; cancelling it
	// (Close) cancels every running statement.
	baseCtx    context.Context
	cancelBase context.CancelFunc

	mu struct {
		sync.Mutex
		closed    bool // Shutdown or Close was called; no new connections
		listeners map[net.Listener]struct{}
		conns     map[*conn]struct{}
		// keys maps a BackendKeyData process id to its connection; the
		// secret key is checked against conn.secret.
		keys   map[uint32]*conn
		nextID uint32
	}
	// wg counts connection goroutines.
	wg sync.WaitGroup
}

// NewServer returns a Server; call Serve to start accepting connections.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	s.mu.listeners = make(map[net.Listener]struct{})
	s.mu.conns = make(map[*conn]struct{})
	s.mu.keys = make(map[uint32]*conn)
	return s, nil
}

// Serve accepts connections on ln until Shutdown or Close (then it returns
// ErrServerClosed), until ctx ends (then it closes the server and returns
// ctx.Err()), or until ln fails. It closes ln before returning.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	}
	s.mu.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.mu.listeners, ln)
		s.mu.Unlock()
		_ = ln.Close()
	}()

	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// A transient accept failure (e.g. out of file descriptors):
				// back off as net/http does instead of spinning or giving up.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("pgwire: accept failed; retrying", "err", err, "backoff", backoff)
				t := time.NewTimer(backoff)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
				}
				continue
			}
			return fmt.Errorf("pgwire: accept: %w", err)
		}
		backoff = 0
		c := s.newConn(nc)
		if c == nil {
			_ = nc.Close()
			continue
		}
		go c.serve()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.closed
}

// newConn registers a connection and gives it a cancel key, or returns nil
// when the server is closing. The caller starts c.serve.
func (s *Server) newConn(nc net.Conn) *conn {
	var secret [4]byte
	_, _ = rand.Read(secret[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return nil
	}
	s.mu.nextID++
	for s.mu.nextID == 0 || s.mu.keys[s.mu.nextID] != nil {
		s.mu.nextID++
	}
	c := newConn(s, nc, s.mu.nextID, binary.BigEndian.Uint32(secret[:]))
	s.mu.conns[c] = struct{}{}
	s.mu.keys[c.pid] = c
	s.wg.Add(1)
	return c
}

// removeConn forgets c; called once by c's goroutine as it exits.
func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.mu.conns, c)
	if s.mu.keys[c.pid] == c {
		delete(s.mu.keys, c.pid)
	}
	s.mu.Unlock()
	s.wg.Done()
}

// cancel handles a CancelRequest: it cancels the running statement of the
// connection with that process id if the secret matches. Mismatches are
// ignored silently, as PostgreSQL does (and a log line is all they get).
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.mu.keys[pid]
	s.mu.Unlock()
	if c == nil || len(secret) != 4 || binary.BigEndian.Uint32(secret) != c.secret {
		s.log.Info("pgwire: ignoring cancel request with an unknown key", "pid", pid)
		return
	}
	c.cancelStatement()
}

// Shutdown stops accepting connections, tells idle connections the server
// is shutting down (FATAL 57P01) and waits for busy ones to finish their
// statement. When ctx ends first it calls Close and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.mu.closed = true
	for ln := range s.mu.listeners {
		_ = ln.Close()
	}
	for c := range s.mu.conns {
		c.startDrain()
	}
	s.mu.Unlock()

	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.cancelBase()
		return nil
	case <-ctx.Done():
		_ = s.Close()
		return ctx.Err()
	}
}

// Close stops accepting, cancels every running statement, closes every
// connection and waits for their goroutines to exit.
func (s *Server) Close() error {
	s.mu.Lock()
	s.mu.closed = true
	for ln := range s.mu.listeners {
		_ = ln.Close()
	}
	s.cancelBase()
	for c := range s.mu.conns {
		_ = c.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}
