package sql

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/meridiandb/meridian/rangeservice/store"
	"github.com/meridiandb/meridian/txn"
)

// openStore returns a txn.DB on a fresh in-memory single-node store.
func openStore(t *testing.T, opts ...txn.DBOption) txn.DB {
	t.Helper()
	s, err := store.Open(store.Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return txn.NewDB(s, s.Clock(), opts...)
}

// storeSessions returns a function opening sessions, closed when the test
// ends, of one Server on a fresh in-memory store.
func storeSessions(t *testing.T) func() Session {
	t.Helper()
	ctx := context.Background()
	srv, err := NewServer(ctx, Config{DB: openStore(t)})
	if err != nil {
		t.Fatal(err)
	}
	return func() Session {
		s, err := srv.NewSession(ctx, SessionArgs{User: "u"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(ctx) })
		return s
	}
}

// TestLogicStore runs the logic tests on the real store as well.
func TestLogicStore(t *testing.T) {
	testLogicStore(t)
}

// TestLogicStoreStaged runs them with every write staged at the store as
// soon as it is made (txn.StageAfter), so that every statement reads its
// transaction's writes through the store's staging area and every commit
// ingests them.
func TestLogicStoreStaged(t *testing.T) {
	testLogicStore(t, txn.StageAfter(1))
}

func testLogicStore(t *testing.T, opts ...txn.DBOption) {
	files, err := filepath.Glob("testdata/logic/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			env := newLogicEnv(t, openStore(t, opts...))
			defer func() {
				for _, s := range env.sessions {
					_ = s.Close(context.Background())
				}
			}()
			datadriven.RunTest(t, path, env.handle)
		})
	}
}

// TestTransfersStore checks that concurrent read-modify-write transfers
// with retries keep the total constant on the real, locking store.
func TestTransfersStore(t *testing.T) {
	runTransfers(t, openStore(t), 8, 25)
}

// TestRestartStore closes the store and opens it again on the same
// filesystem: the catalog and the rows are found where they were.
func TestRestartStore(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	open := func() (*store.Store, txn.DB) {
		s, err := store.Open(store.Config{Dir: "/data", FS: fs})
		if err != nil {
			t.Fatal(err)
		}
		return s, txn.NewDB(s, s.Clock())
	}
	st, db := open()
	sess := mustSession(t, db)
	mustExec(t, sess, "CREATE TABLE t (id INT PRIMARY KEY, v TEXT DEFAULT 'x'); INSERT INTO t (id) VALUES (1), (2); CREATE DATABASE d2")
	_ = sess.Close(ctx)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, db = open()
	defer st.Close()
	srv, err := NewServer(ctx, Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.NewSession(ctx, SessionArgs{Database: "d2"}); err != nil {
		t.Fatalf("database lost: %v", err)
	}
	s2, _ := srv.NewSession(ctx, SessionArgs{})
	defer s2.Close(ctx)
	mustExec(t, s2, "INSERT INTO t (id) VALUES (3)")
	w := mustExec(t, s2, "SELECT count(*), min(v), max(id) FROM t")
	if got := w.got[0]; got[0].I != 3 || got[1].S != "x" || got[2].I != 3 {
		t.Fatalf("after restart: %v", got)
	}
}

// TestImplicitRetriesStore has sessions increment one counter with
// single-statement (implicit) transactions: conflicts are retried by the
// engine, never seen by the client, and no increment is lost.
func TestImplicitRetriesStore(t *testing.T) {
	ctx := context.Background()
	srv, err := NewServer(ctx, Config{DB: openStore(t)})
	if err != nil {
		t.Fatal(err)
	}
	setup, _ := srv.NewSession(ctx, SessionArgs{})
	mustExec(t, setup, "CREATE TABLE c (id INT PRIMARY KEY, n INT); INSERT INTO c VALUES (1, 0)")
	const workers, each = 6, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := srv.NewSession(ctx, SessionArgs{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close(ctx)
			for j := 0; j < each; j++ {
				if err := s.ExecSimple(ctx, "UPDATE c SET n = n + 1 WHERE id = 1", &rowsWriter{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if w := mustExec(t, setup, "SELECT n FROM c"); w.got[0][0].I != workers*each {
		t.Fatalf("n = %v, want %d", w.got[0][0], workers*each)
	}
}
