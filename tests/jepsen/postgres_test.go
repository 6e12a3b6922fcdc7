package jepsen

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/nemesis"
	"github.com/meridiandb/meridian/tests/pgtest"
)

var (
	pgDuration = flag.Duration("jepsen.pg-duration", 3*time.Second, "how long each workload runs against PostgreSQL")
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

// pgOptions are the server settings for the consistency runs:
// read-modify-write transfers deadlock at READ COMMITTED, so detect it
// sooner than the default second.
func pgOptions() pgtest.Options {
	return pgtest.Options{Bin: *pgBin, Flags: []string{"-c", "max_connections=100", "-c", "deadlock_timeout=100ms"}}
}

// startPostgres starts a throwaway PostgreSQL and returns its URL; it is
// stopped when the test ends.
func startPostgres(t *testing.T) string {
	t.Helper()
	return pgtest.Start(t, pgOptions()).URL("postgres")
}

// postgresProcess runs the postgres server itself as a nemesis.Process (in
// its own process group with its backends, so kill -9 and SIGSTOP reach
// them all) and returns it, started, and its URL.
func postgresProcess(t *testing.T) (*nemesis.Process, string) {
	t.Helper()
	c := pgtest.Init(t, pgOptions())
	p, err := nemesis.NewProcess(nemesis.ProcessConfig{
		Name:       "postgres",
		Command:    c.ServerCommand(),
		Credential: c.Credential,
		LogPath:    filepath.Join(c.Dir, "postgres.log"),
		ReadyAddr:  fmt.Sprintf("127.0.0.1:%d", c.Port),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Log(err)
		}
		if t.Failed() {
			t.Logf("postgres log:\n%s", tail(p.Log(), 4000))
		}
	})
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p, c.URL("postgres")
}

// TestPostgres validates the harness against PostgreSQL: at READ COMMITTED
// the read-modify-write bank and list-append workloads must be found
// INVALID, and at SERIALIZABLE every workload must be VALID. A checker that
// passes READ COMMITTED, or a harness that misclassifies outcomes, fails
// here.
func TestPostgres(t *testing.T) {
	t.Parallel() // with TestPostgresProcessNemesis: separate servers
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

// TestPostgresProcessNemesis runs every workload at SERIALIZABLE against a
// PostgreSQL server that the process nemesis kills with -9 (and restarts)
// and pauses with SIGSTOP: a correct database under faults, which the
// harness must judge VALID however many operations end indeterminate. It
// exercises Process, the nemesis schedule, reconnection and the Info
// outcome end to end.
func TestPostgresProcessNemesis(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	t.Parallel()
	pg, url := postgresProcess(t)
	for i, wl := range Workloads {
		t.Run(wl, func(t *testing.T) {
			seed := time.Now().UnixNano()
			res, err := Run(context.Background(), Options{
				URLs:            []string{url},
				Workload:        wl,
				Duration:        *pgDuration,
				Concurrency:     10,
				OutDir:          outDir(t, "pg-nemesis-"+wl),
				OpTimeout:       time.Second,
				FinalTimeout:    20 * time.Second,
				Begin:           "BEGIN ISOLATION LEVEL SERIALIZABLE",
				Nemesis:         nemesis.NewProcessNemesis([]*nemesis.Process{pg}, nil, seed),
				NemesisSchedule: nemesis.Schedule{Interval: *pgDuration / 4, Seed: seed + int64(i)},
				Seed:            seed,
				Logf:            t.Logf,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s under the process nemesis: %d ops: %s (history in %s)", wl, res.Ops, res.Summary, res.OutDir)
			if !res.Valid {
				t.Fatalf("%s\n%s", res.Summary, res.Report.Text())
			}
			if !pg.Running() {
				t.Fatal("postgres is down after the nemesis healed")
			}
		})
	}
}
