package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/meridiandb/meridian/rangeservice/store"
	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/txn"
)

// StackConfig says where a Stack keeps its data.
type StackConfig struct {
	// Dir is the store directory; exactly one of Dir and InMemory is set.
	Dir      string
	InMemory bool
	// CacheSize is the store's block cache in bytes; zero means the
	// engine's default.
	CacheSize int64
	// Logger receives the engine's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Stack is the storage and SQL engine of one node, as one unit: the store,
// the txn.DB over it and the SQL engine over that. A node serves it over
// the network; the embedded driver (sql/driver) serves it in-process.
type Stack struct {
	// Engine opens SQL sessions.
	Engine sql.Engine
	store  *store.Store
}

// OpenStack opens (creating if needed) the store at cfg.Dir, or a fresh
// one in memory, and the SQL engine over it (bootstrapping the catalog on
// first use).
func OpenStack(ctx context.Context, cfg StackConfig) (*Stack, error) {
	if (cfg.Dir == "") == !cfg.InMemory {
		return nil, errors.New("server: StackConfig needs exactly one of Dir and InMemory")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	st, err := store.Open(store.Config{Dir: cfg.Dir, InMemory: cfg.InMemory, CacheSize: cfg.CacheSize})
	if err != nil {
		return nil, fmt.Errorf("server: opening the store: %w", err)
	}
	eng, err := sql.NewServer(ctx, sql.Config{DB: txn.NewDB(st, st.Clock()), Logger: cfg.Logger})
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("server: starting the SQL engine: %w", err)
	}
	return &Stack{Engine: eng, store: st}, nil
}

// Close closes the store. Every session must have ended.
func (s *Stack) Close(ctx context.Context) error {
	if err := s.store.Close(); err != nil {
		return fmt.Errorf("server: closing the store: %w", err)
	}
	return nil
}
