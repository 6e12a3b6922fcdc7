package rowenc

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

var seedDecimals = []string{"0", "1", "-1", "1.50", "-1.5", "0.001", "-0.001", "123456789012345678901234567890.123", "10", "9.99", "-10.01", "1e-20", "5e30"}

func fuzzDecimal(t *testing.T, s string) (Value, bool) {
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite || d.NumDigits() > 200 || d.Exponent > 100 || d.Exponent < -100 {
		return Value{}, false
	}
	return Decimal(d), true
}

// FuzzDecimalKeyRoundTrip: a DECIMAL key decodes to an equal value, in both
// directions, leaving the rest of the buffer alone; the row encoding keeps
// the text exactly.
func FuzzDecimalKeyRoundTrip(f *testing.F) {
	for i, s := range seedDecimals {
		f.Add(s, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, s string, desc bool) {
		v, ok := fuzzDecimal(t, s)
		if !ok {
			return
		}
		dir := Ascending
		if desc {
			dir = Descending
		}
		key := append(AppendKey(nil, v, dir), 0x00, 0xFF)
		got, gotDir, rest, err := DecodeKey(key)
		if err != nil || gotDir != dir || !bytes.Equal(rest, []byte{0x00, 0xFF}) {
			t.Fatalf("%v: %v %v %x", v, err, gotDir, rest)
		}
		if got.Kind != KindDecimal || Compare(got, v) != 0 {
			t.Fatalf("%v decoded as %v", v, got)
		}
		if !bytes.Equal(AppendKey(nil, got, dir), key[:len(key)-2]) {
			t.Fatalf("%v: key not canonical", v)
		}
		row, err := AppendRow(nil, []ColumnValue{{ID: 1, Value: v}})
		if err != nil {
			t.Fatal(err)
		}
		cols, err := DecodeRow(nil, row)
		if err != nil || len(cols) != 1 || !sameValue(cols[0].Value, v) {
			t.Fatalf("row %v: %v %v", v, cols, err)
		}
	})
}

// FuzzDecimalKeyOrder: bytes.Compare of two DECIMAL keys agrees with
// Compare (reversed for Descending), and with INT and FLOAT order for
// integers.
func FuzzDecimalKeyOrder(f *testing.F) {
	for i, s := range seedDecimals {
		f.Add(s, seedDecimals[(i+3)%len(seedDecimals)], i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, a, b string, desc bool) {
		x, ok1 := fuzzDecimal(t, a)
		y, ok2 := fuzzDecimal(t, b)
		if !ok1 || !ok2 {
			return
		}
		dir := Ascending
		if desc {
			dir = Descending
		}
		want := Compare(x, y)
		if dir == Descending {
			want = -want
		}
		if got := sign(bytes.Compare(AppendKey(nil, x, dir), AppendKey(nil, y, dir))); got != want {
			t.Fatalf("%v vs %v (%v): keys compare %d, values %d", x, y, dir, got, want)
		}
	})
}

// FuzzDecimalDecode: arbitrary bytes after the DECIMAL marker never panic,
// and what decodes re-encodes to the same bytes.
func FuzzDecimalDecode(f *testing.F) {
	for _, s := range seedDecimals {
		v, _ := fuzzDecimal(nil, s)
		f.Add(AppendKey(nil, v, Ascending))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, dir, rest, err := DecodeKey(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		if enc := AppendKey(nil, v, dir); !bytes.Equal(enc, b[:len(b)-len(rest)]) {
			t.Fatalf("%x decoded as %v re-encodes as %x", b, v, enc)
		}
	})
}
