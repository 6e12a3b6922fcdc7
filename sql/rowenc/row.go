package rowenc

import (
	"encoding/binary"
	"fmt"
	"math"
)

// ColumnID identifies a column of a table for the life of the table; IDs are
// never reused, so a row written before a column was dropped or added still
// decodes against the current schema.
type ColumnID uint32

// ColumnValue is one column of a row value.
type ColumnValue struct {
	ID    ColumnID
	Value Value
}

// rowFormatV1 is the first byte of every row value. It makes the encoding of
// a row whose columns are all NULL non-empty (the KV layer may treat an empty
// value as a deletion) and leaves room for a later format.
const rowFormatV1 byte = 0x01

// Row value type tags (low 4 bits of a column header). Tag 0 and 9–15 are
// reserved and rejected by the decoder.
const (
	tagFalse     = 1 // no payload
	tagTrue      = 2 // no payload
	tagInt       = 3 // zigzag varint
	tagFloat     = 4 // 8 bytes little-endian IEEE 754 bits, exact (-0, NaN payloads kept)
	tagTimestamp = 5 // zigzag varint of microseconds since the epoch
	tagString    = 6 // uvarint length, bytes
	tagBytes     = 7 // uvarint length, bytes
	tagDecimal   = 8 // uvarint length, decimal text (canonical, see decimal.go)
	tagBits      = 4
)

// AppendRow appends the row value encoding of cols to dst and returns the
// extended slice. cols must be in strictly increasing ID order; otherwise
// AppendRow returns an error and dst unchanged. NULL columns are omitted.
//
// Layout:
//
//	0x01                                  format version (rowFormatV1)
//	then, for each non-NULL column in increasing ID order:
//	uvarint( delta<<4 | tag )             column header
//	payload                               depends on tag
//
// delta is the column's ID minus the previous encoded column's ID (for the
// first column, the ID itself), so it is ≥ 1 after the first column. Tags
// and payloads:
//
//	1 false       (none)
//	2 true        (none)
//	3 INT         varint (zigzag) of the int64
//	4 FLOAT       8 bytes little-endian of math.Float64bits (exact bits)
//	5 TIMESTAMP   varint (zigzag) of microseconds since the epoch
//	6 STRING      uvarint length | bytes
//	7 BYTES       uvarint length | bytes
//
// Varints are encoding/binary's, always minimal; the decoder rejects longer
// spellings so that every row has exactly one encoding.
//
// HAZARD: a missing column decodes as NULL, and an explicit NULL is encoded
// as a missing column. A column added with a non-NULL default therefore
// cannot tell "written before the column existed" from "written as NULL";
// the schema-change code must backfill the default into existing rows (as
// PostgreSQL and CockroachDB do) rather than supply it on read.
func AppendRow(dst []byte, cols []ColumnValue) ([]byte, error) {
	for i := 1; i < len(cols); i++ {
		if cols[i].ID <= cols[i-1].ID {
			return dst, fmt.Errorf("rowenc: AppendRow: column IDs not strictly increasing (%d after %d)",
				cols[i].ID, cols[i-1].ID)
		}
	}
	orig := len(dst)
	dst = append(dst, rowFormatV1)
	var prev ColumnID
	for _, c := range cols {
		v := c.Value
		var tag uint64
		switch v.Kind {
		case KindNull:
			continue
		case KindBool:
			tag = tagFalse
			if v.I != 0 {
				tag = tagTrue
			}
		case KindInt:
			tag = tagInt
		case KindFloat:
			tag = tagFloat
		case KindTimestamp:
			tag = tagTimestamp
		case KindString:
			tag = tagString
		case KindBytes:
			tag = tagBytes
		case KindDecimal:
			tag = tagDecimal
		default:
			return dst[:orig], fmt.Errorf("rowenc: AppendRow: column %d has invalid kind %d", c.ID, v.Kind)
		}
		dst = binary.AppendUvarint(dst, uint64(c.ID-prev)<<tagBits|tag)
		prev = c.ID
		switch v.Kind {
		case KindInt, KindTimestamp:
			dst = binary.AppendVarint(dst, v.I)
		case KindFloat:
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v.F))
		case KindString, KindDecimal:
			dst = binary.AppendUvarint(dst, uint64(len(v.S)))
			dst = append(dst, v.S...)
		case KindBytes:
			dst = binary.AppendUvarint(dst, uint64(len(v.B)))
			dst = append(dst, v.B...)
		}
	}
	return dst, nil
}

// RowDecoder iterates over the columns of an encoded row value. Use it as
//
//	d := rowenc.NewRowDecoder(b)
//	for d.Next() {
//		id, v := d.Column()
//	}
//	if err := d.Err(); err != nil { ... }
//
// Values it returns never alias b. It never panics, whatever b holds.
type RowDecoder struct {
	b       []byte // undecoded rest
	off     int    // offset of b in the original input, for error messages
	started bool
	first   bool
	id      ColumnID
	v       Value
	err     error
}

// NewRowDecoder returns a decoder over the row value b.
func NewRowDecoder(b []byte) RowDecoder {
	return RowDecoder{b: b}
}

// Next decodes the next column and reports whether there was one. It
// returns false at the end of the row or on an error (see Err).
func (d *RowDecoder) Next() bool {
	if d.err != nil {
		return false
	}
	if !d.started {
		d.started, d.first = true, true
		if len(d.b) == 0 {
			d.err = corruptf("row: empty value")
			return false
		}
		if d.b[0] != rowFormatV1 {
			d.err = corruptf("row: unknown format version 0x%02x", d.b[0])
			return false
		}
		d.advance(1)
	}
	if len(d.b) == 0 {
		return false
	}
	hdr, ok := d.uvarint()
	if !ok {
		return false
	}
	delta, tag := hdr>>tagBits, hdr&(1<<tagBits-1)
	if delta == 0 && !d.first {
		d.err = corruptf("row: repeated column %d at offset %d", d.id, d.off)
		return false
	}
	if delta > math.MaxUint32-uint64(d.id) {
		d.err = corruptf("row: column ID overflow at offset %d", d.off)
		return false
	}
	d.first = false
	d.id += ColumnID(delta)
	switch tag {
	case tagFalse:
		d.v = Bool(false)
	case tagTrue:
		d.v = Bool(true)
	case tagInt, tagTimestamp:
		i, ok := d.varint()
		if !ok {
			return false
		}
		if tag == tagInt {
			d.v = Int(i)
		} else {
			d.v = Timestamp(i)
		}
	case tagFloat:
		if len(d.b) < 8 {
			d.err = corruptf("row: truncated float at offset %d", d.off)
			return false
		}
		d.v = Float(math.Float64frombits(binary.LittleEndian.Uint64(d.b)))
		d.advance(8)
	case tagString, tagBytes, tagDecimal:
		n, ok := d.uvarint()
		if !ok {
			return false
		}
		if n > uint64(len(d.b)) {
			d.err = corruptf("row: length %d exceeds the %d bytes left at offset %d", n, len(d.b), d.off)
			return false
		}
		p := d.b[:n]
		if tag == tagString {
			d.v = String(string(p))
		} else if tag == tagDecimal {
			v, err := decodeDecimalText(p)
			if err != nil {
				d.err = corruptf("row: decimal at offset %d: %v", d.off, err)
				return false
			}
			d.v = v
		} else {
			d.v = Bytes(append([]byte{}, p...))
		}
		d.advance(int(n))
	default:
		d.err = corruptf("row: unknown type tag %d at offset %d", tag, d.off)
		return false
	}
	return true
}

// Column returns the column decoded by the last successful Next.
func (d *RowDecoder) Column() (ColumnID, Value) { return d.id, d.v }

// Err returns the error that stopped Next, wrapping ErrCorrupt, or nil.
func (d *RowDecoder) Err() error { return d.err }

func (d *RowDecoder) advance(n int) {
	d.b = d.b[n:]
	d.off += n
}

func (d *RowDecoder) uvarint() (uint64, bool) {
	u, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = corruptf("row: bad uvarint at offset %d", d.off)
		return 0, false
	}
	if n > 1 && d.b[n-1] == 0 {
		d.err = corruptf("row: non-minimal uvarint at offset %d", d.off)
		return 0, false
	}
	d.advance(n)
	return u, true
}

func (d *RowDecoder) varint() (int64, bool) {
	u, ok := d.uvarint() // same bytes; zigzag decode as encoding/binary.Varint does
	if !ok {
		return 0, false
	}
	i := int64(u >> 1)
	if u&1 != 0 {
		i = ^i
	}
	return i, true
}

// DecodeRow decodes every column of the row value b, appending them to dst
// in increasing ID order. On error it returns dst unchanged and an error
// wrapping ErrCorrupt.
func DecodeRow(dst []ColumnValue, b []byte) ([]ColumnValue, error) {
	orig := len(dst)
	d := NewRowDecoder(b)
	for d.Next() {
		id, v := d.Column()
		dst = append(dst, ColumnValue{ID: id, Value: v})
	}
	if err := d.Err(); err != nil {
		return dst[:orig], err
	}
	return dst, nil
}

// DecodeRowInto decodes the row value b against a schema: ids lists the
// table's current columns in strictly increasing order, and out[i] receives
// the value of column ids[i], or NULL if the row does not hold it (a column
// added after the row was written, or a NULL). Columns of the row that ids
// does not list (dropped columns) are skipped. len(out) must equal len(ids).
func DecodeRowInto(b []byte, ids []ColumnID, out []Value) error {
	if len(out) != len(ids) {
		return fmt.Errorf("rowenc: DecodeRowInto: %d outputs for %d columns", len(out), len(ids))
	}
	for i := range out {
		out[i] = Value{}
	}
	d := NewRowDecoder(b)
	j := 0
	for d.Next() {
		id, v := d.Column()
		for j < len(ids) && ids[j] < id {
			j++
		}
		if j < len(ids) && ids[j] == id {
			out[j] = v
			j++
		}
	}
	return d.Err()
}
