package concurrency

import (
	"context"
	"sync"

	"github.com/meridiandb/meridian/kv"
)

// Manager is the blocking wrapper around a Table: safe for concurrent use,
// Acquire blocks until the lock is granted, the transaction is wounded, or
// the context ends.
type Manager struct {
	// Knobs are testing hooks; set before first use.
	Knobs TestingKnobs

	mu    sync.Mutex
	table *Table // guarded by mu
	// waits has one channel per waiting request, buffered so the Table's
	// event is delivered without blocking under mu. Invariant: the keys are
	// exactly the table's waiters that a blocked Acquire is parked on.
	waits map[WaiterID]chan error // guarded by mu
}

// TestingKnobs are hooks for tests.
type TestingKnobs struct {
	// OnWait, if set, is called (under the Manager's mutex, so it must not
	// call back into the Manager) when a request starts waiting. Tests use
	// it to learn, without sleeping, that a request is parked.
	OnWait func(req Request, id WaiterID)
	// OnEvent, if set, is called under the mutex for every table event.
	OnEvent func(Event)
}

// NewManager returns a Manager over an empty Table.
func NewManager() *Manager {
	return &Manager{table: NewTable(), waits: make(map[WaiterID]chan error)}
}

// Acquire takes the lock req asks for, waiting as long as it conflicts. It
// returns nil once the lock is held, a *kv.TxnAbortedError if the
// transaction was (or gets, while waiting) wounded, or ctx's error if ctx
// ends first (the request is then withdrawn from the queue; locks already
// held stay until Release).
func (m *Manager) Acquire(ctx context.Context, req Request) error {
	m.mu.Lock()
	d, events := m.table.Acquire(req)
	var ch chan error
	if d.Outcome == Wait {
		ch = make(chan error, 1)
		m.waits[d.Waiter] = ch
		if m.Knobs.OnWait != nil {
			m.Knobs.OnWait(req, d.Waiter)
		}
	}
	m.deliverLocked(events)
	m.mu.Unlock()

	switch d.Outcome {
	case Granted:
		return nil
	case Aborted:
		return d.Err
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case err := <-ch:
		// Decided while we were giving up. A wound wins; a grant stands (the
		// lock stays held until Release, like any other) but ctx has ended.
		if err != nil {
			return err
		}
		return ctx.Err()
	default:
	}
	delete(m.waits, d.Waiter)
	m.deliverLocked(m.table.CancelWait(d.Waiter))
	return ctx.Err()
}

// Check returns the transaction's *kv.TxnAbortedError if it was wounded.
// Call it after a read made under locks, before returning the read.
func (m *Manager) Check(id kv.TxnID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.table.Check(id)
}

// Known reports whether the lock table knows the transaction: it asked
// for a lock and has not been released since.
func (m *Manager) Known(id kv.TxnID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.table.Known(id)
}

// BeginCommit makes the transaction unwoundable, or returns its
// *kv.TxnAbortedError. See Table.BeginCommit.
func (m *Manager) BeginCommit(meta kv.TxnMeta) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.table.BeginCommit(meta)
}

// Release releases every lock of the transaction and forgets it.
func (m *Manager) Release(id kv.TxnID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deliverLocked(m.table.Release(id))
}

// String dumps the lock table.
func (m *Manager) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.table.String()
}

func (m *Manager) deliverLocked(events []Event) {
	for _, ev := range events {
		if m.Knobs.OnEvent != nil {
			m.Knobs.OnEvent(ev)
		}
		var err error
		switch ev.Kind {
		case EventGranted:
		case EventAborted:
			err = ev.Err
		default:
			continue
		}
		if ch, ok := m.waits[ev.Waiter]; ok {
			delete(m.waits, ev.Waiter)
			ch <- err
		}
	}
}
