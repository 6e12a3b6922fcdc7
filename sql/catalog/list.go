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
	p := nsPrefix(0)
	kvs, err := tx.Scan(ctx, p, rowenc.PrefixEnd(p), txn.ScanOptions{})
	if err != nil {
		return nil, err
	}
	var out []*Database
	for _, kv := range kvs {
		n, k := binary.Uvarint(kv.Value)
		if k <= 0 {
			return nil, fmt.Errorf("%w: namespace entry", rowenc.ErrCorrupt)
		}
		d, err := readDesc(ctx, tx, ID(n))
		if err != nil {
			return nil, err
		}
		if d.Database != nil {
			out = append(out, d.Database)
		}
	}
	return out, nil
}
