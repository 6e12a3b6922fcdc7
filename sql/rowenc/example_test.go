package rowenc_test

import (
	"bytes"
	"fmt"

	"github.com/meridiandb/meridian/sql/rowenc"
)

// A composite primary key (id ASC, name DESC) is the concatenation of its
// columns' encodings, and sorts as the tuples do.
func ExampleAppendKey() {
	key := func(id int64, name rowenc.Value) []byte {
		k := []byte{0x88} // the table/index prefix, chosen by the caller
		k = rowenc.AppendKey(k, rowenc.Int(id), rowenc.Ascending)
		return rowenc.AppendKey(k, name, rowenc.Descending)
	}
	a := key(1, rowenc.String("bob"))
	b := key(1, rowenc.String("alice")) // DESC: "alice" after "bob"
	c := key(1, rowenc.Null())          // DESC: NULL first
	fmt.Println(bytes.Compare(c, a), bytes.Compare(a, b))

	rest := b[1:]
	for len(rest) > 0 {
		var v rowenc.Value
		var dir rowenc.Direction
		var err error
		if v, dir, rest, err = rowenc.DecodeKey(rest); err != nil {
			panic(err)
		}
		fmt.Println(v, dir)
	}
	// Output:
	// -1 -1
	// 1 ASC
	// "alice" DESC
}

// Row values hold the non-key columns by ID; decoding against a later schema
// yields NULL for added columns and skips dropped ones.
func ExampleDecodeRowInto() {
	row, err := rowenc.AppendRow(nil, []rowenc.ColumnValue{
		{ID: 2, Value: rowenc.String("x")},
		{ID: 3, Value: rowenc.Int(7)}, // later dropped
		{ID: 4, Value: rowenc.Null()}, // omitted from the encoding
	})
	if err != nil {
		panic(err)
	}
	out := make([]rowenc.Value, 3)
	if err := rowenc.DecodeRowInto(row, []rowenc.ColumnID{2, 4, 5}, out); err != nil {
		panic(err)
	}
	fmt.Printf("%x %v\n", row, out)
	// Output: 01260178130e ["x" NULL NULL]
}
