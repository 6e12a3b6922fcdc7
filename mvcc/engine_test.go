package mvcc

import (
	"testing"

	"github.com/meridiandb/meridian/clock"
)

// TestReaderSeam: the same read code runs on the engine, a snapshot and a
// batch, each seeing what it should; a batch's writes become visible
// atomically at Commit.
func TestReaderSeam(t *testing.T) {
	e := newTestEngine(t)
	ts := func(s int64) clock.Timestamp { return clock.Timestamp{WallTime: s} }
	b := e.NewBatch()
	if err := Put(b, []byte("a"), ts(1), []byte("1"), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	snap := e.NewSnapshot()
	defer snap.Close()

	b = e.NewBatch()
	defer b.Close()
	for _, k := range []string{"a", "b", "c"} {
		if err := Put(b, []byte(k), ts(2), []byte("2"), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A second write to a key in the same batch sees the first.
	if err := Put(b, []byte("b"), ts(2), []byte("x"), WriteOptions{}); err == nil {
		t.Fatal("write at the same timestamp within a batch was not too old")
	}
	count := func(r Reader) int {
		res, err := Scan(r, nil, nil, ts(5), ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.KVs)
	}
	if got := count(b); got != 3 {
		t.Fatalf("batch sees %d keys, want 3", got)
	}
	if got := count(e); got != 1 {
		t.Fatalf("engine sees %d keys before commit, want 1", got)
	}
	if err := b.Commit(false); err != nil {
		t.Fatal(err)
	}
	if got := count(e); got != 3 {
		t.Fatalf("engine sees %d keys after commit, want 3", got)
	}
	if got := count(snap); got != 1 {
		t.Fatalf("snapshot sees %d keys, want 1", got)
	}
	if err := b.Commit(false); err == nil {
		t.Fatal("second commit of a batch succeeded")
	}
}
