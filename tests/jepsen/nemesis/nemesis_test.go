package nemesis

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a toy server: with helperEnv set, it listens
// on that address and serves nothing until killed.
const helperEnv = "JEPSEN_NEMESIS_HELPER_ADDR"

func TestMain(m *testing.M) {
	if addr := os.Getenv(helperEnv); addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(3)
		}
		fmt.Println("helper listening on", addr)
		for {
			c, err := l.Accept()
			if err != nil {
				os.Exit(4)
			}
			c.Close()
		}
	}
	os.Exit(m.Run())
}

func helper(t *testing.T, name string) *Process {
	t.Helper()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProcess(ProcessConfig{
		Name:      name,
		Command:   []string{os.Args[0], "-test.run=^$"},
		Env:       []string{helperEnv + "=" + addr},
		LogPath:   filepath.Join(t.TempDir(), name+".log"),
		ReadyAddr: addr,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestProcessLifecycle(t *testing.T) {
	ctx := context.Background()
	p := helper(t, "n1")
	if p.Running() {
		t.Fatal("running before Start")
	}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if !p.Running() || p.Paused() {
		t.Fatal("want running, not paused")
	}
	if err := p.Pause(); err != nil || !p.Paused() {
		t.Fatalf("pause: %v", err)
	}
	if err := p.Resume(); err != nil || p.Paused() {
		t.Fatalf("resume: %v", err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if p.Running() {
		t.Fatal("running after kill")
	}
	if err := p.Pause(); err == nil {
		t.Fatal("pause of a dead process should fail")
	}
	if err := p.Start(ctx); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if got := strings.Count(p.Log(), "helper listening"); got != 2 {
		t.Fatalf("log shows %d starts:\n%s", got, p.Log())
	}
}

func TestProcessExitsEarly(t *testing.T) {
	p, err := NewProcess(ProcessConfig{Name: "false", Command: []string{"false"},
		LogPath: filepath.Join(t.TempDir(), "l"), ReadyAddr: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exited before listening") {
		t.Fatalf("want early-exit error, got %v", err)
	}
}

func TestProcessNemesisKillsPausesAndHeals(t *testing.T) {
	ctx := context.Background()
	procs := []*Process{helper(t, "n1"), helper(t, "n2")}
	for _, p := range procs {
		if err := p.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	n := NewProcessNemesis(procs, nil, 1)
	sawKill, sawPause := false, false
	for i := 0; i < 12 && !(sawKill && sawPause); i++ {
		note, err := n.Start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sawKill = sawKill || strings.HasPrefix(note, "kill -9")
		sawPause = sawPause || strings.HasPrefix(note, "SIGSTOP")
		if _, err := n.Heal(ctx); err != nil {
			t.Fatal(err)
		}
		for _, p := range procs {
			if !p.Running() || p.Paused() {
				t.Fatalf("%s not healed after %q", p.Name(), note)
			}
		}
	}
	if !sawKill || !sawPause {
		t.Fatalf("kill=%v pause=%v", sawKill, sawPause)
	}
}

// fake records calls.
type fake struct{ starts, heals int }

func (f *fake) Name() string { return "fake" }
func (f *fake) Start(context.Context) (string, error) {
	f.starts++
	return fmt.Sprint("start ", f.starts), nil
}
func (f *fake) Heal(context.Context) (string, error) {
	f.heals++
	return "heal", nil
}

func TestRunScheduleAlternatesAndHealsAtEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fake{}
	var evs []Event
	err := RunSchedule(ctx, context.Background(), f, Schedule{Interval: time.Millisecond, Seed: 7}, func(e Event) {
		evs = append(evs, e)
		if len(evs) == 4 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"start", "heal", "start", "heal", "heal"}
	if len(evs) != len(want) {
		t.Fatalf("events %+v", evs)
	}
	for i, e := range evs {
		if e.Action != want[i] {
			t.Fatalf("event %d = %+v, want %s", i, e, want[i])
		}
	}
}

func TestCompose(t *testing.T) {
	a, b := &fake{}, &fake{}
	n := Compose(3, a, b)
	for i := 0; i < 10; i++ {
		if _, err := n.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.Heal(context.Background()); err != nil {
		t.Fatal(err)
	}
	if a.starts+b.starts != 10 || a.heals != 1 || b.heals != 1 {
		t.Fatalf("a=%+v b=%+v", a, b)
	}
}
