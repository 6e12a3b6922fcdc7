package rowenc

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"testing"
)

func TestRowLayout(t *testing.T) {
	for _, tc := range []struct {
		cols []ColumnValue
		want string
	}{
		{nil, "01"},
		{[]ColumnValue{{1, Null()}}, "01"},
		{[]ColumnValue{{1, Bool(false)}, {2, Bool(true)}}, "011112"},
		{[]ColumnValue{{0, Int(0)}}, "0103" + "00"},
		{[]ColumnValue{{1, Int(-1)}, {3, Int(64)}}, "0113" + "01" + "23" + "8001"},
		{[]ColumnValue{{2, Null()}, {5, String("hi")}}, "0156" + "02" + "6869"},
		{[]ColumnValue{{1, Float(1)}}, "0114" + "000000000000f03f"},
		{[]ColumnValue{{1, Timestamp(1)}, {2, Bytes([]byte{0})}}, "0115" + "02" + "17" + "0100"},
		{[]ColumnValue{{100, Bool(true)}}, "01" + "c20c"}, // 100<<4|2 = 1602 = uvarint c2 0c
	} {
		got, err := AppendRow([]byte("x"), tc.cols)
		if err != nil {
			t.Fatal(err)
		}
		got = got[1:]
		want, _ := hex.DecodeString(tc.want)
		if !bytes.Equal(got, want) {
			t.Errorf("AppendRow(%v) = %x, want %x", tc.cols, got, want)
		}
	}
}

func TestRowRoundTrip(t *testing.T) {
	var cols []ColumnValue
	for i, v := range edgeValues() {
		cols = append(cols, ColumnValue{ID: ColumnID(i * 3), Value: v})
	}
	cols = append(cols, ColumnValue{ID: math.MaxUint32, Value: Int(42)})
	b, err := AppendRow(nil, cols)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRow(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	var want []ColumnValue
	for _, c := range cols {
		if !c.Value.IsNull() {
			want = append(want, c)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("decoded %d columns, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || !sameValue(got[i].Value, want[i].Value) {
			t.Errorf("column %d: got %d=%v, want %d=%v", i, got[i].ID, got[i].Value, want[i].ID, want[i].Value)
		}
	}
	// Exact float bits survive a row value: -0 stays -0.
	if b, _ := AppendRow(nil, []ColumnValue{{1, Float(math.Copysign(0, -1))}}); true {
		got, err := DecodeRow(nil, b)
		if err != nil || !math.Signbit(got[0].Value.F) {
			t.Errorf("-0 lost: %v %v", got, err)
		}
	}
}

func TestDecodeRowIntoSchemaChanges(t *testing.T) {
	// Written when the table had columns 1, 2, 4, 6.
	b, err := AppendRow(nil, []ColumnValue{
		{1, Int(10)}, {2, String("dropped")}, {4, Null()}, {6, Bool(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Now: column 2 dropped, 5 and 7 added.
	ids := []ColumnID{1, 4, 5, 6, 7}
	out := []Value{Int(99), Int(99), Int(99), Int(99), Int(99)} // overwritten
	if err := DecodeRowInto(b, ids, out); err != nil {
		t.Fatal(err)
	}
	want := []Value{Int(10), Null(), Null(), Bool(true), Null()}
	for i := range want {
		if !sameValue(out[i], want[i]) {
			t.Errorf("column %d = %v, want %v", ids[i], out[i], want[i])
		}
	}
	if err := DecodeRowInto(b, ids, out[:2]); err == nil {
		t.Error("DecodeRowInto accepted mismatched lengths")
	}
}

func TestAppendRowRejects(t *testing.T) {
	for name, cols := range map[string][]ColumnValue{
		"duplicate": {{1, Int(1)}, {1, Int(2)}},
		"unsorted":  {{2, Int(1)}, {1, Int(2)}},
		"kind":      {{1, Int(1)}, {2, Value{Kind: 99}}},
	} {
		dst := []byte("keep")
		got, err := AppendRow(dst, cols)
		if err == nil || string(got) != "keep" {
			t.Errorf("%s: AppendRow = %q, %v; want error and dst unchanged", name, got, err)
		}
	}
}

func TestDecodeRowCorrupt(t *testing.T) {
	for _, tc := range []string{
		"",                         // empty
		"02",                       // unknown version
		"0110",                     // tag 0
		"0118",                     // tag 8
		"011f",                     // tag 15
		"0113",                     // int without payload
		"011380",                   // truncated varint
		"01138000",                 // non-minimal varint
		"01140000",                 // truncated float
		"011602",                   // string longer than the rest
		"0116ffffffffffffffffff01", // huge length
		"011101",                   // column 1 then delta 0 (repeated)
		"0181808080800201",         // delta 1<<32, beyond uint32
		"01ffffffffffffffffff02",   // uvarint overflow
	} {
		b, err := hex.DecodeString(tc)
		if err != nil {
			t.Fatalf("%s: %v", tc, err)
		}
		if _, err := DecodeRow(nil, b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("DecodeRow(%s) = %v; want ErrCorrupt", tc, err)
		}
	}
	// ID overflow across two columns.
	b, _ := AppendRow(nil, []ColumnValue{{math.MaxUint32 - 1, Bool(true)}})
	b = append(b, 0x21) // delta 2, tag false
	if _, err := DecodeRow(nil, b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("ID overflow not caught: %v", err)
	}
}

func TestDecodedRowDoesNotAlias(t *testing.T) {
	b, _ := AppendRow(nil, []ColumnValue{{1, Bytes([]byte("abc"))}, {2, String("def")}})
	got, err := DecodeRow(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if string(got[0].Value.B) != "abc" || got[1].Value.S != "def" {
		t.Errorf("decoded values alias the input: %v", got)
	}
}
