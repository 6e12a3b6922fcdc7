package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/meridiandb/meridian/kv"
	"github.com/meridiandb/meridian/rangeservice/store"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/txn"
)

// writeSizeSender forwards batches and records how many StageRequests went
// by and the most bytes of writes one request carried.
type writeSizeSender struct {
	kv.Sender
	mu       sync.Mutex
	stages   int
	maxBytes int
}

func (s *writeSizeSender) Send(ctx context.Context, ba *kv.BatchRequest) (*kv.BatchResponse, error) {
	s.mu.Lock()
	for _, r := range ba.Requests {
		var ws []kv.Write
		switch r := r.(type) {
		case *kv.StageRequest:
			s.stages++
			ws = r.Writes
		case *kv.EndTxnRequest:
			ws = r.Writes
		}
		n := 0
		for _, w := range ws {
			n += len(w.Key) + len(w.Value)
		}
		s.maxBytes = max(s.maxBytes, n)
	}
	s.mu.Unlock()
	return s.Sender.Send(ctx, ba)
}

func copyData(from, to int) []byte {
	var sb strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&sb, "%d\t%d\tfiller text for row %d\n", i, i%1000, i)
	}
	return []byte(sb.String())
}

// TestCopyStaged loads tables with COPY through a DB that stages writes
// past 64 KiB: the client never holds, and no request carries, much more
// than that, whatever the size of the load, and the load still behaves as
// one transaction (its own reads see it, a duplicate key or a rollback
// undoes all of it).
func TestCopyStaged(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(store.Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const stageAfter = 64 << 10
	sender := &writeSizeSender{Sender: st}
	s := mustSession(t, txn.NewDB(sender, st.Clock(), txn.StageAfter(stageAfter)))
	count := func(table string) int64 {
		t.Helper()
		return mustExec(t, s, "SELECT count(*) FROM "+table).got[0][0].I
	}

	const n = 20000 // about 1 MiB of rows
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY, k INT, s TEXT)")
	if err := s.ExecSimple(ctx, "COPY t FROM STDIN", &copyWriter{data: copyData(0, n)}); err != nil {
		t.Fatal(err)
	}
	if got := count("t"); got != n {
		t.Fatalf("count after COPY = %d, want %d", got, n)
	}
	if sender.stages < 5 {
		t.Fatalf("%d StageRequests for %d rows", sender.stages, n)
	}
	// A buffer is staged once it passes stageAfter, after at most one
	// batch of the bulk inserter (1000 rows of under 100 bytes).
	if bound := stageAfter + 1000*100; sender.maxBytes > bound {
		t.Fatalf("a request carried %d bytes of writes, over %d", sender.maxBytes, bound)
	}
	w := mustExec(t, s, "SELECT k, s FROM t WHERE id = 12345")
	if got := fmt.Sprint(w.got); got != `[[345 "filler text for row 12345"]]` {
		t.Fatalf("row 12345 = %s", got)
	}

	// A duplicate of a row staged long before fails the whole COPY.
	mustExec(t, s, "CREATE TABLE u (id INT PRIMARY KEY, k INT, s TEXT)")
	dup := append(copyData(0, n), copyData(7, 8)...)
	err = s.ExecSimple(ctx, "COPY u FROM STDIN", &copyWriter{data: dup})
	var pe *pgerror.Error
	if !errors.As(err, &pe) || pe.Code != pgerror.CodeUniqueViolation {
		t.Fatalf("COPY with a duplicate key: %v", err)
	}
	if got := count("u"); got != 0 {
		t.Fatalf("failed COPY left %d rows", got)
	}

	// In a transaction: its statements read its staged rows, and a
	// rollback leaves nothing.
	mustExec(t, s, "BEGIN")
	if err := s.ExecSimple(ctx, "COPY u FROM STDIN", &copyWriter{data: copyData(0, n)}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, s, "DELETE FROM u WHERE id % 2 = 0")
	if got := count("u"); got != n/2 {
		t.Fatalf("count in the transaction = %d, want %d", got, n/2)
	}
	mustExec(t, s, "ROLLBACK")
	if got := count("u"); got != 0 {
		t.Fatalf("rolled back COPY left %d rows", got)
	}

	// A large delete and a drop stage their deletes as well.
	mustExec(t, s, "DELETE FROM t WHERE id >= 100")
	if got := count("t"); got != 100 {
		t.Fatalf("count after DELETE = %d, want 100", got)
	}
	mustExec(t, s, "DROP TABLE t")
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY)")
	if got := count("t"); got != 0 {
		t.Fatalf("recreated table has %d rows", got)
	}
}
