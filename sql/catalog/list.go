package catalog

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/txn"
)

// ListDatabases returns the databases in name order.
func ListDatabases(ctx context.Context, tx txn.Txn) ([]*Database, error) {
	var out []*Database
	err := scanNamespace(ctx, tx, 0, func(d *Descriptor) {
		if d.Database != nil {
			out = append(out, d.Database)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanNamespace reads, in name order, the descriptor of every name in the
// namespace of parent (0: the databases; a database ID: its tables).
func scanNamespace(ctx context.Context, tx txn.Txn, parent ID, fn func(*Descriptor)) error {
	p := nsPrefix(parent)
	kvs, err := tx.Scan(ctx, p, rowenc.PrefixEnd(p), txn.ScanOptions{})
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		n, k := binary.Uvarint(kv.Value)
		if k <= 0 {
			return fmt.Errorf("%w: namespace entry", rowenc.ErrCorrupt)
		}
		d, err := readDesc(ctx, tx, ID(n))
		if err != nil {
			return err
		}
		fn(d)
	}
	return nil
}
