package pgwire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A real client (pgx) in each of its query modes, against the fake engine.
func TestPgxClient(t *testing.T) {
	_, addr := testServer(t, &fakeEngine{}, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	modes := []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://root@%s/defaultdb?sslmode=prefer", addr))
			if err != nil {
				t.Fatal(err)
			}
			cfg.DefaultQueryExecMode = mode
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)

			ts := time.Date(2024, 2, 29, 12, 34, 56, 789000, time.UTC)
			var (
				i8 int64
				i4 int32
				s  string
				b  bool
				f  float64
				by []byte
				tt time.Time
			)
			err = conn.QueryRow(ctx, "echo $1::int8 $2::int4 $3::text $4::bool $5::float8 $6::bytea $7::timestamp",
				int64(-1<<40), int32(7), "héllo", true, 2.5, []byte{0, 1, 2}, ts).Scan(&i8, &i4, &s, &b, &f, &by, &tt)
			if err != nil {
				t.Fatal(err)
			}
			if i8 != -1<<40 || i4 != 7 || s != "héllo" || !b || f != 2.5 || !bytes.Equal(by, []byte{0, 1, 2}) || !tt.Equal(ts) {
				t.Errorf("echo: %v %v %q %v %v %v %v", i8, i4, s, b, f, by, tt)
			}

			rows, err := conn.Query(ctx, "gen 100")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var i int64
				var s string
				if err := rows.Scan(&i, &s); err != nil {
					t.Fatal(err)
				}
				if i != int64(n) || s != fmt.Sprintf("row %d", n) {
					t.Errorf("row %d: %d %q", n, i, s)
				}
				n++
			}
			if rows.Err() != nil || n != 100 || rows.CommandTag().String() != "SELECT 100" {
				t.Errorf("gen: %v, %d rows, tag %q", rows.Err(), n, rows.CommandTag())
			}

			trows := mustQuery(t, conn, "types")
			if !trows.Next() {
				t.Fatal(trows.Err())
			}
			vals, err := trows.Values()
			trows.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprint([]any{int16(-2), int32(40000), int64(1 << 40), float32(1.5), -2.25, true, []byte{0, 1, 0xff},
				"héllo", "vc", "ab ", time.Date(2000, 1, 1, 0, 0, 1, 500000000, time.UTC), nil})
			if got := fmt.Sprint(vals); got != want {
				t.Errorf("types:\n got %s\nwant %s", got, want)
			}

			_, err = conn.Exec(ctx, "error")
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "42601" || pe.Detail != "a detail" || pe.Hint != "a hint" || pe.Position != 1 {
				t.Errorf("error: %#v", err)
			}
			tag, err := conn.Exec(ctx, "insert")
			if err != nil || tag.String() != "INSERT 0 1" {
				t.Errorf("insert after error: %v %v", tag, err)
			}
		})
	}
}

func mustQuery(t *testing.T, conn *pgx.Conn, q string) pgx.Rows {
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestPgxSimpleProtocolAndCancel(t *testing.T) {
	eng := &fakeEngine{blocked: make(chan context.Context, 1)}
	_, addr := testServer(t, eng, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://root@%s/defaultdb?sslmode=disable&default_query_exec_mode=simple_protocol", addr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var x any
	if err := conn.QueryRow(ctx, "types").Scan(&x, &x, &x, &x, &x, &x, &x, &x, &x, &x, &x, &x); err != nil {
		t.Fatal(err)
	}

	errc := make(chan error, 1)
	go func() { _, err := conn.Exec(ctx, "block"); errc <- err }()
	<-eng.blocked
	if err := conn.PgConn().CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	var pe *pgconn.PgError
	if err := <-errc; !errors.As(err, &pe) || pe.Code != "57014" {
		t.Fatalf("blocked statement: %v", err)
	}
	if _, err := conn.Exec(ctx, "insert"); err != nil {
		t.Fatal(err)
	}
	if _, err := pgx.Connect(ctx, fmt.Sprintf("postgres://root@%s/nope?sslmode=disable", addr)); !errors.As(err, &pe) || pe.Code != "3D000" {
		t.Errorf("unknown database: %v", err)
	}
}
