package mvcc

import (
	"errors"
	"fmt"
	"testing"

	"github.com/meridiandb/meridian/clock"
)

// TestCommitWriter checks CommitWriter against Put and Delete: the same
// versions, and the same refusals (an intent, a version at or above the
// timestamp), with keys in any order and a key with a 0x00 in it.
func TestCommitWriter(t *testing.T) {
	e := newTestEngine(t)
	ts := func(s int64) clock.Timestamp { return clock.Timestamp{WallTime: s * 1e9} }
	b := e.NewBatch()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(Put(b, []byte("old"), ts(5), []byte("v5"), WriteOptions{}))
	must(Put(b, []byte("new"), ts(20), []byte("v20"), WriteOptions{}))
	must(Put(b, []byte("in"), ts(7), []byte("x"), WriteOptions{Txn: &TxnMeta{ID: TxnID{9}, WriteTimestamp: ts(7)}}))
	must(b.Commit(true))

	w, err := e.NewCommitWriter(ts(10), 0)
	must(err)
	for i := 999; i >= 0; i-- { // descending: any order works
		must(w.Put([]byte(fmt.Sprintf("k\x00%03d", i)), []byte(fmt.Sprint(i))))
	}
	must(w.Put([]byte("old"), []byte("v10")))
	must(w.Delete([]byte("gone")))
	var tooOld *WriteTooOldError
	if err := w.Put([]byte("new"), []byte("x")); !errors.As(err, &tooOld) || tooOld.ExistingTimestamp != ts(20) {
		t.Fatalf("over a newer version: %v", err)
	}
	var wi *WriteIntentError
	if err := w.Delete([]byte("in")); !errors.As(err, &wi) || wi.Intents[0].Txn.ID != (TxnID{9}) {
		t.Fatalf("over an intent: %v", err)
	}
	must(w.Commit(true))

	for _, c := range []struct {
		key, want string
		at        int64
	}{{"k\x00000", "0", 10}, {"k\x00999", "999", 10}, {"old", "v10", 10}, {"old", "v5", 9}, {"new", "v20", 30}} {
		v, ok, err := Get(e, []byte(c.key), ts(c.at), ReadOptions{})
		if err != nil || !ok || string(v.Bytes) != c.want {
			t.Errorf("Get(%q, %d) = %q %v %v, want %q", c.key, c.at, v.Bytes, ok, err, c.want)
		}
	}
	if _, ok, err := Get(e, []byte("k\x00500"), ts(9), ReadOptions{}); ok || err != nil {
		t.Errorf("a version below its timestamp: %v %v", ok, err)
	}
	if _, ok, err := Get(e, []byte("gone"), ts(11), ReadOptions{}); ok || err != nil {
		t.Errorf("tombstone: %v %v", ok, err)
	}

	// Closed without Commit: nothing is written.
	w, err = e.NewCommitWriter(ts(40), CommitSizeHint(100, 1))
	must(err)
	must(w.Put([]byte("old"), []byte("v40")))
	w.Close()
	w.Close()
	if v, _, _ := Get(e, []byte("old"), ts(50), ReadOptions{}); string(v.Bytes) != "v10" {
		t.Fatalf("after Close: %q", v.Bytes)
	}
}

// TestGetter checks that a Getter answers as Get does, key after key in
// any order: versions, tombstones, missing keys, an intent.
func TestGetter(t *testing.T) {
	e := newTestEngine(t)
	ts := func(s int64) clock.Timestamp { return clock.Timestamp{WallTime: s * 1e9} }
	b := e.NewBatch()
	for i := 0; i < 50; i++ {
		k := []byte(fmt.Sprintf("k\x00%02d", i))
		if err := Put(b, k, ts(5), []byte(fmt.Sprint(i)), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			if err := Delete(b, k, ts(8), WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := Put(b, []byte("in"), ts(7), []byte("x"), WriteOptions{Txn: &TxnMeta{ID: TxnID{9}, WriteTimestamp: ts(7)}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	for _, at := range []int64{4, 6, 9} {
		g, err := NewGetter(e, ts(at), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		keys := []string{"in", "zz", "a"}
		for i := 60; i >= 0; i -= 7 {
			keys = append(keys, fmt.Sprintf("k\x00%02d", i))
		}
		for i := 0; i < 60; i += 5 {
			keys = append(keys, fmt.Sprintf("k\x00%02d", i))
		}
		for _, k := range keys {
			v1, ok1, err1 := Get(e, []byte(k), ts(at), ReadOptions{})
			v2, ok2, err2 := g.Get([]byte(k))
			if string(v1.Bytes) != string(v2.Bytes) || v1.Timestamp != v2.Timestamp || ok1 != ok2 || fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Errorf("at %d, %q: Get %q %v %v, Getter %q %v %v", at, k, v1.Bytes, ok1, err1, v2.Bytes, ok2, err2)
			}
		}
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
