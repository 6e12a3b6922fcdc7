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
	// OwnedByTable and OwnedByColumn name the SERIAL column that owns the
	// sequence (dropped with its table), or are empty.
	OwnedByTable  string `json:"owned_by_table,omitempty"`
	OwnedByColumn string `json:"owned_by_column,omitempty"`
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

// DropSequence removes s and its value.
func DropSequence(ctx context.Context, tx txn.Txn, s *Sequence) error {
	if err := tx.Delete(ctx, SequenceDescKey(s.ParentID, s.Name)); err != nil {
		return err
	}
	return tx.Delete(ctx, SequenceValueKey(s.ID))
}

// ReadSequenceValue returns the last value reserved from s (locking the key
// when forUpdate), and false when none was.
func ReadSequenceValue(ctx context.Context, tx txn.Txn, s *Sequence, forUpdate bool) (int64, bool, error) {
	get := tx.Get
	if forUpdate {
		get = tx.GetForUpdate
	}
	v, found, err := get(ctx, SequenceValueKey(s.ID))
	if err != nil || !found {
		return 0, false, err
	}
	n, k := binary.Varint(v)
	if k <= 0 {
		return 0, false, fmt.Errorf("%w: value of sequence %q", rowenc.ErrCorrupt, s.Name)
	}
	return n, true, nil
}

// WriteSequenceValue records v as the last value reserved from s.
func WriteSequenceValue(ctx context.Context, tx txn.Txn, s *Sequence, v int64) error {
	return tx.Put(ctx, SequenceValueKey(s.ID), binary.AppendVarint(nil, v))
}
