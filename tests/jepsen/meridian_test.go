package jepsen

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/tests/jepsen/nemesis"
)

var (
	duration = flag.Duration("jepsen.duration", 3*time.Second,
		"how long each workload runs against Meridian (make jepsen: 60s)")
	nemesisInterval = flag.Duration("jepsen.nemesis-interval", 0,
		"mean quiet/faulty period of the process nemesis (default: a third of -jepsen.duration, at most 10s)")
	concurrency   = flag.Int("jepsen.concurrency", 10, "clients per workload")
	workloadsFlag = flag.String("jepsen.workloads", "bank,append,register,set", "workloads to run against Meridian")
	meridianBin   = flag.String("jepsen.meridian-bin", "", "a built meridian binary (default: go build ./cmd/meridian)")
	meridianDB    = flag.String("jepsen.meridian-db", "", "database name in the Meridian URL (default: none)")
)

// buildMeridian returns the meridian binary to test, building it unless
// -jepsen.meridian-bin names one.
func buildMeridian(t *testing.T) string {
	t.Helper()
	if *meridianBin != "" {
		return *meridianBin
	}
	bin := filepath.Join(t.TempDir(), "meridian")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/meridiandb/meridian/cmd/meridian")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/meridian: %v\n%s", err, out)
	}
	return bin
}

// startMeridian starts one node on fresh loopback ports and store, and
// returns it and its URL. It skips the test if `meridian start` refuses
// with "not supported yet".
func startMeridian(t *testing.T, bin string) (*nemesis.Process, string) {
	t.Helper()
	if out, err := exec.Command(bin, "start", "--help").CombinedOutput(); err != nil {
		t.Fatalf("meridian start --help: %v\n%s", err, out)
	}
	var addrs [3]string
	for i := range addrs {
		a, err := nemesis.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = a
	}
	dir := t.TempDir()
	p, err := nemesis.NewProcess(nemesis.ProcessConfig{
		Name:         "n1",
		Command:      nemesis.MeridianCommand(bin, filepath.Join(dir, "store"), addrs[0], addrs[1], addrs[2]),
		LogPath:      filepath.Join(dir, "n1.log"),
		ReadyAddr:    addrs[0],
		ReadyTimeout: 60 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Log(err)
		}
		if t.Failed() {
			t.Logf("node log:\n%s", tail(p.Log(), 4000))
		}
	})
	if err := p.Start(context.Background()); err != nil {
		for _, refusal := range notYet {
			if strings.Contains(p.Log(), refusal) {
				t.Skipf("meridian start refuses in this build (%q), so there is no server to test yet: %s",
					refusal, strings.TrimSpace(tail(p.Log(), 400)))
			}
		}
		t.Fatal(err)
	}
	return p, fmt.Sprintf("postgres://root@%s/%s?sslmode=disable", addrs[0], *meridianDB)
}

// notYet are the refusals of a `meridian start` whose server has not
// landed: the test skips on them rather than fail.
var notYet = []string{"not supported yet", "have not landed yet"}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestMeridian runs each workload against one Meridian node while the
// process nemesis kills (-9, then restarts) and pauses (SIGSTOP/SIGCONT) it,
// and requires every history to check valid. `make jepsen` runs it with
// -jepsen.duration=60s.
func TestMeridian(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin := buildMeridian(t)
	node, url := startMeridian(t, bin)
	interval := *nemesisInterval
	if interval <= 0 {
		interval = min(*duration/3, 10*time.Second)
	}
	for i, wl := range strings.Split(*workloadsFlag, ",") {
		t.Run(wl, func(t *testing.T) {
			seed := time.Now().UnixNano()
			nem := nemesis.NewProcessNemesis([]*nemesis.Process{node}, nil, seed)
			res, err := Run(context.Background(), Options{
				URLs:            []string{url},
				Workload:        wl,
				Duration:        *duration,
				Concurrency:     *concurrency,
				OutDir:          outDir(t, "meridian-"+wl),
				OpTimeout:       2 * time.Second,
				Nemesis:         nem,
				NemesisSchedule: nemesis.Schedule{Interval: interval, Seed: seed + int64(i)},
				Seed:            seed,
				Logf:            t.Logf,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("meridian %s: %d ops: %s (history in %s)", wl, res.Ops, res.Summary, res.OutDir)
			if !res.Valid {
				t.Fatalf("%s\n%s", res.Summary, res.Report.Text())
			}
			if !node.Running() {
				t.Fatal(errors.New("node is down after the nemesis healed"))
			}
		})
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}
