package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDescribe runs psql's describe commands (\dt, \d t, \di, \l, \dn,
// \ds, \d on a sequence, \d, \df, \du, \dg, \dv, and the + forms of
// \d, \dt, \di, \ds, \l, \dn, \du) against a node; the
// output must match testdata/describe.out (regenerate with go test
// ./tests/e2e -run Describe -rewrite).
//
// Compared with PostgreSQL 15 for the same schema (tests/pgtest), the
// output is the same but for: Owner is the connected user (Meridian has
// no object owners; PostgreSQL shows the creating role, and
// pg_database_owner for schema public); \l lists defaultdb and postgres
// (no template databases), with Collate/Ctype "C" (strings compare
// bytewise) and no access privileges. \du lists one role, the connected
// user, with every attribute (PostgreSQL lists the roles that exist). Sizes
// in the + forms are empty: Meridian does not track a relation's or a
// database's size (pg_table_size and friends are NULL), and \dn+ shows no
// privileges or description for schema public.
func TestDescribe(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed (apt-get install postgresql-client); skipping the describe test")
	}
	n := startNode(t)
	run := func(cmdText string) string {
		cmd := exec.CommandContext(testCtx(t), psql, "-X", "-v", "ON_ERROR_STOP=1", "-c", cmdText, pgURL(n.SQLAddr()))
		cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PSQL_PAGER=", "PAGER=", "LC_ALL=C.UTF-8")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("psql -c %q: %v\n%s", cmdText, err, out.String())
		}
		return out.String()
	}
	run("CREATE TABLE t (id INT PRIMARY KEY, name TEXT NOT NULL, score INT DEFAULT 7, note VARCHAR(20)); CREATE UNIQUE INDEX t_name_idx ON t (name)")
	run("CREATE TABLE w (a SMALLSERIAL, b INT); CREATE SEQUENCE s1 INCREMENT 5 MAXVALUE 1000 CYCLE OWNED BY w.b; CREATE SEQUENCE s2 AS integer")
	var got strings.Builder
	for _, c := range []string{`\dt`, `\d t`, `\di`, `\l`, `\dn`, `\ds`, `\d s1`, `\d s2`, `\d w_a_seq`, `\d`, `\df`, `\du`, `\dg`, `\dv`,
		`\d+ t`, `\d+ w_a_seq`, `\dt+`, `\di+`, `\ds+`, `\l+`, `\dn+`, `\du+`} {
		got.WriteString("=== " + c + "\n" + run(c))
	}
	golden := filepath.Join("testdata", "describe.out")
	if *rewrite {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("describe output differs from %s (rerun with -rewrite if the change is right):\n%s", golden, diffLines(string(want), got.String()))
	}
}
