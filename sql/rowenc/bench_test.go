package rowenc

import "testing"

// A typical primary key: (tenant BIGINT, name TEXT, created TIMESTAMP DESC),
// and a typical row of six non-key columns.
var (
	benchKey = []Value{Int(4242), String("customer-000123"), Timestamp(1_700_000_000_000_000)}
	benchDir = []Direction{Ascending, Ascending, Descending}
	benchRow = []ColumnValue{
		{2, String("Ada Lovelace")},
		{3, Int(36)},
		{4, Float(1234.5)},
		{5, Bool(true)},
		{6, Null()},
		{7, Bytes([]byte("\x00\x01\x02\x03\x04\x05\x06\x07"))},
		{8, Timestamp(1_700_000_000_123_456)},
	}
)

func BenchmarkAppendKey(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i, v := range benchKey {
			buf = AppendKey(buf, v, benchDir[i])
		}
	}
}

func BenchmarkDecodeKey(b *testing.B) {
	var key []byte
	for i, v := range benchKey {
		key = AppendKey(key, v, benchDir[i])
	}
	b.SetBytes(int64(len(key)))
	b.ReportAllocs()
	for b.Loop() {
		rest := key
		for range benchKey {
			var err error
			if _, _, rest, err = DecodeKey(rest); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAppendRow(b *testing.B) {
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendRow(buf[:0], benchRow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRowInto(b *testing.B) {
	row, err := AppendRow(nil, benchRow)
	if err != nil {
		b.Fatal(err)
	}
	ids := []ColumnID{2, 3, 4, 5, 6, 7, 8}
	out := make([]Value, len(ids))
	b.SetBytes(int64(len(row)))
	b.ReportAllocs()
	for b.Loop() {
		if err := DecodeRowInto(row, ids, out); err != nil {
			b.Fatal(err)
		}
	}
}
