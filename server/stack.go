package server

import (
	"context"
	"errors"
	"log/slog"

	"github.com/meridiandb/meridian/sql"
)

// StackConfig says where a Stack keeps its data.
type StackConfig struct {
	// Dir is the store directory; exactly one of Dir and InMemory is set.
	Dir      string
	InMemory bool
	Logger   *slog.Logger
}

// Stack is the storage and SQL engine of one node, as one unit: the store,
// the txn.DB over it and the SQL engine over that. A node serves it over
// the network; the embedded driver (sql/driver) serves it in-process.
type Stack struct {
	Engine sql.Engine
	close  func(context.Context) error
}

// ErrNotLanded is returned while the storage and SQL engine are missing.
var ErrNotLanded = errors.New("server: the SQL engine and store have not landed yet")

// OpenStack opens the store at cfg.Dir (or in memory) and the engine over
// it.
func OpenStack(ctx context.Context, cfg StackConfig) (*Stack, error) {
	return nil, ErrNotLanded
}

// Close closes the engine, then the store. Sessions must have ended.
func (s *Stack) Close(ctx context.Context) error { return s.close(ctx) }
