package catalog

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// Table describes a table.
type Table struct {
	ID       ID       `json:"id"`
	ParentID ID       `json:"parent_id"`
	Name     string   `json:"name"`
	Columns  []Column `json:"columns"`
	// PrimaryKey lists the positions in Columns of the primary key columns,
	// in key order.
	PrimaryKey []int `json:"primary_key"`
	// NextColumnID is the ID the next added column gets; IDs of dropped
	// columns are never reused (old rows may still hold their values).
	// Zero in descriptors written before it existed: then max ID + 1.
	NextColumnID rowenc.ColumnID `json:"next_column_id,omitempty"`
	// Checks are the CHECK constraints.
	Checks []Check `json:"checks,omitempty"`
	// Indexes are the secondary indexes (see index.go).
	Indexes []Index `json:"indexes,omitempty"`
	// NextIndexID is the ID the next index gets (zero: 2, the first after
	// the primary index). Index IDs are never reused.
	NextIndexID IndexID `json:"next_index_id,omitempty"`

	isKey []bool // isKey[i]: Columns[i] is in the primary key
}

// Check is a CHECK constraint: a row violates it when Expr (translated
// SQL text over the table's columns) is false.
type Check struct {
	Name string `json:"name"`
	Expr string `json:"expr"`
}

// Column describes a column.
type Column struct {
	ID      rowenc.ColumnID `json:"id"`
	Name    string          `json:"name"`
	Type    types.T         `json:"type"`
	NotNull bool            `json:"not_null,omitempty"`
	// Default is the DEFAULT expression as translated SQL text (the TiDB
	// dialect the front produces), or empty for NULL.
	Default string `json:"default,omitempty"`
	// Hidden columns (the rowid of a table without a primary key) are left
	// out of * and of INSERT without a column list.
	Hidden bool `json:"hidden,omitempty"`
}

// RowIDColumn is the name of the hidden key column of a table declared
// without a primary key.
const RowIDColumn = "rowid"

func (t *Table) init() {
	t.isKey = make([]bool, len(t.Columns))
	for _, i := range t.PrimaryKey {
		t.isKey[i] = true
	}
	t.initIndexes()
}

// Clone returns a deep copy of t that shares nothing mutable with it.
func (t *Table) Clone() *Table {
	c := *t
	c.Columns = slices.Clone(t.Columns)
	c.PrimaryKey = slices.Clone(t.PrimaryKey)
	c.Checks = slices.Clone(t.Checks)
	c.Indexes = slices.Clone(t.Indexes)
	for i := range c.Indexes {
		c.Indexes[i].ColumnIDs = slices.Clone(c.Indexes[i].ColumnIDs)
		c.Indexes[i].Desc = slices.Clone(c.Indexes[i].Desc)
	}
	c.init()
	return &c
}

// Init prepares a descriptor built by hand (not read from the catalog) for
// use before CreateTable stores it.
func (t *Table) Init() { t.init() }

// IsKey reports whether column i is part of the primary key.
func (t *Table) IsKey(i int) bool { return t.isKey[i] }

// AllocColumnID returns the ID for a new column.
func (t *Table) AllocColumnID() rowenc.ColumnID {
	if t.NextColumnID == 0 {
		for _, c := range t.Columns {
			t.NextColumnID = max(t.NextColumnID, c.ID)
		}
		t.NextColumnID++
	}
	id := t.NextColumnID
	t.NextColumnID++
	return id
}

// AddColumn appends a column (whose ID came from AllocColumnID).
func (t *Table) AddColumn(c Column) {
	t.Columns = append(t.Columns, c)
	t.init()
}

// DropColumn removes column i, which must not be part of the primary key.
func (t *Table) DropColumn(i int) {
	if t.NextColumnID == 0 {
		t.AllocColumnID()
		t.NextColumnID--
	}
	t.Columns = append(t.Columns[:i:i], t.Columns[i+1:]...)
	for k, p := range t.PrimaryKey {
		if p > i {
			t.PrimaryKey[k] = p - 1
		}
	}
	t.init()
}

// ColumnIndex returns the position of the named column, or -1.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// PKName is the name of the primary key constraint, as PostgreSQL names it.
func (t *Table) PKName() string { return t.Name + "_pkey" }

func (t *Table) tableSpanStart() []byte {
	return rowenc.AppendKey([]byte{tablePrefix}, rowenc.Int(int64(t.ID)), rowenc.Ascending)
}

// IndexPrefix is the prefix of every key of the primary index.
func (t *Table) IndexPrefix() []byte {
	return rowenc.AppendKey(t.tableSpanStart(), rowenc.Int(PrimaryIndexID), rowenc.Ascending)
}

// AppendKeyValues appends the key encoding of vals (values of the first
// len(vals) primary key columns) to dst.
func AppendKeyValues(dst []byte, vals []rowenc.Value) []byte {
	for _, v := range vals {
		dst = rowenc.AppendKey(dst, v, rowenc.Ascending)
	}
	return dst
}

// EncodeKey returns the primary index key of row (values in column order).
func (t *Table) EncodeKey(row []rowenc.Value) []byte {
	k := t.IndexPrefix()
	for _, i := range t.PrimaryKey {
		k = rowenc.AppendKey(k, row[i], rowenc.Ascending)
	}
	return k
}

// EncodeValue returns the row value of row's non-key columns.
func (t *Table) EncodeValue(row []rowenc.Value) ([]byte, error) {
	cols := make([]rowenc.ColumnValue, 0, len(row))
	for i, c := range t.Columns {
		if !t.isKey[i] {
			cols = append(cols, rowenc.ColumnValue{ID: c.ID, Value: row[i]})
		}
	}
	return rowenc.AppendRow(nil, cols)
}

// Decode fills row (len(t.Columns)) from a primary index entry.
func (t *Table) Decode(key, value []byte, row []rowenc.Value) error {
	rest := key[len(t.IndexPrefix()):]
	for _, i := range t.PrimaryKey {
		v, _, r, err := rowenc.DecodeKey(rest)
		if err != nil {
			return err
		}
		row[i], rest = fromKey(t.Columns[i].Type, v), r
	}
	var ids []rowenc.ColumnID
	var pos []int
	for i, c := range t.Columns {
		if !t.isKey[i] {
			ids = append(ids, c.ID)
			pos = append(pos, i)
		}
	}
	vals := make([]rowenc.Value, len(ids))
	if err := rowenc.DecodeRowInto(value, ids, vals); err != nil {
		return err
	}
	for j, i := range pos {
		row[i] = vals[j]
	}
	return nil
}

// KeyDetail renders the primary key of row as PostgreSQL's unique violation
// detail does: "Key (a, b)=(1, x) already exists.".
func (t *Table) KeyDetail(row []rowenc.Value) string {
	names := make([]string, len(t.PrimaryKey))
	vals := make([]string, len(t.PrimaryKey))
	for j, i := range t.PrimaryKey {
		names[j] = t.Columns[i].Name
		vals[j] = types.FormatText(t.Columns[i].Type, row[i])
	}
	return fmt.Sprintf("Key (%s)=(%s) already exists.", strings.Join(names, ", "), strings.Join(vals, ", "))
}

// UniqueRowID returns an id for a hidden rowid column: the transaction's
// timestamp in milliseconds in the high bits, for rough insertion order,
// and 22 random bits. Callers insert with txn.Insert and draw again on the
// (improbable) collision.
func UniqueRowID(ts clock.Timestamp) int64 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	ms := ts.WallTime / 1e6
	return (ms&(1<<41-1))<<22 | int64(binary.LittleEndian.Uint32(b[:])&(1<<22-1))
}
