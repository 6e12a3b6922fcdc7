package jepsen

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/nemesis"
)

var (
	pgDuration = flag.Duration("jepsen.pg-duration", 4*time.Second, "how long each workload runs against PostgreSQL")
	pgBin      = flag.String("jepsen.pg-bin", "/usr/lib/postgresql/15/bin", "PostgreSQL server binaries")
	keepOut    = flag.String("jepsen.out", "", "write histories and reports under this folder (default: a temporary one)")
)

// outDir is where one run writes its history and reports.
func outDir(t *testing.T, name string) string {
	t.Helper()
	if *keepOut == "" {
		return t.TempDir()
	}
	dir := filepath.Join(*keepOut, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// startPostgres starts a throwaway PostgreSQL on a free loopback port (as
// the postgres user when running as root) and returns its URL. The server
// is stopped when the test ends. Skips if the binaries are absent.
func startPostgres(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(*pgBin, "pg_ctl")); err != nil {
		t.Skipf("PostgreSQL binaries not found in %s (apt-get install postgresql-15, or set -jepsen.pg-bin): %v", *pgBin, err)
	}
	dir, err := os.MkdirTemp("", "jepsen-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var prefix []string
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: hand the folder to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		prefix = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) error {
		argv := append(append([]string(nil), prefix...), args...)
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(filepath.Join(*pgBin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync"); err != nil {
		t.Fatal(err)
	}
	addr, err := nemesis.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", port, dir)
	if err := run(filepath.Join(*pgBin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-o", opts, "start"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := run(filepath.Join(*pgBin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Log(err)
		}
	})
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", port)
}

// TestPostgres validates the harness against PostgreSQL: at READ COMMITTED
// the read-modify-write bank and list-append workloads must be found
// INVALID, and at SERIALIZABLE every workload must be VALID. A checker that
// passes READ COMMITTED, or a harness that misclassifies outcomes, fails
// here.
func TestPostgres(t *testing.T) {
	url := startPostgres(t)
	cases := []struct {
		isolation string
		workload  string
		valid     bool
	}{
		{"READ COMMITTED", "bank", false},
		{"READ COMMITTED", "append", false},
		{"SERIALIZABLE", "bank", true},
		{"SERIALIZABLE", "append", true},
		{"SERIALIZABLE", "register", true},
		{"SERIALIZABLE", "set", true},
	}
	for _, tc := range cases {
		name := strings.ReplaceAll(strings.ToLower(tc.isolation), " ", "-") + "/" + tc.workload
		t.Run(name, func(t *testing.T) {
			res, err := Run(context.Background(), Options{
				URLs:        []string{url},
				Workload:    tc.workload,
				Duration:    *pgDuration,
				Concurrency: 10,
				OutDir:      outDir(t, strings.ReplaceAll(name, "/", "-")),
				OpTimeout:   5 * time.Second,
				Begin:       "BEGIN ISOLATION LEVEL " + tc.isolation,
				Seed:        int64(len(name)) + time.Now().UnixNano(),
				Logf:        t.Logf,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d ops: %s (history in %s)", name, res.Ops, res.Summary, res.OutDir)
			if res.Valid != tc.valid {
				t.Fatalf("%s at %s: want valid=%v, got %s\n%s", tc.workload, tc.isolation, tc.valid, res.Verdict, res.Report.Text())
			}
			if tc.valid && res.Report.Stats["txn.ok"]+res.Report.Stats["transfer.ok"]+res.Report.Stats["add.ok"]+res.Report.Stats["write.ok"]+res.Report.Stats["cas.ok"] == 0 {
				t.Fatalf("no write succeeded: the run proves nothing\n%s", res.Report.Text())
			}
			if !tc.valid && res.Verdict != checker.Invalid {
				t.Fatalf("want invalid, got %s", res.Verdict)
			}
		})
	}
}
