package sql

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/meridiandb/meridian/sql/internal/memdb"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
)

// rowsWriter collects rows and tags.
type rowsWriter struct {
	traceWriter
	got  [][]rowenc.Value
	tags []string
}

func (w *rowsWriter) Columns(cols []Column) error { w.cols = cols; return nil }
func (w *rowsWriter) Row(r []rowenc.Value) error {
	w.got = append(w.got, append([]rowenc.Value(nil), r...))
	return nil
}
func (w *rowsWriter) Complete(tag string) error { w.tags = append(w.tags, tag); return nil }

func mustSession(t *testing.T, db txn.DB) Session {
	t.Helper()
	srv, err := NewServer(context.Background(), Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	s, err := srv.NewSession(context.Background(), SessionArgs{User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

func mustExec(t *testing.T, s Session, q string) *rowsWriter {
	t.Helper()
	w := &rowsWriter{}
	if err := s.ExecSimple(context.Background(), q, w); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return w
}

func TestConfigValidate(t *testing.T) {
	if _, err := NewServer(context.Background(), Config{}); err == nil {
		t.Fatal("expected an error without DB")
	}
	if _, err := NewServer(context.Background(), Config{DB: memdb.New(), MaxRetries: -1}); err == nil {
		t.Fatal("expected an error for negative MaxRetries")
	}
}

func TestImplicitRetryIsInvisible(t *testing.T) {
	db := memdb.New()
	s := mustSession(t, db)
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY, v INT)")
	db.FailCommits.Store(2)
	w := mustExec(t, s, "INSERT INTO t VALUES (1, 1); SELECT v FROM t")
	if fmt.Sprint(w.tags) != "[INSERT 0 1 SELECT 1]" || len(w.got) != 1 {
		t.Fatalf("retried results: tags %v rows %v", w.tags, w.got)
	}
	db.FailWrites.Store(1)
	mustExec(t, s, "UPDATE t SET v = 2 WHERE id = 1")
	if w := mustExec(t, s, "SELECT v FROM t"); w.got[0][0].I != 2 {
		t.Fatalf("v = %v", w.got[0][0])
	}
}

func TestRetryBounded(t *testing.T) {
	db := memdb.New()
	srv, err := NewServer(context.Background(), Config{DB: db, MaxRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := srv.NewSession(context.Background(), SessionArgs{})
	db.FailCommits.Store(10)
	err = s.ExecSimple(context.Background(), "CREATE TABLE t (id INT PRIMARY KEY)", &rowsWriter{})
	if pgerror.Code(err) != pgerror.CodeSerializationFailure {
		t.Fatalf("got %v, want 40001", err)
	}
	if n := db.FailCommits.Load(); n != 6 {
		t.Fatalf("%d failures left, want 6 (1 try + 3 retries)", n)
	}
}

func TestConflictInBlockIs40001(t *testing.T) {
	db := memdb.New()
	s := mustSession(t, db)
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY)")
	mustExec(t, s, "BEGIN")
	db.FailWrites.Store(1)
	err := s.ExecSimple(context.Background(), "INSERT INTO t VALUES (1)", &rowsWriter{})
	if pgerror.Code(err) != pgerror.CodeSerializationFailure || s.TxnStatus() != TxnFailed {
		t.Fatalf("got %v status %c, want 40001 and E", err, s.TxnStatus())
	}
	w := mustExec(t, s, "COMMIT")
	if w.tags[0] != "ROLLBACK" || s.TxnStatus() != TxnIdle {
		t.Fatalf("COMMIT of failed block: %v %c", w.tags, s.TxnStatus())
	}
	// A failed COMMIT reports 40001 and ends the block.
	mustExec(t, s, "BEGIN; INSERT INTO t VALUES (2)")
	db.FailCommits.Store(1)
	err = s.ExecSimple(context.Background(), "COMMIT", &rowsWriter{})
	if pgerror.Code(err) != pgerror.CodeSerializationFailure || s.TxnStatus() != TxnIdle {
		t.Fatalf("got %v status %c", err, s.TxnStatus())
	}
	if w := mustExec(t, s, "SELECT count(*) FROM t"); w.got[0][0].I != 0 {
		t.Fatalf("count = %v", w.got[0][0])
	}
}

func TestCancel(t *testing.T) {
	db := memdb.New()
	s := mustSession(t, db)
	mustExec(t, s, "CREATE TABLE t (id INT PRIMARY KEY)")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.ExecSimple(ctx, "SELECT * FROM t", &rowsWriter{})
	if pgerror.Code(err) != pgerror.CodeQueryCanceled {
		t.Fatalf("got %v, want 57014", err)
	}
	mustExec(t, s, "BEGIN")
	err = s.ExecSimple(ctx, "SELECT * FROM t", &rowsWriter{})
	if pgerror.Code(err) != pgerror.CodeQueryCanceled || s.TxnStatus() != TxnFailed {
		t.Fatalf("got %v status %c, want 57014 and E", err, s.TxnStatus())
	}
	mustExec(t, s, "ROLLBACK")
}

func TestParametersAndStartup(t *testing.T) {
	srv, err := NewServer(context.Background(), Config{DB: memdb.New()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := srv.NewSession(context.Background(), SessionArgs{User: "alice", Params: map[string]string{
		"application_name": "psql", "client_encoding": "UTF8", "DateStyle": "ISO", "TimeZone": "UTC", "extra_float_digits": "3",
	}})
	if err != nil {
		t.Fatal(err)
	}
	p := s.Parameters()
	for k, want := range map[string]string{
		"server_version": DefaultServerVersion, "server_encoding": "UTF8", "client_encoding": "UTF8",
		"DateStyle": "ISO, MDY", "TimeZone": "UTC", "integer_datetimes": "on", "standard_conforming_strings": "on",
		"application_name": "psql", "session_authorization": "alice", "IntervalStyle": "postgres", "is_superuser": "on",
	} {
		if p[k] != want {
			t.Errorf("%s = %q, want %q", k, p[k], want)
		}
	}
	s2, err := srv.NewSession(context.Background(), SessionArgs{Params: map[string]string{"TimeZone": "Europe/Paris"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Parameters()["TimeZone"]; got != "Europe/Paris" {
		t.Errorf("TimeZone = %q, want Europe/Paris", got)
	}
	_, err = srv.NewSession(context.Background(), SessionArgs{Params: map[string]string{"TimeZone": "Mars/Base"}})
	if pgerror.Code(err) != pgerror.CodeInvalidParameterValue {
		t.Fatalf("got %v", err)
	}
	_, err = srv.NewSession(context.Background(), SessionArgs{Database: "nope"})
	if pgerror.Code(err) != pgerror.CodeInvalidCatalogName {
		t.Fatalf("got %v", err)
	}
}

func TestPreparedColumnsOrigin(t *testing.T) {
	s := mustSession(t, memdb.New())
	mustExec(t, s, "CREATE TABLE t (a INT PRIMARY KEY, b TEXT)")
	p, err := s.Prepare(context.Background(), "SELECT b, a + 1 FROM t WHERE a = $1", []types.T{types.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	cols := p.Columns()
	if cols[0].TableOID == 0 || cols[0].ColumnNum != 2 || cols[1].TableOID != 0 {
		t.Fatalf("columns %+v", cols)
	}
	if p.ParamTypes()[0] != types.Int4 || p.SQL() == "" {
		t.Fatalf("params %v", p.ParamTypes())
	}
	if _, err := s.Prepare(context.Background(), "SELECT * FROM nope", nil); pgerror.Code(err) != pgerror.CodeUndefinedTable {
		t.Fatalf("got %v", err)
	}
}

// runTransfers has several sessions move money between accounts in
// read-modify-write transactions, retrying 40001, and checks the total.
func runTransfers(t *testing.T, db txn.DB, workers, perWorker int) {
	ctx := context.Background()
	srv, err := NewServer(ctx, Config{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	setup, _ := srv.NewSession(ctx, SessionArgs{})
	const accounts = 4
	mustExec(t, setup, "CREATE TABLE acct (id INT PRIMARY KEY, bal INT NOT NULL)")
	for i := 0; i < accounts; i++ {
		mustExec(t, setup, fmt.Sprintf("INSERT INTO acct VALUES (%d, 100)", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for wkr := 0; wkr < workers; wkr++ {
		wg.Add(1)
		go func(wkr int) {
			defer wg.Done()
			s, err := srv.NewSession(ctx, SessionArgs{})
			if err != nil {
				errs <- err
				return
			}
			defer s.Close(ctx)
			get, err := s.Prepare(ctx, "SELECT bal FROM acct WHERE id = $1 FOR UPDATE", nil)
			if err != nil {
				errs <- err
				return
			}
			set, err := s.Prepare(ctx, "UPDATE acct SET bal = $2 WHERE id = $1", nil)
			if err != nil {
				errs <- err
				return
			}
			for n := 0; n < perWorker; n++ {
				from, to := (wkr+n)%accounts, (wkr+n+1)%accounts
				for {
					err := transfer(ctx, s, get, set, from, to, 1)
					if err == nil {
						break
					}
					_ = s.ExecSimple(ctx, "ROLLBACK", &rowsWriter{})
					if pgerror.Code(err) != pgerror.CodeSerializationFailure {
						errs <- err
						return
					}
				}
			}
		}(wkr)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	w := mustExec(t, setup, "SELECT sum(bal), count(*) FROM acct")
	if w.got[0][0].I != accounts*100 || w.got[0][1].I != accounts {
		t.Fatalf("total %v over %v accounts, want %d", w.got[0][0], w.got[0][1], accounts*100)
	}
}

func transfer(ctx context.Context, s Session, get, set Prepared, from, to int, amount int64) error {
	if err := s.ExecSimple(ctx, "BEGIN", &rowsWriter{}); err != nil {
		return err
	}
	bal := func(id int) (int64, error) {
		w := &rowsWriter{}
		if err := s.ExecPrepared(ctx, get, []rowenc.Value{rowenc.Int(int64(id))}, w); err != nil {
			return 0, err
		}
		if len(w.got) != 1 {
			return 0, errors.New("account missing")
		}
		return w.got[0][0].I, nil
	}
	a, err := bal(from)
	if err != nil {
		return err
	}
	b, err := bal(to)
	if err != nil {
		return err
	}
	for _, u := range [][2]int64{{int64(from), a - amount}, {int64(to), b + amount}} {
		if err := s.ExecPrepared(ctx, set, []rowenc.Value{rowenc.Int(u[0]), rowenc.Int(u[1])}, &rowsWriter{}); err != nil {
			return err
		}
	}
	return s.ExecSimple(ctx, "COMMIT", &rowsWriter{})
}

func TestTransfersMemDB(t *testing.T) {
	db := memdb.New()
	runTransfers(t, db, 4, 25)
}

func TestStatementTimeout(t *testing.T) {
	db := memdb.New()
	s := mustSession(t, db)
	mustExec(t, s, "SET statement_timeout = '5ms'")
	// Another transaction holds memdb's global lock, so the statement
	// waits in Begin until its deadline.
	blocker, err := db.Begin(context.Background(), txn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.ExecSimple(context.Background(), "SELECT 1", &rowsWriter{})
	_ = blocker.Rollback(context.Background())
	if pe := pgerror.Flatten(err); pe == nil || pe.Code != pgerror.CodeQueryCanceled || pe.Message != "canceling statement due to statement timeout" {
		t.Fatalf("got %v", err)
	}
	mustExec(t, s, "SET statement_timeout = 0; SELECT 1")
	if err := s.ExecSimple(context.Background(), "SET statement_timeout = 'soon'", &rowsWriter{}); pgerror.Code(err) != pgerror.CodeInvalidParameterValue {
		t.Fatalf("got %v", err)
	}
}
