package driver

import (
	"context"
	"sync"

	"github.com/meridiandb/meridian/server"
)

// stacks holds the shared open stacks of the process, by dsn.key.
var stacks struct {
	mu   sync.Mutex
	open map[string]*sharedStack
}

// sharedStack is one open stack and how many connectors hold it.
// Invariant: refs > 0 while it is in stacks.open.
type sharedStack struct {
	key   string
	stack *server.Stack
	refs  int
}

// acquire returns the stack for d, opening it if no connector holds it.
// Opening happens under stacks.mu so that two sql.Open calls on one
// directory cannot both try to open (and lock) it.
func acquire(ctx context.Context, d dsn) (*sharedStack, error) {
	cfg := server.StackConfig{Dir: d.dir, InMemory: d.inMemory}
	if d.key == "" {
		st, err := server.OpenStack(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return &sharedStack{stack: st, refs: 1}, nil
	}
	stacks.mu.Lock()
	defer stacks.mu.Unlock()
	if s, ok := stacks.open[d.key]; ok {
		s.refs++
		return s, nil
	}
	st, err := server.OpenStack(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if stacks.open == nil {
		stacks.open = make(map[string]*sharedStack)
	}
	s := &sharedStack{key: d.key, stack: st, refs: 1}
	stacks.open[d.key] = s
	return s, nil
}

// release drops one reference and closes the stack with the last one.
func (s *sharedStack) release() error {
	if s.key == "" {
		return s.stack.Close(context.Background())
	}
	stacks.mu.Lock()
	defer stacks.mu.Unlock()
	s.refs--
	if s.refs > 0 {
		return nil
	}
	delete(stacks.open, s.key)
	return s.stack.Close(context.Background())
}
