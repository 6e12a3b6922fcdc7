package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func testConfig(dir string) Config {
	return Config{StoreDir: dir, SQLAddr: "127.0.0.1:0", RPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "needs StoreDir or InMemory"},
		{Config{StoreDir: "x", InMemory: true}, "exclusive"},
		{Config{InMemory: true, SQLAddr: "nope"}, "SQLAddr"},
	} {
		if err := tc.cfg.validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
	c := Config{InMemory: true}
	if err := c.validate(); err != nil || c.SQLAddr != DefaultSQLAddr || c.RPCAddr != DefaultRPCAddr || c.HTTPAddr != DefaultHTTPAddr || c.Logger == nil {
		t.Errorf("defaults: %+v %v", c, err)
	}
}

func TestNodeServesAndStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	n, err := Start(ctx, testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}

	resp, err := http.Get("http://" + n.HTTPAddr() + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("/health: %d %q", resp.StatusCode, body)
	}
	if resp, err := http.Get("http://" + n.HTTPAddr() + "/other"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/other: %v %v", resp, err)
	}

	// The RPC port is held.
	if ln, err := net.Listen("tcp", n.RPCAddr()); err == nil {
		ln.Close()
		t.Error("RPC address not held")
	}

	conn, err := pgx.Connect(ctx, "postgresql://root@"+n.SQLAddr()+"/defaultdb?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	var x int
	if err := conn.QueryRow(ctx, "SELECT 1 + 2").Scan(&x); err != nil || x != 3 {
		t.Fatalf("SELECT: %v %v", x, err)
	}

	// The same store cannot be opened twice.
	if n2, err := Start(ctx, testConfig(dir)); err == nil {
		_ = n2.Stop(ctx)
		t.Error("second node on the same store started")
	}
	// A taken port is a ListenError matching EADDRINUSE.
	cfg := testConfig(t.TempDir())
	cfg.SQLAddr = n.SQLAddr()
	var le *ListenError
	if _, err := Start(ctx, cfg); !errors.As(err, &le) || le.What != "SQL" || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("port in use: %v", err)
	}

	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := conn.Ping(ctx); err == nil {
		t.Error("connection alive after Stop")
	}
	// Stopped cleanly: the store reopens.
	n, err = Start(ctx, testConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestInMemoryNode(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig("")
	cfg.InMemory = true
	n, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n.Engine() == nil {
		t.Error("no engine")
	}
	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
