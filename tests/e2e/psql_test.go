package e2e

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the golden files in testdata/")

// psql runs testdata/psql.sql against a node; its output must match
// testdata/psql.out (regenerate with go test ./tests/e2e -run PSQL -rewrite),
// which is also what psql prints running the script against PostgreSQL 15
// (\x, \copy (query), COPY (query), SERIAL with ALTER SEQUENCE included).
func TestPSQL(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed (apt-get install postgresql-client); skipping the psql golden test")
	}
	n := startNode(t)
	cmd := exec.CommandContext(testCtx(t), psql, "-X", "-v", "ON_ERROR_STOP=1", "-f", filepath.Join("testdata", "psql.sql"), pgURL(n.SQLAddr()))
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PSQL_PAGER=", "PAGER=", "LC_ALL=C.UTF-8")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("psql: %v\n%s", err, out.String())
	}
	golden := filepath.Join("testdata", "psql.out")
	if *rewrite {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("psql output differs from %s (rerun with -rewrite if the change is right):\n%s", golden, diffLines(string(want), got))
	}
}

// diffLines is a minimal line diff for failure messages.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
		}
	}
	return b.String()
}
