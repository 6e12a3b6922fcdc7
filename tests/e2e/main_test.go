package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meridiandb/meridian/server"
)

// binPath is the meridian binary TestMain builds; binErr says why not.
var (
	binPath string
	binErr  error
	binDone = make(chan struct{})
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "meridian-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Build in the background: only the subprocess tests wait for it.
	go func() {
		defer close(binDone)
		out := filepath.Join(dir, "meridian")
		if runtime.GOOS == "windows" {
			out += ".exe"
		}
		cmd := exec.Command("go", "build", "-o", out, "github.com/meridiandb/meridian/cmd/meridian")
		if b, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/meridian: %v\n%s", err, b)
			return
		}
		binPath = out
	}()
	code := m.Run()
	<-binDone
	os.RemoveAll(dir)
	os.Exit(code)
}

// meridianBinary returns the built binary, waiting for the build.
func meridianBinary(t *testing.T) string {
	t.Helper()
	<-binDone
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// testCtx is a context bounded well inside the package's time budget.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startNode starts a node on loopback ports and a temporary store; it stops
// when the test ends.
func startNode(t *testing.T) *server.Node {
	t.Helper()
	return startNodeAt(t, t.TempDir())
}

func startNodeAt(t *testing.T, dir string) *server.Node {
	t.Helper()
	n, err := server.Start(testCtx(t), server.Config{
		StoreDir: dir, SQLAddr: "127.0.0.1:0", RPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
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
	return n
}

func pgURL(addr string) string {
	return fmt.Sprintf("postgresql://root@%s/defaultdb?sslmode=disable", addr)
}

func connect(t *testing.T, addr string) *pgx.Conn {
	t.Helper()
	ctx := testCtx(t)
	c, err := pgx.Connect(ctx, pgURL(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *pgx.Conn, q string, args ...any) {
	t.Helper()
	if _, err := c.Exec(testCtx(t), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func mustExecDB(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// sqlState returns err's SQLSTATE if it is a server error.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// waitFor polls cond with a short backoff until it holds or timeout passes.
// It is for readiness conditions outside the test's control (a subprocess
// listening), never for ordering the test's own goroutines.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	backoff := time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v: %v", what, timeout, err)
		}
		timer := time.NewTimer(backoff)
		<-timer.C
		backoff = min(2*backoff, 100*time.Millisecond)
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// withRetry runs fn until it does not fail with 40001.
func withRetry(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if sqlState(err) != "40001" {
			return err
		}
		if ctx.Err() != nil {
			return err
		}
	}
}
