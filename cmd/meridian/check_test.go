package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/server"
)

// `meridian check` against a live in-process node: a valid history exits 0,
// prints a one-line verdict and leaves the history and report behind.
func TestCheckValidAgainstNode(t *testing.T) {
	ctx := context.Background()
	node, err := server.Start(ctx, server.Config{InMemory: true, SQLAddr: "127.0.0.1:0", RPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = node.Stop(ctx) }()
	out := t.TempDir()
	url := fmt.Sprintf("postgresql://root@%s/defaultdb?sslmode=disable", node.SQLAddr())
	got, err := run(t, ctx, "check", "--url", url, "--workload", "register", "--duration", "1s", "--concurrency", "4", "--out", out, "--seed", "7")
	if err != nil {
		t.Fatalf("check: %v\n%s", err, got)
	}
	if !strings.HasPrefix(got, "VALID: ") || strings.Count(strings.TrimSpace(got), "\n") != 0 {
		t.Errorf("want a one-line VALID verdict, got %q", got)
	}
	for _, f := range []string{"history.jsonl", "report.json", "report.txt"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
}

func TestCheckRefusesBadArguments(t *testing.T) {
	if _, err := run(t, context.Background(), "check", "--workload", "bank"); err == nil || !strings.Contains(err.Error(), "--url") {
		t.Errorf("check without --url: got %v", err)
	}
	_, err := run(t, context.Background(), "check", "--url", "postgresql://x@127.0.0.1:1/db", "--workload", "nosuch", "--out", t.TempDir())
	if err == nil || errors.Is(err, errInvalidHistory) {
		t.Errorf("unknown workload: got %v, want a usage error", err)
	}
}
