package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestPgbench runs pgbench's initialisation (scale 1) and a short TPC-B-like
// run and a select-only run in each query mode, unchanged: no --max-tries.
// At scale 1 every TPC-B transaction updates the one branch row, so the 8
// clients queue on its lock all the time; they lock rows in one order and
// never deadlock, so none may be aborted (rangeservice/concurrency wounds a
// transaction only to break a deadlock) and none may fail.
func TestPgbench(t *testing.T) {
	pgbench, err := exec.LookPath("pgbench")
	if err != nil {
		t.Skip("pgbench is not installed (apt-get install postgresql-contrib); skipping")
	}
	n := startNode(t)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(testCtx(t), pgbench, append(args, pgURL(n.SQLAddr()))...)
		cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pgbench %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("-i", "-s", "1", "-q")
	if !strings.Contains(out, "done in") {
		t.Fatalf("pgbench -i:\n%s", out)
	}
	for _, mode := range []string{"simple", "extended", "prepared"} {
		for _, extra := range [][]string{nil, {"-S"}} {
			args := append([]string{"-M", mode, "-c", "8", "-j", "2", "-t", "50"}, extra...)
			out := run(args...)
			if !strings.Contains(out, "number of failed transactions: 0 ") || !strings.Contains(out, "actually processed: 400/400") {
				t.Errorf("pgbench %v:\n%s", args, out)
			}
		}
	}
}
