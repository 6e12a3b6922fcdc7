package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/kv"
	"github.com/meridiandb/meridian/rangeservice/concurrency"
)

func commit(t *testing.T, s *Store, writes ...kv.Write) {
	t.Helper()
	ctx := context.Background()
	meta := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: s.Clock().Now()}
	for _, w := range writes {
		if _, err := s.Send(ctx, &kv.BatchRequest{Txn: meta, Requests: []kv.Request{
			&kv.LockRequest{Span: kv.Span{Key: w.Key}, Strength: kv.LockExclusive}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Send(ctx, &kv.BatchRequest{Txn: meta, Requests: []kv.Request{
		&kv.EndTxnRequest{Commit: true, Writes: writes}}}); err != nil {
		t.Fatal(err)
	}
}

// TestCommitAtomicUnderCrash crashes the filesystem (keeping a random part
// of what was not synced) after each acknowledged commit: on recovery every
// acknowledged commit is there, and every commit is all or nothing.
func TestCommitAtomicUnderCrash(t *testing.T) {
	fs := vfs.NewCrashableMem()
	s, err := Open(Config{Dir: "data", FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	keys := []string{"a", "b", "c", "d"}
	for i := 1; i <= 20; i++ {
		var ws []kv.Write
		for _, k := range keys {
			ws = append(ws, kv.Write{Key: []byte(k), Value: []byte(strconv.Itoa(i))})
		}
		commit(t, s, ws...)

		clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rand.New(rand.NewPCG(uint64(i), 0))})
		r, err := Open(Config{Dir: "data", FS: clone})
		if err != nil {
			t.Fatal(err)
		}
		br, err := r.Send(context.Background(), &kv.BatchRequest{Requests: []kv.Request{
			&kv.ScanRequest{Key: []byte("a"), EndKey: []byte("z")}}})
		if err != nil {
			t.Fatal(err)
		}
		rows := br.Responses[0].(*kv.ScanResponse).Rows
		var got []string
		for _, row := range rows {
			got = append(got, string(row.Value))
		}
		want := fmt.Sprint([]string{strconv.Itoa(i), strconv.Itoa(i), strconv.Itoa(i), strconv.Itoa(i)})
		if fmt.Sprint(got) != want {
			t.Fatalf("after crash following commit %d: %v, want %s", i, got, want)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadOnlyWaitsForInflightCommit: a snapshot read at or above an
// in-flight commit's timestamp waits until the commit is applied, if the
// commit writes keys the read reads.
func TestReadOnlyWaitsForInflightCommit(t *testing.T) {
	waiting := make(chan struct{}, 10)
	cfg := Config{Dir: MemoryDir}
	cfg.Knobs.OnSnapshotWait = func(clock.Timestamp) { waiting <- struct{}{} }
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	read := func(ts clock.Timestamp, reqs ...kv.Request) error {
		_, err := s.Send(context.Background(), &kv.BatchRequest{
			Txn:      &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: ts, ReadOnly: true},
			Requests: reqs,
		})
		return err
	}
	get := func(k string) kv.Request { return &kv.GetRequest{Key: []byte(k)} }
	scan := func(from, to string) kv.Request { return &kv.ScanRequest{Key: []byte(from), EndKey: []byte(to)} }

	// A commit writing keys "k" to "m".
	c := s.inflight.begin(s.clock, []byte("k"), []byte("m"))
	if ct := s.ClosedTimestamp(); !ct.Less(c.ts) {
		t.Fatalf("closed timestamp %s not below in-flight %s", ct, c.ts)
	}
	for _, reqs := range [][]kv.Request{
		{get("k")}, {get("l")}, {get("m")}, {get("a"), get("m")},
		{scan("a", "k\x00")}, {scan("m", "z")}, {scan("a", "z")},
	} {
		above := s.Clock().Now()
		done := make(chan error)
		go func() { done <- read(above, reqs...) }()
		select {
		case err := <-done:
			t.Fatalf("read %v returned (%v) while a commit below it was in flight", reqs, err)
		case <-waiting:
		}
		// Each read waits for a change and checks again.
		c2 := s.inflight.begin(s.clock, []byte("x"), []byte("x"))
		s.inflight.end(c2)
		select {
		case err := <-done:
			t.Fatalf("read %v returned (%v) when another commit ended", reqs, err)
		case <-waiting:
		}
		s.inflight.end(c)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		c = s.inflight.begin(s.clock, []byte("k"), []byte("m"))
	}
	// Reads of other keys, and reads below the commit, do not wait.
	for _, reqs := range [][]kv.Request{{get("j")}, {get("m\x00")}, {scan("a", "k")}, {scan("m\x00", "z")}} {
		if err := read(s.Clock().Now(), reqs...); err != nil {
			t.Fatal(err)
		}
	}
	if err := read(c.ts.Prev(), get("k")); err != nil {
		t.Fatal(err)
	}
	s.inflight.end(c)
}

// TestHighWaterAfterReorderedCommits: two commits whose batches reach the
// engine out of timestamp order (the later timestamp first) must still
// leave a persisted high-water mark at or above both, so that after a
// restart on a clock that went back, reads and commits happen above every
// version on disk.
func TestHighWaterAfterReorderedCommits(t *testing.T) {
	fs := vfs.NewMem()
	src := clock.NewManual(1_000_000)
	hlc := func() clock.Clock {
		c, err := clock.NewHLC(clock.Config{Source: src, Uncertainty: clock.FixedUncertainty(0)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var (
		first   = make(chan clock.Timestamp, 1)
		release = make(chan struct{})
	)
	cfg := Config{Dir: "data", FS: fs, Clock: hlc()}
	var calls atomic.Int32
	cfg.Knobs.BeforeCommitBatch = func(ts clock.Timestamp) {
		// Move the clock on so that the commit wait passes and the next
		// commit takes a later wall time.
		src.Advance(time.Microsecond)
		if calls.Add(1) == 1 {
			// Hold the first commit (lower timestamp) until the second
			// one's batch is in.
			first <- ts
			<-release
		}
	}
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		commit(t, s, kv.Write{Key: []byte("a"), Value: []byte("1")})
	}()
	ts1 := <-first
	commit(t, s, kv.Write{Key: []byte("b"), Value: []byte("2")})
	close(release)
	<-done
	ts2 := s.Clock().Now()
	if !ts1.Less(ts2) {
		t.Fatalf("timestamps out of order: %s, %s", ts1, ts2)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart with the physical clock stepped back to where it was: the HLC
	// starts from scratch and only the persisted high-water mark keeps it
	// above the versions on disk.
	src.Set(1_000_000)
	s, err = Open(Config{Dir: "data", FS: fs, Clock: hlc()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	meta := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: s.Clock().Now()}
	br, err := s.Send(context.Background(), &kv.BatchRequest{Txn: meta, Requests: []kv.Request{
		&kv.GetRequest{Key: []byte("a")}, &kv.GetRequest{Key: []byte("b")}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"1", "2"} {
		if r := br.Responses[i].(*kv.GetResponse); !r.Found || string(r.Value) != want {
			t.Errorf("after restart, read %d = %q,%v; want %q (a commit is invisible: the clock restarted below it)",
				i, r.Value, r.Found, want)
		}
	}
	if _, err := s.Send(context.Background(), &kv.BatchRequest{Txn: meta, Requests: []kv.Request{&kv.EndTxnRequest{}}}); err != nil {
		t.Fatal(err)
	}
}

// TestCommitWithCancelledContext: an EndTxn commit whose context already
// ended writes nothing, returns the context's error and releases the locks.
func TestCommitWithCancelledContext(t *testing.T) {
	s, err := Open(Config{Dir: MemoryDir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	meta := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: s.Clock().Now()}
	if _, err := s.Send(context.Background(), &kv.BatchRequest{Txn: meta, Requests: []kv.Request{
		&kv.LockRequest{Span: kv.Span{Key: []byte("k")}, Strength: kv.LockExclusive}}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Send(ctx, &kv.BatchRequest{Txn: meta, Requests: []kv.Request{
		&kv.EndTxnRequest{Commit: true, Writes: []kv.Write{{Key: []byte("k"), Value: []byte("v")}}}}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("commit with a cancelled context = %v", err)
	}
	ro := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: s.Clock().Now(), ReadOnly: true}
	br, err := s.Send(context.Background(), &kv.BatchRequest{Txn: ro, Requests: []kv.Request{&kv.GetRequest{Key: []byte("k")}}})
	if err != nil {
		t.Fatal(err)
	}
	if r := br.Responses[0].(*kv.GetResponse); r.Found {
		t.Fatalf("k = %q: the cancelled commit was applied", r.Value)
	}
	if got := s.LockTable().String(); got != "empty\n" {
		t.Fatalf("locks left:\n%s", got)
	}
}

// TestLockingScanOfWholeSpan: a locking scan without a limit takes one
// exclusive lock on its span instead of one per row, and a second such
// scan of the span waits for the first transaction rather than sharing
// the span and deadlocking on the upgrades.
func TestLockingScanOfWholeSpan(t *testing.T) {
	waiting := make(chan struct{}, 10)
	cfg := Config{Dir: MemoryDir}
	cfg.Knobs.Locks.OnWait = func(concurrency.Request, concurrency.WaiterID) { waiting <- struct{}{} }
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ws []kv.Write
	for i := range 100 {
		ws = append(ws, kv.Write{Key: []byte(fmt.Sprintf("k%03d", i)), Value: []byte("v")})
	}
	commit(t, s, ws...)
	ctx := context.Background()
	scan := &kv.ScanRequest{Key: []byte("k"), EndKey: []byte("l"), KeyLocking: kv.LockExclusive}
	a := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: s.Clock().Now()}
	br, err := s.Send(ctx, &kv.BatchRequest{Txn: a, Requests: []kv.Request{scan}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(br.Responses[0].(*kv.ScanResponse).Rows); n != 100 {
		t.Fatalf("%d rows", n)
	}
	if lines := strings.Count(s.LockTable().String(), "\n"); lines > 3 {
		t.Fatalf("lock table after one locking scan of 100 rows:\n%s", s.LockTable())
	}
	b := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 2, ReadTimestamp: s.Clock().Now()}
	done := make(chan error)
	go func() {
		_, err := s.Send(ctx, &kv.BatchRequest{Txn: b, Requests: []kv.Request{scan}})
		done <- err
	}()
	<-waiting
	if _, err := s.Send(ctx, &kv.BatchRequest{Txn: a, Requests: []kv.Request{&kv.EndTxnRequest{Commit: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("second locking scan: %v", err)
	}
	if _, err := s.Send(ctx, &kv.BatchRequest{Txn: b, Requests: []kv.Request{&kv.EndTxnRequest{}}}); err != nil {
		t.Fatal(err)
	}
}
