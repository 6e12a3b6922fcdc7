package difftest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meridiandb/meridian/server"
	"github.com/meridiandb/meridian/tests/pgtest"
)

// startPostgres starts a throwaway PostgreSQL 15 (in UTC, C locale, as
// Meridian is) and returns a connection URL; it skips the test when
// PostgreSQL is not installed.
func startPostgres(t *testing.T) string {
	t.Helper()
	return pgtest.Start(t, pgtest.Options{Flags: []string{"-c", "TimeZone=UTC"}}).URL("postgres")
}

// startMeridian starts an in-memory node and returns a connection URL.
func startMeridian(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := server.Start(ctx, server.Config{
		InMemory: true, SQLAddr: "127.0.0.1:0", RPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := n.Stop(ctx); err != nil {
			t.Errorf("stopping the node: %v", err)
		}
	})
	return fmt.Sprintf("postgresql://root@%s/defaultdb?sslmode=disable", n.SQLAddr())
}

// connect opens a connection that uses the simple query protocol, so that
// every value arrives in PostgreSQL's text format and is compared as such.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}
