package mvcc

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/meridiandb/meridian/clock"
)

const (
	benchKeys     = 100
	benchVersions = 10
)

func benchKey(i int) []byte { return []byte(fmt.Sprintf("key-%05d", i)) }

// benchEngine holds benchKeys keys with benchVersions versions each (at
// wall times 1..benchVersions), flushed to an sstable.
func benchEngine(b *testing.B) *Engine {
	e, err := Open(Config{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close() })
	val := make([]byte, 64)
	for v := 1; v <= benchVersions; v++ {
		bt := e.NewBatch()
		for i := 0; i < benchKeys; i++ {
			if err := Put(bt, benchKey(i), clock.Timestamp{WallTime: int64(v)}, val, WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		if err := bt.Commit(false); err != nil {
			b.Fatal(err)
		}
	}
	if err := e.Flush(); err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkGet(b *testing.B) {
	e := benchEngine(b)
	readTS := clock.Timestamp{WallTime: 100}
	newest := clock.Timestamp{WallTime: benchVersions}
	keys := make([][]byte, benchKeys)
	engineKeys := make([][]byte, benchKeys)
	for i := range keys {
		keys[i] = benchKey(i)
		engineKeys[i] = EncodeKey(nil, keys[i], newest)
	}
	b.Run("mvcc", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v, ok, err := Get(e, keys[i%benchKeys], readTS, ReadOptions{})
			if err != nil || !ok || len(v.Bytes) != 64 {
				b.Fatal(ok, err)
			}
		}
	})
	// Raw Pebble: point get of the newest version's engine key, copying the
	// value out (what Get hands its caller).
	b.Run("pebble", func(b *testing.B) {
		b.ReportAllocs()
		db := e.DB()
		for i := 0; i < b.N; i++ {
			raw, closer, err := db.Get(engineKeys[i%benchKeys])
			if err != nil {
				b.Fatal(err)
			}
			v := append([]byte{}, raw[1:]...)
			_ = closer.Close()
			if len(v) != 64 {
				b.Fatal(len(v))
			}
		}
	})
}

func BenchmarkPut(b *testing.B) {
	val := make([]byte, 64)
	b.Run("mvcc", func(b *testing.B) {
		e := benchEngine(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			bt := e.NewBatch()
			ts := clock.Timestamp{WallTime: int64(benchVersions + 1 + i/benchKeys)}
			if err := Put(bt, benchKey(i%benchKeys), ts, val, WriteOptions{}); err != nil {
				b.Fatal(err)
			}
			if err := bt.Commit(false); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Raw Pebble: the same engine key and value in a batch of its own.
	b.Run("pebble", func(b *testing.B) {
		e := benchEngine(b)
		db := e.DB()
		raw := encodeVersion(val, false)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			bt := db.NewBatch()
			ts := clock.Timestamp{WallTime: int64(benchVersions + 1 + i/benchKeys)}
			if err := bt.Set(EncodeKey(nil, benchKey(i%benchKeys), ts), raw, nil); err != nil {
				b.Fatal(err)
			}
			if err := bt.Commit(pebble.NoSync); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkScan(b *testing.B) {
	e := benchEngine(b)
	readTS := clock.Timestamp{WallTime: 100}
	start, end := benchKey(0), benchKey(benchKeys)
	b.Run("mvcc", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			res, err := Scan(e, start, end, readTS, ScanOptions{})
			if err != nil || len(res.KVs) != benchKeys {
				b.Fatal(len(res.KVs), err)
			}
		}
	})
	// Raw Pebble: iterate every record (all versions) of the same keys,
	// touching each key and value.
	b.Run("pebble", func(b *testing.B) {
		b.ReportAllocs()
		lower, upper := userSpan(start, end)
		db := e.DB()
		for i := 0; i < b.N; i++ {
			it, err := db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
			if err != nil {
				b.Fatal(err)
			}
			n, sum := 0, 0
			for valid := it.First(); valid; valid = it.Next() {
				sum += len(it.Key()) + len(it.Value())
				n++
			}
			if err := it.Close(); err != nil || n != benchKeys*benchVersions {
				b.Fatal(n, err)
			}
		}
	})
}
