package shell

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The cobra command as cmd/meridian adds it: flags reach Run, and a failed
// -e statement makes the command fail.
func TestCommand(t *testing.T) {
	url := startMeridian(t)
	run := func(args ...string) (string, error) {
		cmd := NewCommand()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetIn(strings.NewReader("SELECT 'piped' AS p;\n"))
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	out, err := run("--url", url, "-e", "SELECT 40 + 2 AS answer")
	if err != nil || out != " answer \n--------\n     42\n(1 row)\n\n" {
		t.Errorf("-e: %v\n%s", err, out)
	}
	out, err = run("--url", url, "--execute", "SELECT nope")
	if err == nil || !strings.Contains(out, "ERROR:  ") {
		t.Errorf("-e with an error: %v\n%s", err, out)
	}
	out, err = run("--url", url)
	if err != nil || !strings.Contains(out, " piped\n") {
		t.Errorf("piped input: %v\n%s", err, out)
	}
	if _, err := run("--url", url, "-e", "SELECT 1", "-f", "x.sql"); err == nil {
		t.Error("-e and -f together were accepted")
	}
	if f := NewCommand().Flags().Lookup("url"); f == nil || f.DefValue != DefaultURL {
		t.Errorf("--url default: %v", f)
	}
}
