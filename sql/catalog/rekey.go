package catalog

import (
	"context"
	"encoding/binary"

	"github.com/meridiandb/meridian/txn"
)

// Renumber gives table t a fresh ID (same name, same database) and stores
// its descriptor under it; the old descriptor is deleted. The rows stay
// under the old ID's key span, which the caller rewrites and clears: this
// is how ALTER TABLE ADD PRIMARY KEY rebuilds a table under a new key
// without the old and new keys sharing a span. Index names follow the
// table; its index entries, like its rows, are the caller's to rewrite. It
// returns the old ID.
func Renumber(ctx context.Context, tx txn.Txn, t *Table) (ID, error) {
	old := t.ID
	id, err := allocID(ctx, tx)
	if err != nil {
		return 0, err
	}
	if err := tx.Put(ctx, nsKey(t.ParentID, t.Name), binary.AppendUvarint(nil, uint64(id))); err != nil {
		return 0, err
	}
	if err := tx.Delete(ctx, descKey(old)); err != nil {
		return 0, err
	}
	t.ID = id
	t.init()
	if err := writeDesc(ctx, tx, &Descriptor{Table: t}, id); err != nil {
		return 0, err
	}
	// Index names lead to the table's descriptor by its ID.
	for _, ix := range t.Indexes {
		if err := tx.Put(ctx, idxNSKey(t.ParentID, ix.Name), binary.AppendUvarint(nil, uint64(id))); err != nil {
			return 0, err
		}
	}
	// Sequences owned by the table's columns follow it to the new ID.
	seqs, err := ListSequences(ctx, tx, t.ParentID)
	if err != nil {
		return 0, err
	}
	for _, s := range seqs {
		if s.OwnerTable == old {
			s.OwnerTable = id
			if err := UpdateSequence(ctx, tx, s); err != nil {
				return 0, err
			}
		}
	}
	return old, nil
}
