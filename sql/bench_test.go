package sql

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/rangeservice/store"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/txn"
)

// Benchmarks for the two paths bench/pgbench.sh measures: pgbench -S's
// point SELECT over the simple protocol, and COPY FROM STDIN. Profile with
//
//	go test ./sql -run '^$' -bench BenchmarkPointSelect -cpuprofile /tmp/cpu.out

func benchSession(b *testing.B) Session {
	b.Helper()
	st, err := store.Open(store.Config{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	srv, err := NewServer(context.Background(), Config{DB: txn.NewDB(st, st.Clock())})
	if err != nil {
		b.Fatal(err)
	}
	s, err := srv.NewSession(context.Background(), SessionArgs{User: "u"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}

// nopWriter drops results.
type nopWriter struct{}

func (nopWriter) Columns([]Column) error            { return nil }
func (nopWriter) Row([]rowenc.Value) error          { return nil }
func (nopWriter) Complete(string) error             { return nil }
func (nopWriter) ParameterStatus(_, _ string) error { return nil }
func (nopWriter) EmptyQuery() error                 { return nil }
func (nopWriter) Notice(_, _, _ string) error       { return nil }

func BenchmarkPointSelect(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	var ins strings.Builder
	ins.WriteString("INSERT INTO pgbench_accounts VALUES ")
	for i := 1; i <= 1000; i++ {
		if i > 1 {
			ins.WriteString(", ")
		}
		fmt.Fprintf(&ins, "(%d, 1, 0, '')", i)
	}
	for _, q := range []string{
		"CREATE TABLE pgbench_accounts (aid INT PRIMARY KEY, bid INT, abalance INT, filler CHAR(84))",
		ins.String(),
	} {
		if err := s.ExecSimple(ctx, q, nopWriter{}); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := "SELECT abalance FROM pgbench_accounts WHERE aid = " + strconv.Itoa(1+i%1000) + ";"
		if err := s.ExecSimple(ctx, q, nopWriter{}); err != nil {
			b.Fatal(err)
		}
	}
}

// copyWriter is a Copier over an in-memory source.
type copyWriter struct {
	nopWriter
	data []byte
}

func (w *copyWriter) CopyIn(bool, int) (CopySource, error) { return &memSource{data: w.data}, nil }
func (w *copyWriter) CopyOut(bool, int) error              { return nil }
func (w *copyWriter) CopyData([]byte) error                { return nil }

type memSource struct{ data []byte }

func (m *memSource) Next() ([]byte, error) {
	if len(m.data) == 0 {
		return nil, io.EOF
	}
	n := min(len(m.data), 64<<10)
	b := m.data[:n]
	m.data = m.data[n:]
	return b, nil
}

func BenchmarkCopy10k(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	var sb strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "%d\t%d\tfiller text for row %d\n", i, i%1000, i)
	}
	data := []byte(sb.String())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tbl := "copybench" + strconv.Itoa(i)
		if err := s.ExecSimple(ctx, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, k INT, s TEXT)", nopWriter{}); err != nil {
			b.Fatal(err)
		}
		if err := s.ExecSimple(ctx, "COPY "+tbl+" FROM STDIN", &copyWriter{data: data}); err != nil {
			b.Fatal(err)
		}
	}
}
