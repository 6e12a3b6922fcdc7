package concurrency

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridiandb/meridian/kv"
)

func meta(p int64) kv.TxnMeta { return kv.TxnMeta{ID: kv.NewTxnID(), Priority: p} }

func point(k string) kv.Span { return kv.Span{Key: []byte(k)} }

// newParkedManager returns a Manager whose parked channel receives every
// request that starts waiting.
func newParkedManager() (*Manager, chan WaiterID) {
	m := NewManager()
	parked := make(chan WaiterID, 100)
	m.Knobs.OnWait = func(_ Request, id WaiterID) { parked <- id }
	return m, parked
}

func TestManagerWaitAndRelease(t *testing.T) {
	m, parked := newParkedManager()
	ctx := context.Background()
	t1, t2 := meta(1), meta(2)
	if err := m.Acquire(ctx, Request{Txn: t1, Span: point("a"), Strength: kv.LockExclusive}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- m.Acquire(ctx, Request{Txn: t2, Span: point("a"), Strength: kv.LockShared}) }()
	<-parked
	m.Release(t1.ID)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m.Release(t2.ID)
	if s := m.String(); s != "empty\n" {
		t.Fatalf("table not empty:\n%s", s)
	}
}

func TestManagerContextCancelWhileWaiting(t *testing.T) {
	m, parked := newParkedManager()
	t1, t2 := meta(1), meta(2)
	if err := m.Acquire(context.Background(), Request{Txn: t1, Span: point("a"), Strength: kv.LockExclusive}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Acquire(ctx, Request{Txn: t2, Span: point("a"), Strength: kv.LockExclusive}) }()
	<-parked
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	// The waiter is gone from the queue.
	if got, want := m.String(), "lock a: "+t1.ID.String()+":exclusive\n"; got != want {
		t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
	m.Release(t2.ID)
	m.Release(t1.ID)
}

// TestManagerWoundedWhileWaiting: young waits for mid; mid then asks for a
// lock young holds, closing a cycle; young, the younger, is wounded and its
// wait ends with the abort, and mid is granted.
func TestManagerWoundedWhileWaiting(t *testing.T) {
	m, parked := newParkedManager()
	ctx := context.Background()
	mid, young := meta(2), meta(3)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(m.Acquire(ctx, Request{Txn: mid, Span: point("a"), Strength: kv.LockExclusive}))
	must(m.Acquire(ctx, Request{Txn: young, Span: point("b"), Strength: kv.LockExclusive}))
	done := make(chan error)
	go func() { done <- m.Acquire(ctx, Request{Txn: young, Span: point("a"), Strength: kv.LockShared}) }()
	<-parked
	must(m.Acquire(ctx, Request{Txn: mid, Span: point("b"), Strength: kv.LockShared}))
	err := <-done
	var ae *kv.TxnAbortedError
	if !errors.As(err, &ae) || ae.By != mid.ID || !errors.Is(err, kv.ErrTxnAborted) {
		t.Fatalf("got %v, want wounded by %s", err, mid.ID)
	}
	if err := m.BeginCommit(young); !errors.Is(err, kv.ErrTxnAborted) {
		t.Fatalf("BeginCommit of wounded txn: %v", err)
	}
	m.Release(young.ID)
	m.Release(mid.ID)
}

// checker verifies mutual exclusion between committing transactions: those
// that passed BeginCommit cannot be wounded, so the locks they hold are
// real, and no two may hold incompatible locks on a key at once.
type checker struct {
	mu      sync.Mutex
	readers map[string]int
	writer  map[string]bool
}

func (c *checker) enter(shared, exclusive []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range exclusive {
		if c.writer[k] || c.readers[k] > 0 {
			return fmt.Errorf("exclusive lock on %s while held by another committing txn", k)
		}
	}
	for _, k := range shared {
		if c.writer[k] {
			return fmt.Errorf("shared lock on %s while exclusively held", k)
		}
	}
	for _, k := range exclusive {
		c.writer[k] = true
	}
	for _, k := range shared {
		c.readers[k]++
	}
	return nil
}

func (c *checker) exit(shared, exclusive []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range exclusive {
		c.writer[k] = false
	}
	for _, k := range shared {
		c.readers[k]--
	}
}

// TestManagerStress runs many goroutines taking random point and span locks
// with wound-wait and retries. It checks mutual exclusion among committing
// transactions, that every goroutine finishes (no deadlock), and that the
// table ends empty.
func TestManagerStress(t *testing.T) {
	const (
		workers = 8
		txnsPer = 150
		nKeys   = 6
	)
	m := NewManager()
	keys := make([]string, nKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	chk := &checker{readers: map[string]int{}, writer: map[string]bool{}}
	var nextPriority atomic.Int64
	var commits, wounds, cancels atomic.Int64
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for range txnsPer {
				prio := nextPriority.Add(1)
				for attempt := 0; ; attempt++ {
					tm := kv.TxnMeta{ID: kv.NewTxnID(), Priority: prio}
					var shared, exclusive []string
					failed := false
					for range 1 + rng.IntN(4) {
						ctx := context.Background()
						var cancel context.CancelFunc = func() {}
						if rng.IntN(20) == 0 {
							// An already-cancelled context: the request is
							// withdrawn if it has to wait.
							ctx, cancel = context.WithCancel(ctx)
							cancel()
						}
						var req Request
						req.Txn = tm
						i := rng.IntN(nKeys)
						switch rng.IntN(3) {
						case 0:
							req.Span, req.Strength = point(keys[i]), kv.LockShared
						case 1:
							req.Span, req.Strength = point(keys[i]), kv.LockExclusive
						case 2:
							j := i + 1 + rng.IntN(nKeys-i)
							end := "k9"
							if j < nKeys {
								end = keys[j]
							}
							req.Span, req.Strength = kv.Span{Key: []byte(keys[i]), EndKey: []byte(end)}, kv.LockShared
						}
						err := m.Acquire(ctx, req)
						cancel()
						switch {
						case err == nil:
							if req.Span.IsPoint() {
								if req.Strength == kv.LockExclusive {
									exclusive = append(exclusive, keys[i])
								} else {
									shared = append(shared, keys[i])
								}
							} else {
								for _, k := range keys {
									if k >= string(req.Span.Key) && k < string(req.Span.EndKey) {
										shared = append(shared, k)
									}
								}
							}
							continue
						case errors.Is(err, kv.ErrTxnAborted):
							wounds.Add(1)
						case errors.Is(err, context.Canceled):
							cancels.Add(1)
						default:
							errc <- err
							return
						}
						failed = true
						break
					}
					if !failed {
						if err := m.BeginCommit(tm); err != nil {
							wounds.Add(1)
							failed = true
						}
					}
					if failed {
						m.Release(tm.ID)
						continue // retry with the same priority
					}
					// Exclusive wins over shared on the same key.
					var sh []string
					for _, k := range shared {
						if !contains(exclusive, k) && !contains(sh, k) {
							sh = append(sh, k)
						}
					}
					ex := dedupe(exclusive)
					if err := chk.enter(sh, ex); err != nil {
						errc <- err
						return
					}
					runtime.Gosched()
					chk.exit(sh, ex)
					m.Release(tm.ID)
					commits.Add(1)
					break
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(45 * time.Second): // a deadlock detector, not a sleep
		buf := make([]byte, 1<<20)
		t.Fatalf("deadlock: workers did not finish\n%s\n%s", m.String(), buf[:runtime.Stack(buf, true)])
	}
	select {
	case err := <-errc:
		t.Fatal(err)
	default:
	}
	if s := m.String(); s != "empty\n" {
		t.Fatalf("table not empty at the end:\n%s", s)
	}
	t.Logf("commits %d, aborted attempts %d, cancelled waits %d", commits.Load(), wounds.Load(), cancels.Load())
	if commits.Load() != workers*txnsPer {
		t.Fatalf("commits %d, want %d", commits.Load(), workers*txnsPer)
	}
}

func contains(s []string, k string) bool {
	for _, x := range s {
		if x == k {
			return true
		}
	}
	return false
}

func dedupe(s []string) []string {
	var out []string
	for _, k := range s {
		if !contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}
