package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// syncBuffer collects a subprocess's output for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a `meridian start` subprocess.
type proc struct {
	cmd     *exec.Cmd
	out     *syncBuffer
	sqlAddr string
	exited  chan struct{}
	err     error
}

func startProc(t *testing.T, dir, sqlAddr, rpcAddr, httpAddr string) *proc {
	t.Helper()
	p := &proc{out: &syncBuffer{}, sqlAddr: sqlAddr, exited: make(chan struct{})}
	p.cmd = exec.Command(meridianBinary(t), "start", "--store", dir,
		"--sql-addr", sqlAddr, "--rpc-addr", rpcAddr, "--http-addr", httpAddr)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	// Ready when a client can run a query.
	waitFor(t, 30*time.Second, "meridian start accepting SQL", func() error {
		select {
		case <-p.exited:
			t.Fatalf("meridian start exited: %v\n%s", p.err, p.out)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, pgURL(sqlAddr))
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "SELECT 1")
		return err
	})
	return p
}

// Rows acknowledged before a kill -9 are all there after a restart.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a subprocess")
	}
	dir := t.TempDir()
	sqlAddr, rpcAddr, httpAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	p := startProc(t, dir, sqlAddr, rpcAddr, httpAddr)
	ctx := testCtx(t)

	setup, err := pgx.Connect(ctx, pgURL(sqlAddr))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Exec(ctx, `CREATE TABLE acked (id BIGINT PRIMARY KEY, client INT, payload TEXT)`); err != nil {
		t.Fatal(err)
	}
	setup.Close(ctx)

	const clients = 4
	killAt := 40 + rand.IntN(160) // acknowledged inserts before the kill
	var (
		mu    sync.Mutex
		acked []int64
		kill  = make(chan struct{})
		once  sync.Once
		wg    sync.WaitGroup
	)
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := pgx.Connect(ctx, pgURL(sqlAddr))
			if err != nil {
				return
			}
			defer c.Close(context.Background())
			for seq := int64(0); ; seq++ {
				id := int64(cl)<<32 | seq
				if _, err := c.Exec(ctx, `INSERT INTO acked VALUES ($1, $2, $3)`, id, cl, fmt.Sprintf("c%d-%d", cl, seq)); err != nil {
					return // the server died (or the insert is ambiguous: not acknowledged)
				}
				mu.Lock()
				acked = append(acked, id)
				if len(acked) >= killAt {
					once.Do(func() { close(kill) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-kill:
	case <-p.exited:
		t.Fatalf("meridian exited early: %v\n%s", p.err, p.out)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	wg.Wait()
	mu.Lock()
	want := append([]int64(nil), acked...)
	mu.Unlock()
	t.Logf("killed after %d acknowledged inserts (target %d)", len(want), killAt)

	p2 := startProc(t, dir, sqlAddr, rpcAddr, httpAddr)
	c, err := pgx.Connect(ctx, pgURL(sqlAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT id FROM acked`)
	if err != nil {
		t.Fatal(err)
	}
	have := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		have[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, id := range want {
		if !have[id] {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged row %d (client %d, seq %d) lost", id, id>>32, id&(1<<32-1))
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged rows lost", missing, len(want))
	}
	// The node still takes writes, and stops cleanly on SIGTERM.
	if _, err := c.Exec(ctx, `INSERT INTO acked VALUES (-1, -1, 'after restart')`); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p2.exited
	if p2.err != nil {
		t.Fatalf("meridian start after SIGTERM: %v\n%s", p2.err, p2.out)
	}
}
