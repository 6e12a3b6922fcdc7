package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
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
