package sql

import (
	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// isAddPrimaryKey reports whether spec is ALTER TABLE ... ADD PRIMARY KEY.
func isAddPrimaryKey(spec *ast.AlterTableSpec) bool {
	return spec.Tp == ast.AlterTableAddConstraint && spec.Constraint != nil && spec.Constraint.Tp == ast.ConstraintPrimaryKey
}

// addPrimaryKey gives a table declared without a primary key (so keyed by
// its hidden rowid) the primary key c, rebuilding its rows under the new
// key inside the statement's transaction: the table takes a fresh ID
// (catalog.Renumber), every row is read from the old span in pages and
// inserted under the new one (23505 on a duplicate, 23502 on a NULL) and
// deleted from the old one, and the secondary indexes are rebuilt with the
// new key in their entries. This is what pgbench -i does after loading, and
// pg_dump's output after creating unique constraints. Both tables are
// locked exclusively for the statement and the rows go in batches
// (bulk.go).
func (p *planner) addPrimaryKey(ec *execCtx, t *catalog.Table, c *ast.Constraint) error {
	rid := t.ColumnIndex(catalog.RowIDColumn)
	if rid < 0 || !t.Columns[rid].Hidden || len(t.PrimaryKey) != 1 || t.PrimaryKey[0] != rid {
		return pgerror.New(pgerror.CodeInvalidTableDefinition, "multiple primary keys for table %q are not allowed", t.Name)
	}
	var cols []int
	for _, k := range c.Keys {
		if k.Column == nil {
			return pgerror.Unsupported("expressions in a primary key")
		}
		name := k.Column.Name.O
		i := t.ColumnIndex(name)
		if i < 0 || t.Columns[i].Hidden {
			return pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", name, t.Name)
		}
		for _, j := range cols {
			if j == i {
				return pgerror.New(pgerror.CodeDuplicateColumn, "column %q appears twice in primary key constraint", name)
			}
		}
		cols = append(cols, i)
	}
	old := *t
	old.Columns = append([]catalog.Column(nil), t.Columns...)
	old.PrimaryKey = append([]int(nil), t.PrimaryKey...)
	old.Init()

	t.Columns = append([]catalog.Column(nil), t.Columns...)
	for _, i := range cols {
		t.Columns[i].NotNull = true
	}
	t.PrimaryKey = cols
	t.DropColumn(rid)
	if _, err := catalog.Renumber(ec.ctx, ec.tx, t); err != nil {
		return err
	}
	// Where each new column comes from in an old row.
	from := make([]int, 0, len(t.Columns))
	for i := range old.Columns {
		if i != rid {
			from = append(from, i)
		}
	}
	start := old.IndexPrefix()
	end := rowenc.PrefixEnd(start)
	// Both tables are rewritten whole, index entries included: lock them
	// once (bulk.go) rather than row by row. The new one is empty (a fresh
	// table ID).
	for _, tb := range []*catalog.Table{t, &old} {
		from, to := tb.Span()
		if err := txn.LockSpan(ec.ctx, bulkTxn(ec.tx), from, to); err != nil {
			return err
		}
	}
	b := newBulkInserter(ec, t, func(row []rowenc.Value, _ int) error {
		return pgerror.New(pgerror.CodeUniqueViolation, "could not create unique index %q", t.PKName()).
			WithDetail("%s is duplicated.", trimAlreadyExists(t.KeyDetail(row)))
	})
	b.locked = true
	oldRow := make([]rowenc.Value, len(old.Columns))
	for next := start; ; {
		kvs, err := ec.tx.Scan(ec.ctx, next, end, txn.ScanOptions{MaxKeys: copyPage})
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if err := old.Decode(kv.Key, kv.Value, oldRow); err != nil {
				return err
			}
			row := make([]rowenc.Value, len(t.Columns))
			for i, j := range from {
				row[i] = oldRow[j]
			}
			for _, i := range t.PrimaryKey {
				if row[i].IsNull() {
					if err := b.flush(); err != nil {
						return err // a duplicate among the earlier rows
					}
					return pgerror.New(pgerror.CodeNotNullViolation, "column %q of relation %q contains null values", t.Columns[i].Name, t.Name)
				}
			}
			if err := b.add(row, 0); err != nil {
				return err
			}
		}
		// The old rows go as they are read: the span is locked whole, so
		// no other row can appear in it. DeleteBatch keeps the keys, which
		// the Scan gave us.
		keys := make([][]byte, len(kvs))
		for i, kv := range kvs {
			keys[i] = kv.Key
		}
		if err := txn.DeleteBatch(ec.ctx, bulkTxn(ec.tx), keys); err != nil {
			return err
		}
		if int64(len(kvs)) < copyPage {
			break
		}
		next = append(append([]byte(nil), kvs[len(kvs)-1].Key...), 0)
	}
	if err := b.flush(); err != nil {
		return err
	}
	// The old index entries go too; the new ones were written with the rows
	// (bulkInserter), with the new primary key in them.
	for k := range old.Indexes {
		from := old.IndexPrefixOf(&old.Indexes[k])
		if _, err := ec.tx.DeleteRange(ec.ctx, from, rowenc.PrefixEnd(from)); err != nil {
			return err
		}
	}
	return nil
}

// trimAlreadyExists turns KeyDetail's "Key (a)=(1) already exists." into
// "Key (a)=(1)".
func trimAlreadyExists(s string) string {
	const suffix = " already exists."
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)]
	}
	return s
}
