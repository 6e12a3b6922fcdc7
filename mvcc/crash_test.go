package mvcc

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/clock"
)

const (
	crashDirEnv    = "MERIDIAN_MVCC_CRASH_DIR"
	crashKeysPerBt = 5
)

func crashKey(batch, i int) []byte { return []byte(fmt.Sprintf("batch/%06d/%d", batch, i)) }

// TestCrashChild is the child half of TestCrashRecovery: it writes synced
// batches forever and acknowledges each on stdout after Commit returns.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child process of TestCrashRecovery only")
	}
	e, err := Open(Config{Dir: dir})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	for n := 1; ; n++ {
		b := e.NewBatch()
		ts := clock.Timestamp{WallTime: int64(n)}
		for i := 0; i < crashKeysPerBt; i++ {
			if err := Put(b, crashKey(n, i), ts, []byte(strconv.Itoa(n)), WriteOptions{}); err != nil {
				fmt.Println("put:", err)
				os.Exit(2)
			}
		}
		if err := PutLocal(b, StoreLocalKey("last-batch"), []byte(strconv.Itoa(n))); err != nil {
			fmt.Println("put local:", err)
			os.Exit(2)
		}
		if err := b.Commit(true); err != nil {
			fmt.Println("commit:", err)
			os.Exit(2)
		}
		fmt.Printf("ack %d\n", n)
	}
}

// TestCrashRecovery kills a child writing synced batches with SIGKILL after
// a random number of acknowledgements, reopens the engine and checks that
// every acknowledged batch is there and that no batch is partly visible.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		t.Skip("in child")
	}
	rng := rand.New(rand.NewSource(42))
	for iter := 0; iter < 3; iter++ {
		dir := t.TempDir()
		acks := 1 + rng.Intn(40)
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		last := 0
		for last < acks && sc.Scan() {
			line := sc.Text()
			if n, ok := strings.CutPrefix(line, "ack "); ok {
				last, _ = strconv.Atoi(n)
				continue
			}
			t.Logf("child: %s", line)
		}
		_ = cmd.Process.Kill() // SIGKILL
		_ = cmd.Wait()
		if last < acks {
			t.Fatalf("child died after %d acks, wanted %d", last, acks)
		}

		e, err := Open(Config{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		ts := clock.MaxTimestamp
		visible := 0
		for n := 1; ; n++ {
			found := 0
			for i := 0; i < crashKeysPerBt; i++ {
				v, ok, err := Get(e, crashKey(n, i), ts, ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					if string(v.Bytes) != strconv.Itoa(n) {
						t.Fatalf("batch %d key %d = %q", n, i, v.Bytes)
					}
					found++
				}
			}
			if found != 0 && found != crashKeysPerBt {
				t.Fatalf("batch %d partly visible: %d of %d keys", n, found, crashKeysPerBt)
			}
			if found == 0 {
				break
			}
			visible = n
		}
		if visible < last {
			t.Fatalf("acknowledged batch %d lost: only %d visible", last, visible)
		}
		lb, ok, err := GetLocal(e, StoreLocalKey("last-batch"))
		if err != nil || !ok || string(lb) != strconv.Itoa(visible) {
			t.Fatalf("last-batch = %q %t %v, want %d", lb, ok, err, visible)
		}
		// Nothing beyond the last visible batch either.
		res, err := Scan(e, crashKey(visible+1, 0), []byte("batch0"), ts, ScanOptions{})
		if err != nil || len(res.KVs) != 0 {
			t.Fatalf("keys after batch %d: %d (%v)", visible, len(res.KVs), err)
		}
		t.Logf("iteration %d: killed after %d acks, %d batches visible", iter, last, visible)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
