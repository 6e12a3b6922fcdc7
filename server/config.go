package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
)

// Default addresses: loopback, so that a node started without flags is not
// reachable from other machines.
const (
	DefaultSQLAddr  = "127.0.0.1:7432"
	DefaultRPCAddr  = "127.0.0.1:7433"
	DefaultHTTPAddr = "127.0.0.1:7480"
)

// Config configures a node.
type Config struct {
	// StoreDir is the directory holding the node's data; it is created if
	// missing. Exactly one of StoreDir and InMemory must be set.
	StoreDir string
	// InMemory keeps the data in memory; it is lost when the node stops.
	InMemory bool
	// SQLAddr is where PostgreSQL clients connect (default DefaultSQLAddr).
	SQLAddr string
	// RPCAddr is the node-to-node address (default DefaultRPCAddr). It is
	// bound and held but nothing is served on it yet: the cluster issues
	// bring gRPC.
	RPCAddr string
	// HTTPAddr serves /health and /debug/pprof/ (default DefaultHTTPAddr).
	HTTPAddr string
	// CacheSize is the store's block cache in bytes (default
	// DefaultCacheSize).
	CacheSize int64
	// Logger receives the node's logs; nil means slog.Default().
	Logger *slog.Logger
}

// DefaultCacheSize is a node's block cache. With the engine's own default
// (64 MiB), pgbench -S at scale 10 (a 1M-row table) missed the cache on
// about every other query: 0.4 more read syscalls per query, and the
// decompression; with 256 MiB it misses next to never. The cache fills
// only as blocks are read, so a small database does not pay for it.
const DefaultCacheSize = 256 << 20

// validate fills defaults and refuses nonsense.
func (c *Config) validate() error {
	switch {
	case c.StoreDir == "" && !c.InMemory:
		return errors.New("server: Config needs StoreDir or InMemory")
	case c.StoreDir != "" && c.InMemory:
		return errors.New("server: Config.StoreDir and Config.InMemory are exclusive")
	}
	if c.SQLAddr == "" {
		c.SQLAddr = DefaultSQLAddr
	}
	if c.RPCAddr == "" {
		c.RPCAddr = DefaultRPCAddr
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = DefaultHTTPAddr
	}
	for _, a := range []struct{ name, addr string }{{"SQLAddr", c.SQLAddr}, {"RPCAddr", c.RPCAddr}, {"HTTPAddr", c.HTTPAddr}} {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return fmt.Errorf("server: Config.%s %q: %w", a.name, a.addr, err)
		}
	}
	switch {
	case c.CacheSize < 0:
		return fmt.Errorf("server: Config.CacheSize %d is negative", c.CacheSize)
	case c.CacheSize == 0:
		c.CacheSize = DefaultCacheSize
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// ListenError says which of the node's addresses could not be bound. It
// unwraps to the cause, so errors.Is(err, syscall.EADDRINUSE) tells a port
// conflict.
type ListenError struct {
	// What is "SQL", "RPC" or "HTTP".
	What string
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("server: cannot listen for %s on %s: %v", e.What, e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }
