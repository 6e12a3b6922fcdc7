package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/kv"
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
// in-flight commit's timestamp waits until the commit is applied.
func TestReadOnlyWaitsForInflightCommit(t *testing.T) {
	waiting := make(chan struct{}, 10)
	cfg := Config{Dir: MemoryDir}
	cfg.Knobs.OnSnapshotWait = func(clock.Timestamp) { waiting <- struct{}{} }
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := s.inflight.begin(s.clock)
	if ct := s.ClosedTimestamp(); !ct.Less(ts) {
		t.Fatalf("closed timestamp %s not below in-flight %s", ct, ts)
	}
	read := s.Clock().Now()
	done := make(chan error)
	go func() {
		_, err := s.Send(context.Background(), &kv.BatchRequest{
			Txn:      &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: read, ReadOnly: true},
			Requests: []kv.Request{&kv.GetRequest{Key: []byte("k")}},
		})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("read returned (%v) while a commit below it was in flight", err)
	case <-waiting:
	}
	s.inflight.end(ts)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A read below every in-flight commit does not wait.
	ts2 := s.inflight.begin(s.clock)
	defer s.inflight.end(ts2)
	if _, err := s.Send(context.Background(), &kv.BatchRequest{
		Txn:      &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: read, ReadOnly: true},
		Requests: []kv.Request{&kv.GetRequest{Key: []byte("k")}},
	}); err != nil {
		t.Fatal(err)
	}
}
