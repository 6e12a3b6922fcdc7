package pgwire

import (
	"bytes"
	"testing"

	"github.com/meridiandb/meridian/sql/types"
)

func TestNumericBinaryKnown(t *testing.T) {
	for _, c := range []struct {
		text string
		want []byte
	}{
		// Bytes as PostgreSQL 15's numeric_send writes them.
		{"0", []byte{0, 0, 0, 0, 0, 0, 0, 0}},
		{"1.50", []byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x13, 0x88}}, // 1 + 5000/10000
		{"-12345.6789", []byte{0, 3, 0, 1, 0x40, 0, 0, 4, 0, 1, 0x09, 0x29, 0x1A, 0x85}},
		{"0.0001", []byte{0, 1, 0xFF, 0xFF, 0, 0, 0, 4, 0, 1}},
		{"10000", []byte{0, 1, 0, 1, 0, 0, 0, 0, 0, 1}},
	} {
		v, err := types.ParseNumeric(types.Numeric, c.text)
		if err != nil {
			t.Fatal(err)
		}
		got := encodeNumeric(types.Numeric, v)
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: got % x, want % x", c.text, got, c.want)
		}
		back, err := decodeNumeric(types.Numeric, got)
		if err != nil || back.S != v.S {
			t.Errorf("%s: decoded %v, %v", c.text, back, err)
		}
	}
}

// FuzzNumericBinary: what decodes re-encodes to a value that decodes the
// same, and every text NUMERIC survives a binary round trip; no input panics.
func FuzzNumericBinary(f *testing.F) {
	for _, s := range []string{"0", "1.50", "-12345.6789", "0.0001", "10000", "123456789012345678901234567890.000001"} {
		f.Add(s, []byte{})
	}
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		if v, err := types.ParseNumeric(types.Numeric, s); err == nil && len(v.S) < 200 {
			back, err := decodeNumeric(types.Numeric, encodeNumeric(types.Numeric, v))
			if err != nil || back.S != v.S {
				t.Fatalf("%q: decoded %v, %v", v.S, back, err)
			}
		}
		if v, err := decodeNumeric(types.Numeric, raw); err == nil {
			again, err := decodeNumeric(types.Numeric, encodeNumeric(types.Numeric, v))
			if err != nil || again.S != v.S {
				t.Fatalf("% x: %v then %v, %v", raw, v, again, err)
			}
		}
	})
}
