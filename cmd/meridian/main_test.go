package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestVersion(t *testing.T) {
	out, err := run(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "meridian ") {
		t.Fatalf("version output %q", out)
	}
}

// Commands whose machinery is missing must refuse clearly, not pretend.
func TestUnlandedCommandsRefuse(t *testing.T) {
	for _, args := range [][]string{{"demo"}, {"start", "--store", t.TempDir()}} {
		if _, err := run(t, args...); !errors.Is(err, errNotSupported) {
			t.Errorf("%v: got %v, want errNotSupported", args, err)
		}
	}
	if _, err := run(t, "start"); err == nil || errors.Is(err, errNotSupported) {
		t.Errorf("start without --store: got %v, want a usage error", err)
	}
}
