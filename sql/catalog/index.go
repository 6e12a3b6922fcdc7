package catalog

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
)

// IndexID identifies an index within its table. The primary index is 1.
type IndexID uint32

// Index is a secondary index of a table. Its entries are laid out as
// doc.go draws them; EncodeIndexEntry and DecodeIndexEntry are the only
// code that knows the layout.
type Index struct {
	ID     IndexID `json:"id"`
	Name   string  `json:"name"`
	Unique bool    `json:"unique,omitempty"`
	// ColumnIDs are the indexed columns in key order, by ID (stable across
	// DROP COLUMN, unlike positions).
	ColumnIDs []rowenc.ColumnID `json:"column_ids"`
	// Desc[j] says column j is stored descending; nil means all ascending.
	Desc []bool `json:"desc,omitempty"`
	// Constraint says the index backs a UNIQUE constraint declared in
	// CREATE TABLE: DROP INDEX refuses it, as PostgreSQL does.
	Constraint bool `json:"constraint,omitempty"`

	cols []int // positions in Table.Columns of ColumnIDs, set by init
}

// Cols returns the positions in the table's Columns of the indexed
// columns, in key order.
func (ix *Index) Cols() []int { return ix.cols }

// Dir returns the direction of indexed column j.
func (ix *Index) Dir(j int) rowenc.Direction {
	if j < len(ix.Desc) && ix.Desc[j] {
		return rowenc.Descending
	}
	return rowenc.Ascending
}

func (t *Table) initIndexes() {
	for k := range t.Indexes {
		ix := &t.Indexes[k]
		ix.cols = make([]int, len(ix.ColumnIDs))
		for j, id := range ix.ColumnIDs {
			ix.cols[j] = -1
			for i, c := range t.Columns {
				if c.ID == id {
					ix.cols[j] = i
				}
			}
		}
	}
}

// IndexByName returns the named index of t, or nil.
func (t *Table) IndexByName(name string) *Index {
	for k := range t.Indexes {
		if t.Indexes[k].Name == name {
			return &t.Indexes[k]
		}
	}
	return nil
}

// AddIndex gives ix an ID and appends it; the caller stores the
// descriptor (and, for a table already created, registers the name with
// CreateIndexName and backfills).
func (t *Table) AddIndex(ix Index) *Index {
	if t.NextIndexID == 0 {
		t.NextIndexID = PrimaryIndexID + 1
		for _, o := range t.Indexes {
			t.NextIndexID = max(t.NextIndexID, o.ID+1)
		}
	}
	ix.ID = t.NextIndexID
	t.NextIndexID++
	t.Indexes = append(t.Indexes, ix)
	t.init()
	return &t.Indexes[len(t.Indexes)-1]
}

// IndexesOnColumn returns the names of the indexes that include column i.
func (t *Table) IndexesOnColumn(i int) []string {
	var out []string
	for k := range t.Indexes {
		for _, c := range t.Indexes[k].cols {
			if c == i {
				out = append(out, t.Indexes[k].Name)
				break
			}
		}
	}
	return out
}

// IndexPrefixOf is the prefix of every entry of index ix.
func (t *Table) IndexPrefixOf(ix *Index) []byte {
	return rowenc.AppendKey(t.tableSpanStart(), rowenc.Int(int64(ix.ID)), rowenc.Ascending)
}

// EncodeIndexEntry returns the entry of row (values in column order) in
// ix. unique reports that the key holds only the indexed columns, so a
// second row with the same values would collide with it: the caller writes
// it with txn.Insert to enforce the constraint. Other entries carry the
// primary key in the key and never collide.
func (t *Table) EncodeIndexEntry(ix *Index, row []rowenc.Value) (key, value []byte, unique bool) {
	key = t.IndexPrefixOf(ix)
	hasNull := false
	for j, ci := range ix.cols {
		hasNull = hasNull || row[ci].IsNull()
		key = rowenc.AppendKey(key, row[ci], ix.Dir(j))
	}
	var pk []byte
	for _, i := range t.PrimaryKey {
		pk = rowenc.AppendKey(pk, row[i], rowenc.Ascending)
	}
	if !ix.Unique || hasNull {
		key = append(key, pk...)
	}
	if ix.Unique {
		value = pk
	} else {
		value = []byte{}
	}
	return key, value, ix.Unique && !hasNull
}

// DecodeIndexEntry fills the indexed and primary key columns of row
// (len(t.Columns)) from an entry of ix; other columns are left alone.
func (t *Table) DecodeIndexEntry(ix *Index, key, value []byte, row []rowenc.Value) error {
	rest := key[len(t.IndexPrefixOf(ix)):]
	for _, ci := range ix.cols {
		v, _, r, err := rowenc.DecodeKey(rest)
		if err != nil {
			return err
		}
		row[ci], rest = fromKey(t.Columns[ci].Type, v), r
	}
	if ix.Unique {
		rest = value
	}
	for _, i := range t.PrimaryKey {
		v, _, r, err := rowenc.DecodeKey(rest)
		if err != nil {
			return err
		}
		row[i], rest = fromKey(t.Columns[i].Type, v), r
	}
	return nil
}

// IndexDetail renders the indexed columns of row as PostgreSQL's unique
// violation detail does: "Key (a, b)=(1, x) already exists.".
func (t *Table) IndexDetail(ix *Index, row []rowenc.Value) string {
	names := make([]string, len(ix.cols))
	vals := make([]string, len(ix.cols))
	for j, i := range ix.cols {
		names[j] = t.Columns[i].Name
		vals[j] = types.FormatText(t.Columns[i].Type, row[i])
	}
	return fmt.Sprintf("Key (%s)=(%s) already exists.", strings.Join(names, ", "), strings.Join(vals, ", "))
}

// Index names share PostgreSQL's relation namespace with tables: an index
// cannot be named like a table or another index of the same database.
//
//	0x01 "idx" <database id> <index name> -> uvarint: table id

func idxNSKey(db ID, name string) []byte {
	return sysKey(rowenc.String("idx"), rowenc.Int(int64(db)), rowenc.String(name))
}

// RelationExists reports whether a table or an index of database db is
// named name.
func RelationExists(ctx context.Context, tx txn.Txn, db ID, name string) (bool, error) {
	if _, found, err := lookupID(ctx, tx, db, name); err != nil || found {
		return found, err
	}
	_, found, err := tx.Get(ctx, idxNSKey(db, name))
	return found, err
}

// CreateIndexName registers the name of an index of t, or fails with
// 42P07 when a table or index already has it.
func CreateIndexName(ctx context.Context, tx txn.Txn, t *Table, name string) error {
	if _, found, err := lookupID(ctx, tx, t.ParentID, name); err != nil {
		return err
	} else if found {
		return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", name)
	}
	if err := tx.Insert(ctx, idxNSKey(t.ParentID, name), binary.AppendUvarint(nil, uint64(t.ID))); err != nil {
		if errors.Is(err, txn.ErrKeyExists) {
			return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", name)
		}
		return err
	}
	return nil
}

// FreeIndexName returns base, or base with the smallest number appended
// that names no relation of t's database and no index of t, as PostgreSQL
// picks names for constraints it names itself.
func FreeIndexName(ctx context.Context, tx txn.Txn, t *Table, base string) (string, error) {
	for n := 0; ; n++ {
		name := base
		if n > 0 {
			name = fmt.Sprintf("%s%d", base, n)
		}
		if t.IndexByName(name) != nil || name == t.Name {
			continue
		}
		taken, err := RelationExists(ctx, tx, t.ParentID, name)
		if err != nil {
			return "", err
		}
		if !taken {
			return name, nil
		}
	}
}

// LookupIndex returns the table holding the named index of database db,
// and the index, or nils.
func LookupIndex(ctx context.Context, tx txn.Txn, db ID, name string) (*Table, *Index, error) {
	v, found, err := tx.Get(ctx, idxNSKey(db, name))
	if err != nil || !found {
		return nil, nil, err
	}
	n, k := binary.Uvarint(v)
	if k <= 0 {
		return nil, nil, fmt.Errorf("%w: index namespace entry of %q", rowenc.ErrCorrupt, name)
	}
	d, err := readDesc(ctx, tx, ID(n))
	if err != nil {
		return nil, nil, err
	}
	if d.Table == nil || d.Table.IndexByName(name) == nil {
		return nil, nil, fmt.Errorf("%w: index %q names descriptor %d without it", rowenc.ErrCorrupt, name, n)
	}
	return d.Table, d.Table.IndexByName(name), nil
}

// DropIndex removes index name of t: its entries, its name and its place
// in t.Indexes. The caller stores t.
func DropIndex(ctx context.Context, tx txn.Txn, t *Table, name string) error {
	ix := t.IndexByName(name)
	if ix == nil {
		return fmt.Errorf("%w: table %q has no index %q", rowenc.ErrCorrupt, t.Name, name)
	}
	p := t.IndexPrefixOf(ix)
	if _, err := tx.DeleteRange(ctx, p, rowenc.PrefixEnd(p)); err != nil {
		return err
	}
	if err := tx.Delete(ctx, idxNSKey(t.ParentID, name)); err != nil {
		return err
	}
	kept := t.Indexes[:0]
	for _, o := range t.Indexes {
		if o.Name != name {
			kept = append(kept, o)
		}
	}
	t.Indexes = kept
	t.init()
	return nil
}

// TruncateTable deletes every row of t and every index entry.
func TruncateTable(ctx context.Context, tx txn.Txn, t *Table) error {
	start := t.tableSpanStart()
	_, err := tx.DeleteRange(ctx, start, rowenc.PrefixEnd(start))
	return err
}

// dropIndexNames removes the index names of t (DROP TABLE).
func dropIndexNames(ctx context.Context, tx txn.Txn, t *Table) error {
	for _, ix := range t.Indexes {
		if err := tx.Delete(ctx, idxNSKey(t.ParentID, ix.Name)); err != nil {
			return err
		}
	}
	return nil
}

// createIndexNames registers the names of the indexes a new table is
// created with.
func createIndexNames(ctx context.Context, tx txn.Txn, t *Table) error {
	for _, ix := range t.Indexes {
		if err := CreateIndexName(ctx, tx, t, ix.Name); err != nil {
			return err
		}
	}
	return nil
}

// checkNotIndexName fails with 42P07 when an index of database db is
// named name (a table may not take an index's name).
func checkNotIndexName(ctx context.Context, tx txn.Txn, db ID, name string) error {
	_, found, err := tx.Get(ctx, idxNSKey(db, name))
	if err != nil {
		return err
	}
	if found {
		return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", name)
	}
	return nil
}
