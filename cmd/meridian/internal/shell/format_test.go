package shell

import (
	"strings"
	"testing"
)

func str(s string) *string { return &s }

// The golden strings below are psql 15's output for the same results.
func TestWriteAligned(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    table
		want string
	}{
		{
			name: "text number null",
			t: table{cols: []string{"id", "name", "n", "z"}, numeric: []bool{true, false, true, false},
				rows: [][]*string{{str("1"), str("alice"), str("2.5"), nil}}},
			want: " id | name  |  n  | z \n" +
				"----+-------+-----+---\n" +
				"  1 | alice | 2.5 | \n" +
				"(1 row)\n\n",
		},
		{
			name: "multi-line value",
			t: table{cols: []string{"multi", "x", "h"}, numeric: []bool{false, true, false},
				rows: [][]*string{{str("a\nbcd"), str("1"), str("long header name")}}},
			want: " multi | x |        h         \n" +
				"-------+---+------------------\n" +
				" a    +| 1 | long header name\n" +
				" bcd   |   | \n" +
				"(1 row)\n\n",
		},
		{
			name: "numbers right-aligned",
			t: table{cols: []string{"a", "bbbbbb", "c"}, numeric: []bool{true, false, true},
				rows: [][]*string{{str("1"), str("x"), str("10")}, {str("22"), nil, str("3")}}},
			want: " a  | bbbbbb | c  \n" +
				"----+--------+----\n" +
				"  1 | x      | 10\n" +
				" 22 |        |  3\n" +
				"(2 rows)\n\n",
		},
		{
			name: "no rows",
			t:    table{cols: []string{"?column?"}, numeric: []bool{true}},
			want: " ?column? \n" +
				"----------\n" +
				"(0 rows)\n\n",
		},
		{
			name: "no columns",
			t:    table{rows: [][]*string{{}}},
			want: "--\n(1 row)\n\n",
		},
		{
			name: "unicode widths",
			t: table{cols: []string{"ünï", "b"}, numeric: []bool{false, false},
				rows: [][]*string{{str("x"), str("ä")}}},
			want: " ünï | b \n" +
				"-----+---\n" +
				" x   | ä\n" +
				"(1 row)\n\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			writeAligned(&b, &tc.t, "")
			if got := b.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestWriteAlignedTitle(t *testing.T) {
	var b strings.Builder
	writeAligned(&b, &table{cols: []string{"Schema", "Name", "Type"}, numeric: make([]bool, 3),
		rows: [][]*string{{str("public"), str("t"), str("table")}}}, "List of relations")
	want := "   List of relations\n" +
		" Schema | Name | Type  \n" +
		"--------+------+-------\n" +
		" public | t    | table\n" +
		"(1 row)\n\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteExpanded(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    table
		want string
	}{
		{
			name: "label longer than record",
			t: table{cols: []string{"id", "name", "z", "m"}, numeric: []bool{true, false, false, false},
				rows: [][]*string{{str("1"), str("alice"), nil, str("a\nb")}}},
			want: "-[ RECORD 1 ]\n" +
				"id   | 1\n" +
				"name | alice\n" +
				"z    | \n" +
				"m    | a    +\n" +
				"     | b\n" +
				"\n",
		},
		{
			name: "long value",
			t: table{cols: []string{"id", "name"}, numeric: []bool{true, false},
				rows: [][]*string{{str("1"), str("alice and bob and carol")}}},
			want: "-[ RECORD 1 ]-----------------\n" +
				"id   | 1\n" +
				"name | alice and bob and carol\n" +
				"\n",
		},
		{
			name: "long name",
			t: table{cols: []string{"a", "bbbbbbbbbbbbbbbbbbbbbb"}, numeric: []bool{true, true},
				rows: [][]*string{{str("1"), str("2")}}},
			want: "-[ RECORD 1 ]----------+--\n" +
				"a                      | 1\n" +
				"bbbbbbbbbbbbbbbbbbbbbb | 2\n" +
				"\n",
		},
		{
			name: "two records",
			t: table{cols: []string{"a"}, numeric: []bool{true},
				rows: [][]*string{{str("1")}, {str("2")}}},
			want: "-[ RECORD 1 ]\n" +
				"a | 1\n" +
				"-[ RECORD 2 ]\n" +
				"a | 2\n" +
				"\n",
		},
		{
			name: "no rows",
			t:    table{cols: []string{"a"}, numeric: []bool{true}},
			want: "(0 rows)\n\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			writeExpanded(&b, &tc.t)
			if got := b.String(); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
