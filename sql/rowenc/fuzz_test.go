package rowenc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// Seeds shared by the value-shaped fuzz targets: (i, f, s) triples that hit
// the edges of every kind.
var (
	seedInts    = []int64{0, 1, -1, math.MinInt64, math.MaxInt64, 255, 256, -256}
	seedFloats  = []float64{0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0xFFF8000000000001), math.Inf(1), math.Inf(-1), 1.5, -1.5, math.SmallestNonzeroFloat64, -math.MaxFloat64}
	seedStrings = []string{"", "\x00", "\x00\xff", "\xff", "\xff\xff", "a", "a\x00", "a\x00b", "a\x01", "ab", "\x00\x01", "héllo"}
)

// FuzzKeyRoundTrip: DecodeKey(AppendKey(v)) == v, in both directions, with
// the rest of the buffer untouched.
func FuzzKeyRoundTrip(f *testing.F) {
	for k := range uint8(numKinds) {
		for idx := range seedStrings {
			f.Add(k, seedInts[idx%len(seedInts)], seedFloats[idx%len(seedFloats)], seedStrings[idx], idx%2 == 0)
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, i int64, fl float64, s string, desc bool) {
		v := fuzzValue(k, i, fl, s)
		dir := Ascending
		if desc {
			dir = Descending
		}
		key := AppendKey([]byte{0xAA}, v, dir)
		key = append(key, 0x00, 0xFF)
		got, gotDir, rest, err := DecodeKey(key[1:])
		if err != nil {
			t.Fatalf("DecodeKey(%x) of %v: %v", key, v, err)
		}
		if gotDir != dir || !bytes.Equal(rest, []byte{0x00, 0xFF}) {
			t.Fatalf("%v: dir %v rest %x", v, gotDir, rest)
		}
		if v.Kind == KindFloat {
			// Canonicalised: -0 → +0, any NaN → the canonical NaN.
			if Compare(got, v) != 0 || got.Kind != KindFloat || math.Signbit(got.F) && got.F == 0 {
				t.Fatalf("float %v decoded as %v", v, got)
			}
		} else if !sameValue(got, v) && !(v.Kind == KindBytes && len(v.B) == 0 && got.Kind == KindBytes && len(got.B) == 0) {
			t.Fatalf("%v decoded as %v", v, got)
		}
	})
}

// FuzzKeyOrder: for two values of one kind (or NULL), bytes.Compare of the
// keys agrees with Compare, reversed for Descending.
func FuzzKeyOrder(f *testing.F) {
	for k := range uint8(numKinds) {
		for idx := range seedStrings {
			j := (idx + 1) % len(seedStrings)
			f.Add(k, seedInts[idx%len(seedInts)], seedInts[j%len(seedInts)],
				seedFloats[idx%len(seedFloats)], seedFloats[j%len(seedFloats)],
				seedStrings[idx], seedStrings[j])
		}
	}
	f.Add(uint8(KindInt)|0x80, int64(5), int64(5), 0.0, 0.0, "", "")    // a is NULL
	f.Add(uint8(KindString)|0x40, int64(0), int64(0), 0.0, 0.0, "", "") // b is NULL
	f.Fuzz(func(t *testing.T, k uint8, i1, i2 int64, f1, f2 float64, s1, s2 string) {
		a, b := fuzzValue(k, i1, f1, s1), fuzzValue(k, i2, f2, s2)
		if k&0x80 != 0 {
			a = Null()
		}
		if k&0x40 != 0 {
			b = Null()
		}
		want := Compare(a, b)
		if Compare(b, a) != -want {
			t.Fatalf("Compare not antisymmetric on %v, %v", a, b)
		}
		for _, dir := range []Direction{Ascending, Descending} {
			got := sign(bytes.Compare(AppendKey(nil, a, dir), AppendKey(nil, b, dir)))
			w := want
			if dir == Descending {
				w = -w
			}
			if got != w {
				t.Fatalf("%v: keys of %v, %v compare %d, want %d", dir, a, b, got, w)
			}
		}
	})
}

// FuzzKeyTupleOrder: composite keys of three columns with mixed kinds,
// directions and NULLs order as the tuples do, lexicographically.
//
// shape bits: 0–8 the three columns' kinds (3 bits each); 9–14 for each
// (side, column) whether it takes the first or second parameter set, so
// that equal prefixes are common; 15–17 the directions; 18–23 NULL flags.
func FuzzKeyTupleOrder(f *testing.F) {
	f.Add(uint32(0), int64(1), int64(2), 1.0, 2.0, "a", "b")
	f.Add(uint32(2|4<<3|3<<6|0b001001<<9|0b010<<15), int64(7), int64(7), 0.0, math.Copysign(0, -1), "a\x00", "a")
	f.Add(uint32(2|4<<3|5<<6|0b111000<<9|0b101<<15|0b000100<<18), int64(math.MinInt64), int64(math.MaxInt64), math.NaN(), math.Inf(1), "", "\x00")
	f.Add(uint32(6|1<<3|3<<6|0b100100<<9|0b111<<15|0b010001<<18), int64(-1), int64(0), math.Inf(-1), 0.0, "\xff", "\xff\x00")
	f.Fuzz(func(t *testing.T, shape uint32, i1, i2 int64, f1, f2 float64, s1, s2 string) {
		var tup [2][3]Value
		var dirs [3]Direction
		for c := 0; c < 3; c++ {
			kind := uint8(shape>>(3*c)) & 7
			if shape>>(15+c)&1 != 0 {
				dirs[c] = Descending
			}
			for side := 0; side < 2; side++ {
				bit := 9 + side*3 + c
				if shape>>bit&1 == 0 {
					tup[side][c] = fuzzValue(kind, i1, f1, s1)
				} else {
					tup[side][c] = fuzzValue(kind, i2, f2, s2)
				}
				if shape>>(18+side*3+c)&1 != 0 {
					tup[side][c] = Null()
				}
			}
		}
		want := 0
		for c := 0; c < 3 && want == 0; c++ {
			want = Compare(tup[0][c], tup[1][c])
			if dirs[c] == Descending {
				want = -want
			}
		}
		var keys [2][]byte
		for side := range keys {
			for c := 0; c < 3; c++ {
				keys[side] = AppendKey(keys[side], tup[side][c], dirs[c])
			}
		}
		if got := sign(bytes.Compare(keys[0], keys[1])); got != want {
			t.Fatalf("tuples %v, %v (dirs %v): keys compare %d, want %d", tup[0], tup[1], dirs, got, want)
		}
	})
}

// FuzzDecodeKey: arbitrary bytes never panic the decoder; whatever decodes
// re-encodes to exactly the bytes consumed (the encoding is canonical).
func FuzzDecodeKey(f *testing.F) {
	for _, v := range edgeValues() {
		f.Add(AppendKey(nil, v, Ascending))
		f.Add(AppendKey(nil, v, Descending))
	}
	for _, s := range []string{"", "\x00", "\xff", "\x30\x7f\xff\xff\xff\xff\xff\xff\xff", "\x50a\x00", "\x50a\x00\x02"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, dir, rest, err := DecodeKey(data)
		n, lerr := KeyLength(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !errors.Is(lerr, ErrCorrupt) {
				t.Fatalf("DecodeKey(%x): error %v / %v does not wrap ErrCorrupt", data, err, lerr)
			}
			return
		}
		consumed := data[:len(data)-len(rest)]
		if lerr != nil || n != len(consumed) {
			t.Fatalf("KeyLength(%x) = %d, %v; DecodeKey consumed %d", data, n, lerr, len(consumed))
		}
		if re := AppendKey(nil, v, dir); !bytes.Equal(re, consumed) {
			t.Fatalf("DecodeKey(%x) = %v %v, which encodes as %x", consumed, v, dir, re)
		}
	})
}

// rowFromFuzz builds a row from a byte program: each column takes an op
// byte (kind in the low 3 bits, ID gap in the high 5) and, by kind, an
// 8-byte payload or a length byte and that many bytes, zero-padded when the
// program runs out.
func rowFromFuzz(data []byte) []ColumnValue {
	next := func(n int) []byte {
		out := make([]byte, n)
		m := copy(out, data)
		data = data[m:]
		return out
	}
	var cols []ColumnValue
	var id ColumnID
	for len(data) > 0 && len(cols) < 64 {
		op := next(1)[0]
		id += ColumnID(op >> 3)
		if len(cols) > 0 && op>>3 == 0 {
			id++
		}
		u := binary.LittleEndian.Uint64(next(8))
		var v Value
		switch Kind(op & 7 % uint8(numKinds)) {
		case KindNull:
		case KindBool:
			v = Bool(u&1 != 0)
		case KindInt:
			v = Int(int64(u))
		case KindFloat:
			v = Float(math.Float64frombits(u))
		case KindTimestamp:
			v = Timestamp(int64(u))
		case KindString:
			v = String(string(next(int(u % 40))))
		case KindBytes:
			v = Bytes(next(int(u % 40)))
		}
		cols = append(cols, ColumnValue{ID: id, Value: v})
	}
	return cols
}

// FuzzRowRoundTrip: DecodeRow(AppendRow(cols)) returns the non-NULL columns
// exactly, and DecodeRowInto fills a schema's columns from it.
func FuzzRowRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x02, 1, 2, 3, 4, 5, 6, 7, 8, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x0c, 5, 0, 0, 0, 0, 0, 0, 0, 'a', 0, 0xff, 0, 'b'})
	f.Add([]byte{0x03, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x0b, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1d, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		cols := rowFromFuzz(data)
		b, err := AppendRow(nil, cols)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeRow(nil, b)
		if err != nil {
			t.Fatalf("DecodeRow(%x): %v", b, err)
		}
		var ids []ColumnID
		var want []ColumnValue
		for _, c := range cols {
			ids = append(ids, c.ID)
			if !c.Value.IsNull() {
				want = append(want, c)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("decoded %d columns, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i].ID != want[i].ID || !sameValue(got[i].Value, want[i].Value) &&
				!(want[i].Value.Kind == KindBytes && len(want[i].Value.B) == 0 && len(got[i].Value.B) == 0) {
				t.Fatalf("column %d: got %d=%v, want %d=%v", i, got[i].ID, got[i].Value, want[i].ID, want[i].Value)
			}
		}
		out := make([]Value, len(ids))
		if err := DecodeRowInto(b, ids, out); err != nil {
			t.Fatal(err)
		}
		for i, c := range cols {
			if Compare(out[i], c.Value) != 0 {
				t.Fatalf("DecodeRowInto column %d = %v, want %v", c.ID, out[i], c.Value)
			}
		}
	})
}

// FuzzDecodeRow: arbitrary bytes never panic the decoders; whatever decodes
// re-encodes to exactly the input (the encoding is canonical).
func FuzzDecodeRow(f *testing.F) {
	var all []ColumnValue
	for i, v := range edgeValues() {
		all = append(all, ColumnValue{ID: ColumnID(i + 1), Value: v})
		b, _ := AppendRow(nil, []ColumnValue{{ID: ColumnID(i * 7), Value: v}})
		f.Add(b)
	}
	b, _ := AppendRow(nil, all)
	f.Add(b)
	for _, s := range []string{"", "\x01", "\x02", "\x01\x10", "\x01\x13\x80\x00", "\x01\x16\x05ab", "\x01\x11\x01", "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cols, err := DecodeRow(nil, data)
		ids := []ColumnID{0, 1, 2, 3, 5, 8, 13, 21}
		ierr := DecodeRowInto(data, ids, make([]Value, len(ids)))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !errors.Is(ierr, ErrCorrupt) {
				t.Fatalf("DecodeRow(%x): error %v / %v does not wrap ErrCorrupt", data, err, ierr)
			}
			return
		}
		if ierr != nil {
			t.Fatalf("DecodeRowInto failed where DecodeRow did not: %v", ierr)
		}
		re, err := AppendRow(nil, cols)
		if err != nil {
			t.Fatalf("AppendRow of decoded %v: %v", cols, err)
		}
		if !bytes.Equal(re, data) {
			t.Fatalf("DecodeRow(%x) = %v, which encodes as %x", data, cols, re)
		}
	})
}
