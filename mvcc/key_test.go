package mvcc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/meridiandb/meridian/clock"
)

func fuzzSeeds(f *testing.F) {
	seeds := []struct {
		k    string
		wall int64
		log  int32
	}{
		{"a", 5, 0}, {"a\x00", 5, 0}, {"a\x00\x01", 1, 2}, {"\x00", 0, 0}, {"\xff\x00\xff", 1 << 40, 7},
		{"a\x01", 9, 0}, {"", 3, 0}, {"\x00\x00", 1<<63 - 1, 1<<31 - 1},
	}
	for _, s := range seeds {
		f.Add([]byte(s.k), s.wall, s.log, []byte("a"), int64(6), int32(0))
	}
}

// FuzzKeyRoundTrip: DecodeKey inverts EncodeKey.
func FuzzKeyRoundTrip(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, k []byte, wall int64, logical int32, _ []byte, _ int64, _ int32) {
		ts := clock.Timestamp{WallTime: wall, Logical: logical}
		ek := EncodeKey(nil, k, ts)
		got, err := DecodeKey(ek)
		if err != nil {
			t.Fatalf("decode %x: %v", ek, err)
		}
		if !bytes.Equal(got.Key, k) || got.Timestamp != ts {
			t.Fatalf("round trip of (%q, %s) gave (%q, %s)", k, ts, got.Key, got.Timestamp)
		}
		if ek[0] != userPrefix {
			t.Fatalf("user key encoding %x outside the user space", ek)
		}
	})
}

// FuzzKeyOrder: bytewise order of encodings is (user key asc, intent first,
// then timestamp desc), and userSpan bounds contain exactly the keys of the
// span.
func FuzzKeyOrder(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, k1 []byte, w1 int64, l1 int32, k2 []byte, w2 int64, l2 int32) {
		t1 := clock.Timestamp{WallTime: w1, Logical: l1}
		t2 := clock.Timestamp{WallTime: w2, Logical: l2}
		e1, e2 := EncodeKey(nil, k1, t1), EncodeKey(nil, k2, t2)
		want := bytes.Compare(k1, k2)
		if want == 0 {
			switch {
			case t1 == t2:
			case t1.IsEmpty():
				want = -1
			case t2.IsEmpty():
				want = 1
			default:
				want = -t1.Compare(t2) // newer first
			}
		}
		if got := bytes.Compare(e1, e2); got != want {
			t.Fatalf("order of (%q,%s)=%x vs (%q,%s)=%x: got %d want %d", k1, t1, e1, k2, t2, e2, got, want)
		}
		// Span containment: e1 in userSpan(k2, k2+"\x00"+...) iff k1 in it.
		if len(k2) > 0 {
			lower, upper := userSpan(k2, append(append([]byte{}, k2...), 0x00, 0x01))
			in := bytes.Compare(k1, k2) >= 0 && bytes.Compare(k1, append(append([]byte{}, k2...), 0x00, 0x01)) < 0
			eIn := bytes.Compare(e1, lower) >= 0 && bytes.Compare(e1, upper) < 0
			if in != eIn {
				t.Fatalf("span containment of %q in [%q, %q\\x00\\x01): key %t, engine %t", k1, k2, k2, in, eIn)
			}
		}
		// Engine prefix bounds of one key hold exactly that key.
		p := EncodeIntentKey(nil, k2)
		end := keyEnd(nil, p)
		eIn := bytes.Compare(e1, p) >= 0 && bytes.Compare(e1, end) < 0
		if eIn != bytes.Equal(k1, k2) {
			t.Fatalf("key bounds of %q: contains %q is %t", k2, k1, eIn)
		}
	})
}

func TestDecodeKeyRejectsGarbage(t *testing.T) {
	for _, ek := range [][]byte{
		nil, {localPrefix, 'r'}, {userPrefix, 'a'}, {userPrefix, 'a', 0, 7},
		{userPrefix, 'a', 0, 1, 1, 2}, append(EncodeIntentKey(nil, []byte("a")), make([]byte, 11)...),
	} {
		if _, err := DecodeKey(ek); !errors.Is(err, ErrCorrupt) {
			t.Errorf("DecodeKey(%x) = %v, want ErrCorrupt", ek, err)
		}
	}
}

func TestLocalKeysDisjointFromUserKeys(t *testing.T) {
	e := newTestEngine(t)
	b := e.NewBatch()
	if err := Put(b, []byte("\x01r"), clock.Timestamp{WallTime: 1}, []byte("user"), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for id := uint64(1); id <= 3; id++ {
		if err := PutLocal(b, AppliedIndexKey(id), []byte{byte(id)}); err != nil {
			t.Fatal(err)
		}
		if err := PutLocal(b, RangeDescriptorKey(id), []byte("desc")); err != nil {
			t.Fatal(err)
		}
	}
	if err := PutLocal(b, StoreLocalKey("ident"), []byte("store-1")); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(true); err != nil {
		t.Fatal(err)
	}
	v, ok, err := GetLocal(e, AppliedIndexKey(2))
	if err != nil || !ok || !bytes.Equal(v, []byte{2}) {
		t.Fatalf("GetLocal = %q %t %v", v, ok, err)
	}
	if _, ok, _ := GetLocal(e, AppliedIndexKey(9)); ok {
		t.Fatal("missing local key found")
	}
	lo, hi := RangeLocalSpan(2)
	var n int
	if err := ScanLocal(e, lo, hi, func(k, v []byte) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("ScanLocal found %d keys, err %v", n, err)
	}
	// User data sees no local keys and vice versa.
	res, err := Scan(e, []byte{0}, nil, clock.Timestamp{WallTime: 5}, ScanOptions{})
	if err != nil || len(res.KVs) != 1 {
		t.Fatalf("user scan = %+v, %v", res.KVs, err)
	}
	ms, err := ComputeStats(e, []byte{0}, nil)
	if err != nil || ms.KeyCount != 1 {
		t.Fatalf("stats = %s, %v", ms, err)
	}
	if err := PutLocal(b, LocalKey("xx"), nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("PutLocal outside local space: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	e := newTestEngine(t)
	b := e.NewBatch()
	defer b.Close()
	ts := clock.Timestamp{WallTime: 1}
	big := make([]byte, 65)
	for _, c := range []struct {
		err  error
		want error
	}{
		{Put(b, nil, ts, nil, WriteOptions{}), ErrEmptyKey},
		{Put(b, big, ts, nil, WriteOptions{}), ErrKeyTooLarge},
		{Put(b, []byte("a"), ts, make([]byte, 1025), WriteOptions{}), ErrValueTooLarge},
		{Put(b, []byte("a"), clock.Timestamp{}, nil, WriteOptions{}), ErrZeroTimestamp},
		{Delete(b, []byte("a"), clock.Timestamp{}, WriteOptions{}), ErrZeroTimestamp},
		{Put(b, []byte("a"), ts, nil, WriteOptions{Txn: &TxnMeta{WriteTimestamp: ts.Next()}}), ErrInvalidArgument},
		{func() error { _, _, err := Get(e, nil, ts, ReadOptions{}); return err }(), ErrEmptyKey},
		{func() error { _, err := GC(b, []byte("a"), nil, clock.Timestamp{}, GCOptions{}); return err }(), ErrZeroTimestamp},
		{func() error { _, err := Scan(e, []byte("a"), nil, ts, ScanOptions{MaxKeys: -1}); return err }(), ErrInvalidArgument},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("got %v, want %v", c.err, c.want)
		}
	}
	if !b.Empty() {
		t.Fatal("rejected writes reached the batch")
	}
	if _, err := Open(Config{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Open without Dir: %v", err)
	}
	if _, err := Open(Config{InMemory: true, MaxKeySize: -1}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("Open with negative limit: %v", err)
	}
}

func TestCloseIdempotent(t *testing.T) {
	e, err := Open(Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b := e.NewBatch()
	b.Close()
	b.Close()
	if err := b.PutRaw([]byte{2}, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("write to closed batch: %v", err)
	}
	s := e.NewSnapshot()
	s.Close()
	s.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}
