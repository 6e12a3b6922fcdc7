package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgwire"
)

// Node is a running Meridian node.
type Node struct {
	cfg   Config
	log   *slog.Logger
	stack *Stack

	sqlLn, rpcLn, httpLn net.Listener
	pg                   *pgwire.Server
	http                 *http.Server

	// served is closed when the SQL and HTTP serve loops have returned.
	served sync.WaitGroup

	stopOnce sync.Once
	stopErr  error
}

// Start opens the node's store and engine, binds its addresses and starts
// serving. It returns once clients can connect. ctx bounds the start only;
// stop the node with Stop.
func Start(ctx context.Context, cfg Config) (_ *Node, retErr error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: cfg.Logger}
	var closers []func()
	defer func() {
		if retErr != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()

	// Bind first: a taken port is the likeliest failure and costs nothing
	// to detect before the store is opened.
	listen := func(what, addr string) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, &ListenError{What: what, Addr: addr, Err: err}
		}
		closers = append(closers, func() { _ = ln.Close() })
		return ln, nil
	}
	var err error
	if n.sqlLn, err = listen("SQL", cfg.SQLAddr); err != nil {
		return nil, err
	}
	// The RPC port is reserved so the node holds it from the start; nothing
	// is served on it until the cluster issues bring gRPC, and connections
	// to it are accepted by the kernel's backlog only.
	if n.rpcLn, err = listen("RPC", cfg.RPCAddr); err != nil {
		return nil, err
	}
	if n.httpLn, err = listen("HTTP", cfg.HTTPAddr); err != nil {
		return nil, err
	}

	n.stack, err = OpenStack(ctx, StackConfig{Dir: cfg.StoreDir, InMemory: cfg.InMemory, CacheSize: cfg.CacheSize, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { _ = n.stack.Close(context.Background()) })

	n.pg, err = pgwire.NewServer(pgwire.Config{Engine: n.stack.Engine, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	// Profiles are served beside /health so a slow node can be looked at
	// without a restart; the HTTP address is loopback unless the operator
	// chose otherwise.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	n.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)}

	n.served.Add(2)
	go func() {
		defer n.served.Done()
		if err := n.pg.Serve(context.Background(), n.sqlLn); err != nil && !errors.Is(err, pgwire.ErrServerClosed) {
			n.log.Error("server: SQL listener failed", "err", err)
		}
	}()
	go func() {
		defer n.served.Done()
		if err := n.http.Serve(n.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("server: HTTP listener failed", "err", err)
		}
	}()
	n.log.Info("server: node started", "sql", n.SQLAddr(), "http", n.HTTPAddr(), "rpc", n.RPCAddr(),
		"store", storeDesc(cfg))
	return n, nil
}

func storeDesc(cfg Config) string {
	if cfg.InMemory {
		return "in memory"
	}
	return cfg.StoreDir
}

// SQLAddr is the address PostgreSQL clients connect to.
func (n *Node) SQLAddr() string { return n.sqlLn.Addr().String() }

// HTTPAddr is the address of the HTTP status endpoint.
func (n *Node) HTTPAddr() string { return n.httpLn.Addr().String() }

// RPCAddr is the reserved node-to-node address.
func (n *Node) RPCAddr() string { return n.rpcLn.Addr().String() }

// Engine is the node's SQL engine, for in-process clients.
func (n *Node) Engine() sql.Engine { return n.stack.Engine }

// Stop shuts the node down gracefully: SQL connections finish their running
// statement (until ctx ends; then statements are cancelled), then the store
// is closed. It is safe to call more than once; later calls return the
// first one's result.
func (n *Node) Stop(ctx context.Context) error {
	n.stopOnce.Do(func() {
		var errs []error
		if err := n.pg.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("server: stopping SQL: %w", err))
		}
		if err := n.http.Shutdown(ctx); err != nil {
			_ = n.http.Close()
		}
		_ = n.rpcLn.Close()
		n.served.Wait()
		if err := n.stack.Close(ctx); err != nil {
			errs = append(errs, err)
		}
		n.stopErr = errors.Join(errs...)
		n.log.Info("server: node stopped")
	})
	return n.stopErr
}
