package catalog

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/txn"
)

// Sequences.
//
// A sequence is two system keys, apart from the table descriptors (so the
// table code never meets them):
//
//	/sys/"seqdesc"/<database id>/<name>  → JSON Sequence
//	/sys/"seqval"/<sequence id>          → varint: the last value reserved
//	                                       [0x00: not yet handed out]
//
// The value key is the only truth about which values were handed out:
// every node reserves a block of Cache values by advancing it in a
// transaction of its own that commits at once (see sql/sequence.go), so
// values stay unique across nodes and a rolled-back statement never gives
// a value back. A missing value key means nothing was reserved yet: the
// first value is Start. Sequence names share nothing with table names
// (PostgreSQL would refuse a sequence named like a table; Meridian does
// not check).

// Sequence describes a sequence.
type Sequence struct {
	ID        ID     `json:"id"`
	ParentID  ID     `json:"parent_id"`
	Name      string `json:"name"`
	Increment int64  `json:"increment"`
	Start     int64  `json:"start"`
	Min       int64  `json:"min"`
	Max       int64  `json:"max"`
	Cache     int64  `json:"cache"`
	Cycle     bool   `json:"cycle,omitempty"`
	// Type is the sequence's data type as PostgreSQL names it (smallint,
	// integer or bigint); empty is bigint (descriptors written before the
	// field existed).
	Type string `json:"type,omitempty"`
	// OwnerTable and OwnerColumn are the column that owns the sequence
	// (SERIAL, OWNED BY): the sequence is dropped with it. Zero is no
	// owner. IDs, not names, so that renaming the table or the column keeps
	// the link; Renumber carries it to a table's new ID.
	OwnerTable  ID              `json:"owner_table,omitempty"`
	OwnerColumn rowenc.ColumnID `json:"owner_column,omitempty"`
	// OwnedByTable and OwnedByColumn name the owning column in descriptors
	// written before OwnerTable existed (read only; see Owner).
	OwnedByTable  string `json:"owned_by_table,omitempty"`
	OwnedByColumn string `json:"owned_by_column,omitempty"`
}

// Owner returns the table and column index that own s among tables, or
// nil and -1 when nothing does (also when the owner was dropped).
func (s *Sequence) Owner(tables []*Table) (*Table, int) {
	for _, t := range tables {
		switch {
		case s.OwnerTable != 0 && t.ID == s.OwnerTable:
			for i, c := range t.Columns {
				if c.ID == s.OwnerColumn {
					return t, i
				}
			}
			return nil, -1
		case s.OwnerTable == 0 && s.OwnedByTable != "" && t.Name == s.OwnedByTable:
			if i := t.ColumnIndex(s.OwnedByColumn); i >= 0 {
				return t, i
			}
			return nil, -1
		}
	}
	return nil, -1
}

// SetOwner links s to column col of table t, or unlinks it when t is nil.
func (s *Sequence) SetOwner(t *Table, col int) {
	s.OwnedByTable, s.OwnedByColumn = "", ""
	s.OwnerTable, s.OwnerColumn = 0, 0
	if t != nil {
		s.OwnerTable, s.OwnerColumn = t.ID, t.Columns[col].ID
	}
}

func SequenceDescKey(db ID, name string) []byte {
	return sysKey(rowenc.String("seqdesc"), rowenc.Int(int64(db)), rowenc.String(name))
}

func seqDescPrefix(db ID) []byte {
	return sysKey(rowenc.String("seqdesc"), rowenc.Int(int64(db)))
}

// SequenceValueKey is the key holding the last value reserved from seq.
func SequenceValueKey(id ID) []byte {
	return sysKey(rowenc.String("seqval"), rowenc.Int(int64(id)))
}

// LookupSequence returns the named sequence of database db, or nil.
func LookupSequence(ctx context.Context, tx txn.Txn, db ID, name string) (*Sequence, error) {
	v, found, err := tx.Get(ctx, SequenceDescKey(db, name))
	if err != nil || !found {
		return nil, err
	}
	var s Sequence
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, fmt.Errorf("%w: sequence %q: %v", rowenc.ErrCorrupt, name, err)
	}
	return &s, nil
}

// ListSequences returns the sequences of database db in name order.
func ListSequences(ctx context.Context, tx txn.Txn, db ID) ([]*Sequence, error) {
	start := seqDescPrefix(db)
	kvs, err := tx.Scan(ctx, start, rowenc.PrefixEnd(start), txn.ScanOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*Sequence, 0, len(kvs))
	for _, kv := range kvs {
		var s Sequence
		if err := json.Unmarshal(kv.Value, &s); err != nil {
			return nil, fmt.Errorf("%w: sequence: %v", rowenc.ErrCorrupt, err)
		}
		out = append(out, &s)
	}
	return out, nil
}

// CreateSequence stores s, giving it an ID. The caller checked the name is
// free.
func CreateSequence(ctx context.Context, tx txn.Txn, s *Sequence) error {
	id, err := allocID(ctx, tx)
	if err != nil {
		return err
	}
	s.ID = id
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.Put(ctx, SequenceDescKey(s.ParentID, s.Name), b)
}

// UpdateSequence stores s's changed descriptor (its name and ID unchanged).
func UpdateSequence(ctx context.Context, tx txn.Txn, s *Sequence) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return tx.Put(ctx, SequenceDescKey(s.ParentID, s.Name), b)
}

// RenameSequence moves s's descriptor to name (its ID, and so its value
// key, stay). The caller checked the name is free.
func RenameSequence(ctx context.Context, tx txn.Txn, s *Sequence, name string) error {
	if err := tx.Delete(ctx, SequenceDescKey(s.ParentID, s.Name)); err != nil {
		return err
	}
	s.Name = name
	return UpdateSequence(ctx, tx, s)
}

// DropSequence removes s and its value.
func DropSequence(ctx context.Context, tx txn.Txn, s *Sequence) error {
	if err := tx.Delete(ctx, SequenceDescKey(s.ParentID, s.Name)); err != nil {
		return err
	}
	return tx.Delete(ctx, SequenceValueKey(s.ID))
}

// ReadSequenceValue returns the sequence's stored value (locking the key
// when forUpdate) and whether it was handed out (called, PostgreSQL's
// is_called): when not, it is the next value nextval returns (after
// setval(s, v, false) or ALTER SEQUENCE RESTART). found is false when the
// sequence was never used: its next value is Start.
func ReadSequenceValue(ctx context.Context, tx txn.Txn, s *Sequence, forUpdate bool) (v int64, called, found bool, err error) {
	get := tx.Get
	if forUpdate {
		get = tx.GetForUpdate
	}
	b, found, err := get(ctx, SequenceValueKey(s.ID))
	if err != nil || !found {
		return 0, false, false, err
	}
	n, k := binary.Varint(b)
	if k <= 0 || len(b) > k+1 {
		return 0, false, false, fmt.Errorf("%w: value of sequence %q", rowenc.ErrCorrupt, s.Name)
	}
	return n, len(b) == k, true, nil
}

// WriteSequenceValue records v as the sequence's value, handed out
// (called) or next.
//
//	value: varint(v) [0x00]    the trailing byte marks "not called"
//
// (values written before the flag existed have no trailing byte: called).
func WriteSequenceValue(ctx context.Context, tx txn.Txn, s *Sequence, v int64, called bool) error {
	b := binary.AppendVarint(nil, v)
	if !called {
		b = append(b, 0)
	}
	return tx.Put(ctx, SequenceValueKey(s.ID), b)
}
