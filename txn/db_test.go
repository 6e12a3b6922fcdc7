package txn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridiandb/meridian/kv"
	"github.com/meridiandb/meridian/rangeservice/concurrency"
	"github.com/meridiandb/meridian/rangeservice/store"
	"github.com/meridiandb/meridian/txn"
)

type env struct {
	t      testing.TB
	s      *store.Store
	db     txn.DB
	parked chan concurrency.Request // requests that started waiting for a lock
}

func newEnv(t testing.TB, opts ...txn.DBOption) *env {
	t.Helper()
	e := &env{t: t, parked: make(chan concurrency.Request, 1000)}
	cfg := store.Config{Dir: store.MemoryDir}
	cfg.Knobs.Locks.OnWait = func(r concurrency.Request, _ concurrency.WaiterID) {
		select {
		case e.parked <- r:
		default:
		}
	}
	s, err := store.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e.s, e.db = s, txn.NewDB(countStages(t, s, len(opts) > 0), s.Clock(), opts...)
	return e
}

// stageCounter is the store as a kv.Sender, counting the StageRequests
// that went through it.
type stageCounter struct {
	kv.Sender
	n atomic.Int64
}

func (c *stageCounter) Send(ctx context.Context, ba *kv.BatchRequest) (*kv.BatchResponse, error) {
	for _, r := range ba.Requests {
		if _, ok := r.(*kv.StageRequest); ok {
			c.n.Add(1)
		}
	}
	return c.Sender.Send(ctx, ba)
}

// countStages wraps s; if staging is expected, the test fails at its end
// unless some transaction staged writes (a staged variant that stages
// nothing tests nothing new).
func countStages(t testing.TB, s kv.Sender, expect bool) kv.Sender {
	c := &stageCounter{Sender: s}
	t.Cleanup(func() {
		if n := c.n.Load(); expect && n == 0 && !t.Failed() {
			t.Errorf("no StageRequest was sent")
		} else if !expect && n > 0 {
			t.Errorf("%d StageRequests with the default threshold", n)
		}
	})
	return c
}

// stagingModes runs test with the default DB, whose small transactions
// keep their writes in the client's buffer until commit, and with DBs that
// stage writes at the store (txn.StageAfter): after every write ("staged"),
// and every few writes, so that reads merge a buffer over staged writes
// ("mixed").
func stagingModes(t *testing.T, test func(t *testing.T, opts ...txn.DBOption)) {
	t.Run("buffered", func(t *testing.T) { test(t) })
	t.Run("staged", func(t *testing.T) { test(t, txn.StageAfter(1)) })
	t.Run("mixed", func(t *testing.T) { test(t, txn.StageAfter(100)) })
}

func (e *env) begin(opts txn.Options) txn.Txn {
	e.t.Helper()
	tx, err := e.db.Begin(context.Background(), opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return tx
}

// run runs fn in a transaction until it commits, retrying on ErrRetryable
// with the priority the error carries.
func run(ctx context.Context, db txn.DB, opts txn.Options, fn func(txn.Txn) error) (retries int, err error) {
	for {
		tx, err := db.Begin(ctx, opts)
		if err != nil {
			return retries, err
		}
		err = fn(tx)
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err == nil {
			return retries, nil
		}
		_ = tx.Rollback(ctx)
		var re *txn.RetryableError
		if !errors.As(err, &re) {
			return retries, err
		}
		opts.Priority = re.Priority
		retries++
	}
}

func (e *env) put(kvs ...string) {
	e.t.Helper()
	_, err := run(context.Background(), e.db, txn.Options{}, func(tx txn.Txn) error {
		for i := 0; i < len(kvs); i += 2 {
			if err := tx.Put(context.Background(), []byte(kvs[i]), []byte(kvs[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func mustGet(t testing.TB, tx txn.Txn, key string) string {
	t.Helper()
	v, ok, err := tx.Get(context.Background(), []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return "<none>"
	}
	return string(v)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func fmtRows(rows []txn.KeyValue) string {
	var b bytes.Buffer
	for _, r := range rows {
		fmt.Fprintf(&b, "%s=%s ", r.Key, r.Value)
	}
	return b.String()
}

func TestReadYourWrites(t *testing.T) { stagingModes(t, testReadYourWrites) }

func testReadYourWrites(t *testing.T, opts ...txn.DBOption) {
	e := newEnv(t, opts...)
	ctx := context.Background()
	e.put("a", "1", "b", "2", "c", "3")
	tx := e.begin(txn.Options{})
	must(t, tx.Put(ctx, []byte("b"), []byte("20")))
	must(t, tx.Delete(ctx, []byte("c")))
	must(t, tx.Put(ctx, []byte("d"), nil))
	if got := mustGet(t, tx, "b"); got != "20" {
		t.Fatalf("b = %s", got)
	}
	if got := mustGet(t, tx, "c"); got != "<none>" {
		t.Fatalf("c = %s", got)
	}
	rows, err := tx.Scan(ctx, []byte("a"), []byte("z"), txn.ScanOptions{})
	must(t, err)
	if got, want := fmtRows(rows), "a=1 b=20 d= "; got != want {
		t.Fatalf("scan = %q, want %q", got, want)
	}
	n, err := tx.DeleteRange(ctx, []byte("a"), []byte("c"))
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteRange = %d, want 2", n)
	}
	rows, err = tx.Scan(ctx, []byte("a"), []byte("z"), txn.ScanOptions{})
	must(t, err)
	if got, want := fmtRows(rows), "d= "; got != want {
		t.Fatalf("scan = %q, want %q", got, want)
	}
	// Nothing is visible to others before commit.
	other := e.begin(txn.Options{ReadOnly: true})
	if got := mustGet(t, other, "b"); got != "2" {
		t.Fatalf("other sees b = %s", got)
	}
	must(t, other.Commit(ctx))
	must(t, tx.Commit(ctx))
	after := e.begin(txn.Options{ReadOnly: true})
	rows, err = after.Scan(ctx, []byte("a"), []byte("z"), txn.ScanOptions{})
	must(t, err)
	if got, want := fmtRows(rows), "d= "; got != want {
		t.Fatalf("after commit scan = %q, want %q", got, want)
	}
	must(t, after.Commit(ctx))
	if err := tx.Commit(ctx); !errors.Is(err, txn.ErrTxnDone) {
		t.Fatalf("second Commit: %v", err)
	}
	must(t, tx.Rollback(ctx))
}

func TestInsert(t *testing.T) { stagingModes(t, testInsert) }

func testInsert(t *testing.T, opts ...txn.DBOption) {
	e := newEnv(t, opts...)
	ctx := context.Background()
	e.put("a", "1")
	tx := e.begin(txn.Options{})
	if err := tx.Insert(ctx, []byte("a"), []byte("x")); !errors.Is(err, txn.ErrKeyExists) {
		t.Fatalf("Insert over committed key: %v", err)
	}
	must(t, tx.Insert(ctx, []byte("b"), []byte("2")))
	if err := tx.Insert(ctx, []byte("b"), []byte("x")); !errors.Is(err, txn.ErrKeyExists) {
		t.Fatalf("Insert over own write: %v", err)
	}
	// Still usable; insert after own delete is fine.
	must(t, tx.Delete(ctx, []byte("a")))
	must(t, tx.Insert(ctx, []byte("a"), []byte("new")))
	must(t, tx.Commit(ctx))
	ro := e.begin(txn.Options{ReadOnly: true})
	if got := mustGet(t, ro, "a") + mustGet(t, ro, "b"); got != "new2" {
		t.Fatalf("got %s", got)
	}
	if err := ro.Put(ctx, []byte("a"), nil); !errors.Is(err, txn.ErrReadOnly) {
		t.Fatalf("Put in read-only txn: %v", err)
	}
	must(t, ro.Commit(ctx))

	// Two transactions inserting the same key: exactly one wins.
	var wins, exists int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := run(ctx, e.db, txn.Options{}, func(tx txn.Txn) error {
				return tx.Insert(ctx, []byte("k"), []byte("v"))
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, txn.ErrKeyExists):
				exists++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || exists != 3 {
		t.Fatalf("wins %d, exists %d", wins, exists)
	}
}

// TestScanModel compares scans (limits, reverse, for update) in transactions
// with buffered writes against a model.
func TestScanModel(t *testing.T) { stagingModes(t, testScanModel) }

func testScanModel(t *testing.T, opts ...txn.DBOption) {
	e := newEnv(t, opts...)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() string { return fmt.Sprintf("k%02d", rng.IntN(30)) }
	committed := map[string]string{}
	var init []string
	for range 15 {
		k, v := key(), strconv.Itoa(rng.IntN(100))
		committed[k] = v
		init = append(init, k, v)
	}
	e.put(init...)
	for round := range 30 {
		model := maps(committed)
		tx := e.begin(txn.Options{})
		for range rng.IntN(10) {
			k := key()
			if rng.IntN(3) == 0 {
				must(t, tx.Delete(ctx, []byte(k)))
				delete(model, k)
			} else {
				v := fmt.Sprintf("r%d", round)
				must(t, tx.Put(ctx, []byte(k), []byte(v)))
				model[k] = v
			}
		}
		for range 10 {
			a, b := key(), key()
			if a > b {
				a, b = b, a
			}
			opts := txn.ScanOptions{MaxKeys: int64(rng.IntN(6)), Reverse: rng.IntN(2) == 0, ForUpdate: rng.IntN(4) == 0}
			rows, err := tx.Scan(ctx, []byte(a), []byte(b), opts)
			must(t, err)
			var want []txn.KeyValue
			var keys []string
			for k := range model {
				if k >= a && k < b {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			if opts.Reverse {
				slices.Reverse(keys)
			}
			for _, k := range keys {
				want = append(want, txn.KeyValue{Key: []byte(k), Value: []byte(model[k])})
			}
			if opts.MaxKeys > 0 && int64(len(want)) > opts.MaxKeys {
				want = want[:opts.MaxKeys]
			}
			if fmtRows(rows) != fmtRows(want) {
				t.Fatalf("round %d: scan [%s,%s) %+v:\n got %s\nwant %s", round, a, b, opts, fmtRows(rows), fmtRows(want))
			}
		}
		if rng.IntN(2) == 0 {
			must(t, tx.Commit(ctx))
			committed = model
		} else {
			must(t, tx.Rollback(ctx))
		}
	}
	if s := e.s.LockTable().String(); s != "empty\n" {
		t.Fatalf("locks left:\n%s", s)
	}
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestWriteSkew: two on-call doctors each check that both are on call and
// take themselves off. Serializable executions keep at least one on call;
// under snapshot isolation both would go.
func TestWriteSkew(t *testing.T) {
	ctx := context.Background()
	offCall := func(me, other string) func(txn.Txn) error {
		return func(tx txn.Txn) error {
			a, _, err := tx.Get(ctx, []byte(me))
			if err != nil {
				return err
			}
			b, _, err := tx.Get(ctx, []byte(other))
			if err != nil {
				return err
			}
			if string(a) == "1" && string(b) == "1" {
				return tx.Put(ctx, []byte(me), []byte("0"))
			}
			return nil
		}
	}
	t.Run("interleaved", func(t *testing.T) {
		e := newEnv(t)
		e.put("x", "1", "y", "1")
		older := e.begin(txn.Options{Priority: 1})
		younger := e.begin(txn.Options{Priority: 2})
		for _, tx := range []txn.Txn{older, younger} {
			mustGet(t, tx, "x")
			mustGet(t, tx, "y")
		}
		// The older one's write waits for the younger reader of x, and the
		// younger's write, which would wait for the older reader of y, is
		// wounded instead (waiting would be a deadlock).
		olderPut := make(chan error, 1)
		go func() { olderPut <- older.Put(ctx, []byte("x"), []byte("0")) }()
		<-e.parked
		err := younger.Put(ctx, []byte("y"), []byte("0"))
		var re *txn.RetryableError
		if !errors.As(err, &re) || !errors.Is(err, txn.ErrRetryable) || re.Priority != 2 {
			t.Fatalf("younger Put: %v, want RetryableError with priority 2", err)
		}
		must(t, <-olderPut)
		must(t, older.Commit(ctx))
		if _, _, err := younger.Get(ctx, []byte("x")); !errors.Is(err, txn.ErrTxnDone) {
			t.Fatalf("use after retryable error: %v", err)
		}
		must(t, younger.Rollback(ctx))
	})
	t.Run("concurrent", func(t *testing.T) {
		e := newEnv(t)
		for i := range 20 {
			x, y := fmt.Sprintf("x%d", i), fmt.Sprintf("y%d", i)
			e.put(x, "1", y, "1")
			var wg sync.WaitGroup
			for _, p := range [][2]string{{x, y}, {y, x}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := run(ctx, e.db, txn.Options{}, offCall(p[0], p[1])); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			ro := e.begin(txn.Options{ReadOnly: true})
			if mustGet(t, ro, x) == "0" && mustGet(t, ro, y) == "0" {
				t.Fatalf("write skew: both %s and %s off call", x, y)
			}
			must(t, ro.Commit(ctx))
		}
	})
}

// TestPhantom: an insert into a span a transaction scanned waits until the
// scanner finishes, whichever of the two is older.
func TestPhantom(t *testing.T) {
	ctx := context.Background()
	t.Run("younger inserter waits", func(t *testing.T) {
		e := newEnv(t)
		e.put("a", "1", "c", "3")
		scanner := e.begin(txn.Options{Priority: 1})
		rows, err := scanner.Scan(ctx, []byte("a"), []byte("z"), txn.ScanOptions{})
		must(t, err)
		done := make(chan error)
		go func() {
			_, err := run(ctx, e.db, txn.Options{Priority: 2}, func(tx txn.Txn) error {
				return tx.Insert(ctx, []byte("b"), []byte("2"))
			})
			done <- err
		}()
		<-e.parked // the insert waits for the scanner's span lock
		again, err := scanner.Scan(ctx, []byte("a"), []byte("z"), txn.ScanOptions{})
		must(t, err)
		if fmtRows(rows) != fmtRows(again) || len(rows) != 2 {
			t.Fatalf("phantom: %s then %s", fmtRows(rows), fmtRows(again))
		}
		must(t, scanner.Commit(ctx))
		must(t, <-done)
		ro := e.begin(txn.Options{ReadOnly: true})
		rows, err = ro.Scan(ctx, []byte("a"), []byte("z"), txn.ScanOptions{})
		must(t, err)
		if got := fmtRows(rows); got != "a=1 b=2 c=3 " {
			t.Fatalf("after: %s", got)
		}
	})
	t.Run("older inserter waits for a younger scanner that does not wait", func(t *testing.T) {
		e := newEnv(t)
		e.put("a", "1", "c", "3")
		inserter := e.begin(txn.Options{Priority: 1})
		scanner := e.begin(txn.Options{Priority: 2})
		rows, err := scanner.Scan(ctx, []byte("a"), []byte("z"), txn.ScanOptions{})
		must(t, err)
		inserted := make(chan error, 1)
		go func() { inserted <- inserter.Insert(ctx, []byte("b"), []byte("2")) }()
		<-e.parked
		again, err := scanner.Scan(ctx, []byte("a"), []byte("z"), txn.ScanOptions{})
		must(t, err)
		if fmtRows(rows) != fmtRows(again) || len(rows) != 2 {
			t.Fatalf("phantom: %s then %s", fmtRows(rows), fmtRows(again))
		}
		must(t, scanner.Commit(ctx))
		must(t, <-inserted)
		must(t, inserter.Commit(ctx))
	})
}

func TestContextCancelWhileWaiting(t *testing.T) {
	e := newEnv(t)
	e.put("k", "v")
	holder := e.begin(txn.Options{Priority: 1})
	must(t, holder.Put(context.Background(), []byte("k"), []byte("v2")))
	waiter := e.begin(txn.Options{Priority: 2})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, _, err := waiter.Get(ctx, []byte("k"))
		done <- err
	}()
	<-e.parked
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Get: %v, want context.Canceled", err)
	}
	// The transaction was rolled back.
	if _, _, err := waiter.Get(context.Background(), []byte("k")); !errors.Is(err, txn.ErrTxnDone) {
		t.Fatalf("after cancel: %v", err)
	}
	must(t, waiter.Rollback(context.Background()))
	must(t, holder.Commit(context.Background()))
	if s := e.s.LockTable().String(); s != "empty\n" {
		t.Fatalf("locks left:\n%s", s)
	}
}

// TestReadOnlySnapshot: read-only transactions read a snapshot without
// locks: they neither wait for writers nor see commits after they began.
func TestReadOnlySnapshot(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.put("k", "old")
	ro := e.begin(txn.Options{ReadOnly: true})
	w := e.begin(txn.Options{Priority: 1})
	must(t, w.Put(ctx, []byte("k"), []byte("new")))
	if got := mustGet(t, ro, "k"); got != "old" {
		t.Fatalf("read-only saw %s", got)
	}
	must(t, w.Commit(ctx))
	if got := mustGet(t, ro, "k"); got != "old" {
		t.Fatalf("read-only saw %s after the commit", got)
	}
	must(t, ro.Commit(ctx))
	ro2 := e.begin(txn.Options{ReadOnly: true})
	if got := mustGet(t, ro2, "k"); got != "new" {
		t.Fatalf("later read-only saw %s", got)
	}
	// Nothing in flight: the closed timestamp is past the snapshot.
	if ct := e.s.ClosedTimestamp(); !ro2.ReadTimestamp().Less(ct) {
		t.Fatalf("closed timestamp %s not above read timestamp %s", ct, ro2.ReadTimestamp())
	}
	must(t, ro2.Commit(ctx))
}

// TestBank moves money between accounts from many goroutines, with
// retries, while others check (in read-only and read-write transactions)
// that the total never changes.
func TestBank(t *testing.T) { stagingModes(t, testBank) }

func testBank(t *testing.T, opts ...txn.DBOption) {
	const (
		accounts  = 8
		workers   = 6
		transfers = 40
		initial   = 100
	)
	e := newEnv(t, opts...)
	ctx := context.Background()
	acct := func(i int) []byte { return []byte(fmt.Sprintf("acct%03d", i)) }
	var init []string
	for i := range accounts {
		init = append(init, string(acct(i)), strconv.Itoa(initial))
	}
	e.put(init...)
	total := func(tx txn.Txn) (int, error) {
		rows, err := tx.Scan(ctx, []byte("acct"), []byte("acct~"), txn.ScanOptions{})
		if err != nil {
			return 0, err
		}
		sum := 0
		for _, r := range rows {
			n, err := strconv.Atoi(string(r.Value))
			if err != nil {
				return 0, err
			}
			sum += n
		}
		if len(rows) != accounts {
			return 0, fmt.Errorf("%d accounts", len(rows))
		}
		return sum, nil
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	retriesTotal := 0
	stop := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range transfers {
				from, to := rng.IntN(accounts), rng.IntN(accounts)
				if from == to {
					to = (to + 1) % accounts
				}
				amount := rng.IntN(20)
				forUpdate := rng.IntN(2) == 0
				retries, err := run(ctx, e.db, txn.Options{}, func(tx txn.Txn) error {
					get := tx.Get
					if forUpdate {
						get = tx.GetForUpdate
					}
					fv, _, err := get(ctx, acct(from))
					if err != nil {
						return err
					}
					tv, _, err := get(ctx, acct(to))
					if err != nil {
						return err
					}
					f, _ := strconv.Atoi(string(fv))
					tt, _ := strconv.Atoi(string(tv))
					if err := tx.Put(ctx, acct(from), []byte(strconv.Itoa(f-amount))); err != nil {
						return err
					}
					return tx.Put(ctx, acct(to), []byte(strconv.Itoa(tt+amount)))
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				retriesTotal += retries
				mu.Unlock()
			}
		}()
	}
	var checks sync.WaitGroup
	for _, readOnly := range []bool{true, false} {
		checks.Add(1)
		go func() {
			defer checks.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var sum int
				_, err := run(ctx, e.db, txn.Options{ReadOnly: readOnly}, func(tx txn.Txn) error {
					var err error
					sum, err = total(tx)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if sum != accounts*initial {
					t.Errorf("read-only=%v: total %d, want %d", readOnly, sum, accounts*initial)
					return
				}
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(stop); checks.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(50 * time.Second): // deadlock detector, not a sleep
		t.Fatalf("bank did not finish; locks:\n%s", e.s.LockTable())
	}
	t.Logf("retries: %d", retriesTotal)
	ro := e.begin(txn.Options{ReadOnly: true})
	sum, err := total(ro)
	must(t, err)
	if sum != accounts*initial {
		t.Fatalf("final total %d", sum)
	}
	if s := e.s.LockTable().String(); s != "empty\n" {
		t.Fatalf("locks left:\n%s", s)
	}
}

// With staging (on disk, beside the engine's files) it also checks that
// Close drops the staging area of the transaction left open.
func TestDurableAcrossReopen(t *testing.T) { stagingModes(t, testDurableAcrossReopen) }

func testDurableAcrossReopen(t *testing.T, opts ...txn.DBOption) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() (*store.Store, txn.DB) {
		s, err := store.Open(store.Config{Dir: dir})
		must(t, err)
		return s, txn.NewDB(s, s.Clock(), opts...)
	}
	s, db := open()
	_, err := run(ctx, db, txn.Options{}, func(tx txn.Txn) error {
		for i := range 10 {
			if err := tx.Put(ctx, []byte(fmt.Sprintf("k%d", i)), []byte(strconv.Itoa(i))); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
	// An uncommitted transaction leaves nothing behind.
	tx, err := db.Begin(ctx, txn.Options{})
	must(t, err)
	must(t, tx.Put(ctx, []byte("k0"), []byte("uncommitted")))
	must(t, tx.Delete(ctx, []byte("k1")))
	must(t, s.Close())
	if ents, err := os.ReadDir(filepath.Join(dir, "staging")); len(ents) > 0 || (err != nil && !errors.Is(err, fs.ErrNotExist)) {
		t.Fatalf("staging directory after Close: %v, %v", ents, err)
	}
	if _, err := s.Send(ctx, &kv.BatchRequest{Requests: []kv.Request{&kv.GetRequest{Key: []byte("k0")}}}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}

	s, db = open()
	defer s.Close()
	ro, err := db.Begin(ctx, txn.Options{ReadOnly: true})
	must(t, err)
	rows, err := ro.Scan(ctx, []byte("k"), []byte("l"), txn.ScanOptions{})
	must(t, err)
	if got, want := fmtRows(rows), "k0=0 k1=1 k2=2 k3=3 k4=4 k5=5 k6=6 k7=7 k8=8 k9=9 "; got != want {
		t.Fatalf("after reopen: %s", got)
	}
	// New commits go above the old ones.
	_, err = run(ctx, db, txn.Options{}, func(tx txn.Txn) error { return tx.Put(ctx, []byte("k0"), []byte("again")) })
	must(t, err)
	ro, err = db.Begin(ctx, txn.Options{ReadOnly: true})
	must(t, err)
	if got := mustGet(t, ro, "k0"); got != "again" {
		t.Fatalf("k0 = %s", got)
	}
}

func TestNonTransactionalBatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.s.Send(ctx, &kv.BatchRequest{Requests: []kv.Request{
		&kv.PutRequest{Key: []byte("a"), Value: []byte("1")},
		&kv.PutRequest{Key: []byte("b"), Value: []byte("2")},
		&kv.DeleteRequest{Key: []byte("a")},
	}})
	must(t, err)
	br, err := e.s.Send(ctx, &kv.BatchRequest{Requests: []kv.Request{
		&kv.ScanRequest{Key: []byte("a"), EndKey: []byte("z")},
	}})
	must(t, err)
	rows := br.Responses[0].(*kv.ScanResponse).Rows
	if len(rows) != 1 || string(rows[0].Key) != "b" {
		t.Fatalf("rows %v", rows)
	}
	if _, err := e.s.Send(ctx, &kv.BatchRequest{Requests: []kv.Request{&kv.GetRequest{}}}); !errors.Is(err, kv.ErrInvalidRequest) {
		t.Fatalf("empty key: %v", err)
	}
}

func BenchmarkSingleKeyCommit(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	val := []byte("value")
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		key := []byte(fmt.Sprintf("bench%p", &i))
		for pb.Next() {
			i++
			if _, err := run(ctx, e.db, txn.Options{}, func(tx txn.Txn) error { return tx.Put(ctx, key, val) }); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestOlderWaitsForIdleYounger: an older transaction that wants a lock held
// by a younger one that is not waiting for anything waits for it to finish
// rather than aborting it, and then sees its write.
func TestOlderWaitsForIdleYounger(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.put("k", "0")
	younger := e.begin(txn.Options{Priority: 20})
	must(t, younger.Put(ctx, []byte("k"), []byte("younger")))
	older := e.begin(txn.Options{Priority: 10})
	read := make(chan string, 1)
	go func() {
		v, _, err := older.Get(ctx, []byte("k"))
		if err != nil {
			read <- err.Error()
			return
		}
		read <- string(v)
	}()
	<-e.parked
	must(t, younger.Commit(ctx))
	if got := <-read; got != "younger" {
		t.Fatalf("older read %q after the younger committed", got)
	}
	must(t, older.Commit(ctx))
	if s := e.s.LockTable().String(); s != "empty\n" {
		t.Fatalf("locks left:\n%s", s)
	}
}

// TestWoundedWhileWaiting: a younger transaction waits for an older one,
// which then asks for a lock the younger holds. That closes a deadlock; the
// younger is wounded: its waiting call returns a RetryableError with the
// priority to retry with, and its writes are discarded.
func TestWoundedWhileWaiting(t *testing.T) { stagingModes(t, testWoundedWhileWaiting) }

func testWoundedWhileWaiting(t *testing.T, opts ...txn.DBOption) {
	e := newEnv(t, opts...)
	ctx := context.Background()
	e.put("k", "0", "j", "0")
	older := e.begin(txn.Options{Priority: 10})
	must(t, older.Put(ctx, []byte("j"), []byte("older")))
	younger := e.begin(txn.Options{Priority: 20})
	must(t, younger.Put(ctx, []byte("k"), []byte("younger")))
	youngerGet := make(chan error, 1)
	go func() {
		_, _, err := younger.Get(ctx, []byte("j"))
		youngerGet <- err
	}()
	<-e.parked // younger waits for older
	if got := mustGet(t, older, "k"); got != "0" {
		t.Fatalf("older read %s", got)
	}
	err := <-youngerGet
	var re *txn.RetryableError
	if !errors.As(err, &re) || re.Priority != 20 {
		t.Fatalf("Get of the wounded txn: %v", err)
	}
	must(t, younger.Rollback(ctx))
	must(t, older.Commit(ctx))
	ro := e.begin(txn.Options{ReadOnly: true})
	if got := mustGet(t, ro, "k"); got != "0" {
		t.Fatalf("k = %s after the wounded transaction", got)
	}
	if s := e.s.LockTable().String(); s != "empty\n" {
		t.Fatalf("locks left:\n%s", s)
	}
}

// TestCommitWithCancelledContext: a Commit whose context already ended must
// not commit behind the caller's back: it returns the context's error and
// the transaction is rolled back (txn.go, "Errors").
func TestCommitWithCancelledContext(t *testing.T) {
	e := newEnv(t)
	tx := e.begin(txn.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	must(t, tx.Put(ctx, []byte("k"), []byte("v")))
	cancel()
	err := tx.Commit(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, txn.ErrAmbiguousCommit) {
		t.Errorf("Commit after cancel = %v, want context.Canceled", err)
	}
	ro := e.begin(txn.Options{ReadOnly: true})
	if got := mustGet(t, ro, "k"); got != "<none>" {
		t.Errorf("k = %s: the cancelled commit was applied", got)
	}
	if s := e.s.LockTable().String(); s != "empty\n" {
		t.Errorf("locks left:\n%s", s)
	}
}

// TestBulkOverStagedWrites: InsertBatch and DeleteBatch (the COPY and bulk
// delete paths, the ones that stage in earnest) in a transaction whose
// earlier writes are staged: InsertBatch's batched reads see staged puts
// (ErrKeyExists at the right index) and staged deletes (insertable), and a
// large batch staged in several pieces commits whole.
func TestBulkOverStagedWrites(t *testing.T) {
	e := newEnv(t, txn.StageAfter(4096))
	ctx := context.Background()
	e.put("c", "old")
	kvs := func(keys ...string) []txn.KeyValue {
		var out []txn.KeyValue
		for _, k := range keys {
			out = append(out, txn.KeyValue{Key: []byte(k), Value: []byte("v" + k)})
		}
		return out
	}
	// stage buffers writes past the threshold, so they are all staged.
	stage := func(tx txn.Txn, pad string) {
		var big []txn.KeyValue
		for i := range 100 {
			big = append(big, txn.KeyValue{Key: []byte(fmt.Sprintf("%s%03d", pad, i)), Value: bytes.Repeat([]byte("x"), 64)})
		}
		if n, err := txn.InsertBatch(ctx, tx, big); n != len(big) || err != nil {
			t.Fatalf("padding: %d %v", n, err)
		}
	}
	for _, c := range []struct {
		name  string
		setup func(txn.Txn) error
		keys  []txn.KeyValue
		n     int
		dup   bool
	}{
		{"staged put", func(tx txn.Txn) error { return tx.Put(ctx, []byte("b"), []byte("x")) }, kvs("a", "b"), 1, true},
		{"staged delete", func(tx txn.Txn) error { return tx.Delete(ctx, []byte("c")) }, kvs("a", "c"), 2, false},
		{"staged insert", func(tx txn.Txn) error { return tx.Insert(ctx, []byte("d"), []byte("x")) }, kvs("a", "b", "d"), 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx := e.begin(txn.Options{})
			defer func() { _ = tx.Rollback(ctx) }()
			must(t, c.setup(tx))
			stage(tx, "pad")
			n, err := txn.InsertBatch(ctx, tx, c.keys)
			if n != c.n || errors.Is(err, txn.ErrKeyExists) != c.dup || (err != nil && !c.dup) {
				t.Fatalf("InsertBatch = %d, %v; want %d, duplicate %v", n, err, c.n, c.dup)
			}
		})
	}

	tx := e.begin(txn.Options{})
	must(t, txn.LockSpan(ctx, tx, []byte("k"), []byte("l")))
	var big []txn.KeyValue
	for i := range 2000 {
		big = append(big, txn.KeyValue{Key: []byte(fmt.Sprintf("k%05d", i)), Value: []byte(strconv.Itoa(i))})
	}
	for i := 0; i < len(big); i += 300 {
		if n, err := txn.InsertBatch(ctx, tx, big[i:min(i+300, len(big))]); err != nil {
			t.Fatalf("batch at %d: %d %v", i, n, err)
		}
	}
	// Delete every third key, some staged already, some still buffered.
	var dels [][]byte
	for i := 0; i < len(big); i += 3 {
		dels = append(dels, big[i].Key)
	}
	must(t, txn.DeleteBatch(ctx, tx, dels))
	var want []string
	for i, p := range big {
		if i%3 != 0 {
			want = append(want, string(p.Key)+"="+string(p.Value))
		}
	}
	scan := func(tx txn.Txn, reverse bool) []string {
		t.Helper()
		rows, err := tx.Scan(ctx, []byte("k"), []byte("l"), txn.ScanOptions{Reverse: reverse})
		must(t, err)
		var got []string
		for _, r := range rows {
			got = append(got, string(r.Key)+"="+string(r.Value))
		}
		if reverse {
			slices.Reverse(got)
		}
		return got
	}
	if got := scan(tx, true); !slices.Equal(got, want) {
		t.Fatalf("own reverse scan: %d rows, want %d", len(got), len(want))
	}
	ro := e.begin(txn.Options{ReadOnly: true})
	if got := scan(ro, false); len(got) != 0 {
		t.Fatalf("a snapshot sees %d staged rows before commit", len(got))
	}
	must(t, ro.Commit(ctx))
	must(t, tx.Commit(ctx))
	ro = e.begin(txn.Options{ReadOnly: true})
	if got := scan(ro, false); !slices.Equal(got, want) {
		t.Fatalf("after commit: %d rows, want %d", len(got), len(want))
	}
	must(t, ro.Commit(ctx))
	if s := e.s.LockTable().String(); s != "empty\n" {
		t.Fatalf("locks left:\n%s", s)
	}
}
