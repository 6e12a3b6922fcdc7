package rowenc

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"testing"
	"time"
)

func TestKeyLayout(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		dir  Direction
		want string
	}{
		{Null(), Ascending, "fe"},
		{Null(), Descending, "01"},
		{Bool(false), Ascending, "10"},
		{Bool(true), Ascending, "11"},
		{Bool(true), Descending, "ee"},
		{Int(0), Ascending, "208000000000000000"},
		{Int(-1), Ascending, "207fffffffffffffff"},
		{Int(math.MinInt64), Ascending, "200000000000000000"},
		{Int(math.MaxInt64), Ascending, "20ffffffffffffffff"},
		{Int(1), Descending, "df7ffffffffffffffe"},
		{Float(0), Ascending, "308000000000000000"},
		{Float(math.Copysign(0, -1)), Ascending, "308000000000000000"},
		{Float(1), Ascending, "30bff0000000000000"},
		{Float(-1), Ascending, "30400fffffffffffff"},
		{Float(math.Inf(1)), Ascending, "30fff0000000000000"},
		{Float(math.Inf(-1)), Ascending, "30000fffffffffffff"},
		{Float(math.NaN()), Ascending, "30fff8000000000000"},
		{Float(math.Float64frombits(0xFFFF00000000000F)), Ascending, "30fff8000000000000"},
		{Timestamp(0), Ascending, "408000000000000000"},
		{String(""), Ascending, "500001"},
		{String(""), Descending, "affffe"},
		{String("a\x00b"), Ascending, "506100ff620001"},
		{String("a\x00b"), Descending, "af9eff009dfffe"},
		{Bytes([]byte{0xff, 0}), Ascending, "60ff00ff0001"},
	} {
		got := AppendKey(nil, tc.v, tc.dir)
		want, err := hex.DecodeString(tc.want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("AppendKey(%v, %v) = %x, want %x", tc.v, tc.dir, got, want)
		}
	}
}

func TestKeyOrderEdgeValues(t *testing.T) {
	vals := edgeValues()
	for _, dir := range []Direction{Ascending, Descending} {
		for i, a := range vals {
			ka := AppendKey(nil, a, dir)
			for j, b := range vals {
				kb := AppendKey(nil, b, dir)
				want := Compare(a, b)
				if dir == Descending {
					want = -want
				}
				if got := sign(bytes.Compare(ka, kb)); got != want {
					t.Errorf("%v: cmp(key(%v), key(%v)) = %d, want %d", dir, a, b, got, want)
				}
				// The list is sorted: Compare must agree with list order.
				if c := Compare(a, b); (i < j && c > 0) || (i > j && c < 0) {
					t.Errorf("Compare(%v, %v) = %d contradicts list order", a, b, c)
				}
			}
		}
	}
}

func TestCompareFloatSemantics(t *testing.T) {
	nan := Float(math.NaN())
	if Compare(nan, nan) != 0 || Compare(nan, Float(math.Inf(1))) != 1 || Compare(Float(math.Inf(1)), nan) != -1 {
		t.Error("NaN must equal NaN and sort above +Inf")
	}
	if Compare(Float(math.Copysign(0, -1)), Float(0)) != 0 {
		t.Error("-0 must equal 0")
	}
	if Compare(Null(), Int(math.MaxInt64)) != 1 || Compare(Null(), Null()) != 0 {
		t.Error("NULL must sort last and equal NULL")
	}
}

func TestKeyRoundTripEdgeValues(t *testing.T) {
	for _, v := range edgeValues() {
		for _, dir := range []Direction{Ascending, Descending} {
			k := AppendKey([]byte("prefix"), v, dir)
			k = append(k, "tail"...)
			got, gotDir, rest, err := DecodeKey(k[len("prefix"):])
			if err != nil {
				t.Fatalf("DecodeKey(%x) of %v %v: %v", k, v, dir, err)
			}
			if Compare(got, v) != 0 || got.Kind != v.Kind || gotDir != dir || string(rest) != "tail" {
				t.Errorf("round trip of %v %v: got %v %v rest %q", v, dir, got, gotDir, rest)
			}
			if n, err := KeyLength(k[len("prefix"):]); err != nil || n != len(k)-len("prefix")-len("tail") {
				t.Errorf("KeyLength of %v %v = %d, %v", v, dir, n, err)
			}
		}
	}
}

func TestCompositeKey(t *testing.T) {
	dirs := []Direction{Ascending, Descending, Ascending}
	tuples := [][]Value{ // sorted under dirs; NULL is first in the DESC column
		{Int(1), Null(), Int(0)},
		{Int(1), String("b"), Null()},
		{Int(1), String("a"), Int(5)},
		{Int(1), String("a"), Null()},
		{Int(2), String("z"), Int(0)},
		{Null(), String(""), Int(0)},
	}
	var keys [][]byte
	for _, tup := range tuples {
		var k []byte
		for i, v := range tup {
			k = AppendKey(k, v, dirs[i])
		}
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Errorf("key of %v (%x) not below key of %v (%x)", tuples[i-1], keys[i-1], tuples[i], keys[i])
		}
	}
	// Decode a composite key back into its columns without a schema.
	rest := keys[2]
	for i, want := range tuples[2] {
		var v Value
		var dir Direction
		var err error
		v, dir, rest, err = DecodeKey(rest)
		if err != nil || Compare(v, want) != 0 || dir != dirs[i] {
			t.Fatalf("column %d: got %v %v %v, want %v %v", i, v, dir, err, want, dirs[i])
		}
	}
	if len(rest) != 0 {
		t.Errorf("leftover %x", rest)
	}
}

func TestDecodeKeyCorrupt(t *testing.T) {
	for _, tc := range []string{
		"",
		"00",
		"ff",
		"12",
		"20",                 // truncated int
		"2000000000000000",   // 7 bytes
		"307fffffffffffffff", // -0 spelled out
		"30fff8000000000001", // non-canonical NaN
		"30000800000000000f", // negative NaN spelled out
		"50",                 // unterminated string
		"5061",               // unterminated string
		"506100",             // truncated escape
		"50610002",           // invalid escape
		"af9e",               // unterminated descending
		"afff01",             // invalid descending escape
	} {
		b, err := hex.DecodeString(tc)
		if err != nil {
			t.Fatal(err)
		}
		if v, _, _, err := DecodeKey(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("DecodeKey(%s) = %v, %v; want ErrCorrupt", tc, v, err)
		}
		if _, err := KeyLength(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("KeyLength(%s) = %v; want ErrCorrupt", tc, err)
		}
	}
}

func TestDecodedKeyDoesNotAlias(t *testing.T) {
	k := AppendKey(nil, Bytes([]byte("abc")), Ascending)
	v, _, _, err := DecodeKey(k)
	if err != nil {
		t.Fatal(err)
	}
	k[1] = 'z'
	if string(v.B) != "abc" {
		t.Errorf("decoded bytes alias the key: %q", v.B)
	}
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct{ in, want []byte }{
		{nil, nil},
		{[]byte{0xff, 0xff}, nil},
		{[]byte{1}, []byte{2}},
		{[]byte{1, 0xff}, []byte{2}},
		{[]byte{1, 2, 0xff, 0xff}, []byte{1, 3}},
	} {
		in := append([]byte(nil), tc.in...)
		if got := PrefixEnd(in); !bytes.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", tc.in, got, tc.want)
		}
		if !bytes.Equal(in, tc.in) {
			t.Errorf("PrefixEnd modified its input")
		}
	}
	// Every key extending a prefix falls in [prefix, PrefixEnd(prefix)).
	prefix := AppendKey([]byte{0x88}, Int(7), Ascending)
	end := PrefixEnd(prefix)
	for _, v := range edgeValues() {
		for _, dir := range []Direction{Ascending, Descending} {
			k := AppendKey(append([]byte(nil), prefix...), v, dir)
			if bytes.Compare(k, prefix) < 0 || bytes.Compare(k, end) >= 0 {
				t.Errorf("key %x outside [%x, %x)", k, prefix, end)
			}
		}
	}
}

func TestTimestampFromTime(t *testing.T) {
	tm := time.Date(2024, 2, 29, 12, 34, 56, 789123456, time.FixedZone("x", 3600))
	v := TimestampFromTime(tm)
	if v.Kind != KindTimestamp || v.I != tm.UnixNano()/1000 {
		t.Fatalf("TimestampFromTime = %v", v)
	}
	if want := tm.Truncate(time.Microsecond).UTC(); !v.Time().Equal(want) || v.Time().Location() != time.UTC {
		t.Errorf("Time() = %v, want %v", v.Time(), want)
	}
	// Before the epoch, truncation is towards the past.
	pre := time.Unix(-1, 999_999_999) // 1969-12-31T23:59:59.999999999
	if got := TimestampFromTime(pre).I; got != -1 {
		t.Errorf("pre-epoch micros = %d, want -1", got)
	}
}

func TestAppendKeyPanicsOnInvalidInput(t *testing.T) {
	for name, f := range map[string]func(){
		"kind":      func() { AppendKey(nil, Value{Kind: numKinds}, Ascending) },
		"direction": func() { AppendKey(nil, Int(1), Direction(2)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
