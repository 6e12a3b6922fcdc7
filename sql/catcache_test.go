package sql

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/meridiandb/meridian/sql/pgerror"
)

func twoSessions(t *testing.T) (Session, Session) {
	t.Helper()
	srv, err := NewServer(context.Background(), Config{DB: openStore(t)})
	if err != nil {
		t.Fatal(err)
	}
	var out [2]Session
	for i := range out {
		s, err := srv.NewSession(context.Background(), SessionArgs{User: "u"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(context.Background()) })
		out[i] = s
	}
	return out[0], out[1]
}

// TestCatalogCacheSnapshots: read-only statements see the catalog of their
// own snapshot, whatever an earlier or later statement cached.
func TestCatalogCacheSnapshots(t *testing.T) {
	a, b := twoSessions(t)
	mustExec(t, a, "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)")
	mustExec(t, b, "BEGIN READ ONLY")
	mustExec(t, a, "SELECT * FROM t") // cached at a later timestamp than b's
	mustExec(t, a, "ALTER TABLE t ADD COLUMN v INT")
	if w := mustExec(t, a, "SELECT * FROM t"); len(w.cols) != 2 {
		t.Fatalf("after ALTER: columns %v", w.cols)
	}
	if w := mustExec(t, b, "SELECT * FROM t"); len(w.cols) != 1 {
		t.Fatalf("snapshot from before ALTER: columns %v", w.cols)
	}
	mustExec(t, b, "COMMIT")

	// A name looked up and not found is not found for ever.
	if err := b.ExecSimple(context.Background(), "SELECT * FROM u", &rowsWriter{}); pgerror.Code(err) != pgerror.CodeUndefinedTable {
		t.Fatalf("missing table: %v", err)
	}
	mustExec(t, a, "CREATE TABLE u (id INT PRIMARY KEY)")
	mustExec(t, b, "SELECT * FROM u")

	// Nor does a rolled-back DDL linger, or a dropped table.
	mustExec(t, a, "BEGIN; CREATE TABLE w (id INT PRIMARY KEY)")
	mustExec(t, a, "ROLLBACK")
	if err := b.ExecSimple(context.Background(), "SELECT * FROM w", &rowsWriter{}); pgerror.Code(err) != pgerror.CodeUndefinedTable {
		t.Fatalf("rolled-back table: %v", err)
	}
	mustExec(t, a, "DROP TABLE u")
	if err := b.ExecSimple(context.Background(), "SELECT * FROM u", &rowsWriter{}); pgerror.Code(err) != pgerror.CodeUndefinedTable {
		t.Fatalf("dropped table: %v", err)
	}
}

// TestCatalogCacheFresh has one session add columns while others read the
// table: a read that starts after an ALTER returned sees its column. Every
// ALTER is the only catalog change, so the column count a read reports
// says which ALTERs it saw.
func TestCatalogCacheFresh(t *testing.T) {
	ctx := context.Background()
	open := storeSessions(t)
	w := open()
	mustExec(t, w, "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)")
	const alters, readers = 30, 3
	var done atomic.Int64 // ALTERs that returned
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	stop := make(chan struct{})
	for range readers {
		r := open()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				before := done.Load()
				rw := &rowsWriter{}
				if err := r.ExecSimple(ctx, "SELECT * FROM t WHERE id = 1", rw); err != nil {
					errs <- err
					return
				}
				if got := int64(len(rw.cols)) - 1; got < before {
					errs <- fmt.Errorf("read saw %d added columns after %d ALTERs returned", got, before)
					return
				}
			}
		}()
	}
	for i := range alters {
		mustExec(t, w, fmt.Sprintf("ALTER TABLE t ADD COLUMN c%d INT", i))
		done.Add(1)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
