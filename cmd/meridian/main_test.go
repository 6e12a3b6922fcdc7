package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func run(t *testing.T, ctx context.Context, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return out.String(), err
}

func TestVersion(t *testing.T) {
	out, err := run(t, context.Background(), "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "meridian ") {
		t.Fatalf("version output %q", out)
	}
}

func TestStartNeedsStore(t *testing.T) {
	if _, err := run(t, context.Background(), "start"); err == nil || !strings.Contains(err.Error(), "--store is required") {
		t.Errorf("start without --store: got %v, want a usage error", err)
	}
}

// A taken port is reported with the flag that moves it.
func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = run(t, context.Background(), "demo", "--sql-addr", ln.Addr().String(),
		"--rpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), "--sql-addr") {
		t.Errorf("got %v, want a clear port-in-use error", err)
	}
}

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The demo serves SQL, prints how to connect, and removes its store when
// its context ends (as on Ctrl-C).
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := newRootCmd()
	out := &syncBuffer{}
	cmd.SetOut(out)
	cmd.SetErr(out)
	cmd.SetArgs([]string{"demo", "--sql-addr", "127.0.0.1:0", "--rpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	urlRE := regexp.MustCompile(`psql "(postgresql://[^"]+)"`)
	dirRE := regexp.MustCompile(`\(store (\S+), removed on exit\)`)
	var url, dir string
	deadline := time.Now().Add(30 * time.Second)
	for backoff := time.Millisecond; ; backoff = min(2*backoff, 50*time.Millisecond) {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			url, dir = m[1], dirRE.FindStringSubmatch(out.String())[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo exited: %v\n%s", err, out)
		case <-time.After(backoff):
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not print how to connect:\n%s", out)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var x int
	if err := conn.QueryRow(ctx, "SELECT 40 + 2").Scan(&x); err != nil || x != 42 {
		t.Fatalf("demo query: %v %v", x, err)
	}
	conn.Close(ctx)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("demo store: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("demo store %s not removed: %v", dir, err)
	}
}
