package sql

import (
	"bytes"
	"errors"
	"strings"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Secondary indexes: CREATE [UNIQUE] INDEX, DROP INDEX, and the upkeep of
// index entries by every statement that writes rows. The entry layout is
// catalog's (EncodeIndexEntry); this file decides when entries are written.
//
// Upkeep contract: a row's entries change exactly when its row does.
// insertRow writes the primary row and then every entry; a statement that
// replaces row old by row new first calls delIndexEntries(old, new) for
// all its rows, then writes the rows, then putIndexEntries(new, old), so
// that unique values may move between the rows of one statement. An entry
// that is identical in old and new is left alone.

// uniqueErr names the constraint a 23505 came from, for ON CONFLICT.
type uniqueErr struct {
	constraint string // the primary key's name or a unique index's
	msg        string
}

func (e *uniqueErr) Error() string { return e.msg }

func uniqueViolation(constraint, detail string) error {
	msg := "duplicate key value violates unique constraint \"" + constraint + "\""
	return pgerror.Wrap(&uniqueErr{constraint: constraint, msg: msg}, pgerror.CodeUniqueViolation, "").WithDetail("%s", detail)
}

// violatedConstraint returns the constraint a unique violation names, or "".
func violatedConstraint(err error) string {
	var ue *uniqueErr
	if errors.As(err, &ue) {
		return ue.constraint
	}
	return ""
}

// putIndexEntries writes row's entries in t's indexes, skipping those
// equal to old's (old may be nil). A unique entry that exists already is a
// 23505; the entries written by this call are then removed again, so that
// a caller that goes on (ON CONFLICT) finds the indexes as they were.
func putIndexEntries(ec *execCtx, t *catalog.Table, row, old []rowenc.Value) error {
	var written [][]byte
	for k := range t.Indexes {
		ix := &t.Indexes[k]
		key, val, unique := t.EncodeIndexEntry(ix, row)
		if old != nil {
			okey, oval, _ := t.EncodeIndexEntry(ix, old)
			if bytes.Equal(key, okey) && bytes.Equal(val, oval) {
				continue
			}
		}
		var err error
		if unique {
			err = ec.tx.Insert(ec.ctx, key, val)
		} else {
			err = ec.tx.Put(ec.ctx, key, val)
		}
		if errors.Is(err, txn.ErrKeyExists) {
			for _, w := range written {
				if err := ec.tx.Delete(ec.ctx, w); err != nil {
					return err
				}
			}
			return uniqueViolation(ix.Name, t.IndexDetail(ix, row))
		}
		if err != nil {
			return err
		}
		written = append(written, key)
	}
	return nil
}

// delIndexEntries deletes old's entries in t's indexes, except those
// equal to new's (new may be nil: the row goes away).
func delIndexEntries(ec *execCtx, t *catalog.Table, old, new []rowenc.Value) error {
	for k := range t.Indexes {
		ix := &t.Indexes[k]
		okey, oval, _ := t.EncodeIndexEntry(ix, old)
		if new != nil {
			key, val, _ := t.EncodeIndexEntry(ix, new)
			if bytes.Equal(key, okey) && bytes.Equal(val, oval) {
				continue
			}
		}
		if err := ec.tx.Delete(ec.ctx, okey); err != nil {
			return err
		}
	}
	return nil
}

// backfillIndex writes the entries of every row of t in ix, which was
// just added. A unique index over duplicate values fails as PostgreSQL's
// CREATE UNIQUE INDEX does.
func backfillIndex(ec *execCtx, t *catalog.Table, ix *catalog.Index) error {
	start := t.IndexPrefix()
	kvs, err := ec.tx.Scan(ec.ctx, start, rowenc.PrefixEnd(start), txn.ScanOptions{})
	if err != nil {
		return err
	}
	row := make([]rowenc.Value, len(t.Columns))
	for _, kv := range kvs {
		if err := t.Decode(kv.Key, kv.Value, row); err != nil {
			return err
		}
		key, val, unique := t.EncodeIndexEntry(ix, row)
		if unique {
			err = ec.tx.Insert(ec.ctx, key, val)
		} else {
			err = ec.tx.Put(ec.ctx, key, val)
		}
		if errors.Is(err, txn.ErrKeyExists) {
			detail := strings.Replace(t.IndexDetail(ix, row), "already exists.", "is duplicated.", 1)
			return pgerror.New(pgerror.CodeUniqueViolation, "could not create unique index %q", ix.Name).WithDetail("%s", detail)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// indexColumns resolves the key parts of an index definition.
func indexColumns(t *catalog.Table, parts []*ast.IndexPartSpecification) ([]rowenc.ColumnID, []bool, []string, error) {
	var ids []rowenc.ColumnID
	var desc []bool
	var names []string
	anyDesc := false
	for _, k := range parts {
		if k.Column == nil || k.Expr != nil {
			return nil, nil, nil, pgerror.Unsupported("expression indexes")
		}
		if k.Length > 0 {
			return nil, nil, nil, pgerror.Unsupported("prefix indexes")
		}
		name := k.Column.Name.O
		i := t.ColumnIndex(name)
		if i < 0 || t.Columns[i].Hidden && name != catalog.RowIDColumn {
			return nil, nil, nil, pgerror.New(pgerror.CodeUndefinedColumn, "column %q does not exist", name)
		}
		ids = append(ids, t.Columns[i].ID)
		desc = append(desc, k.Desc)
		names = append(names, name)
		anyDesc = anyDesc || k.Desc
	}
	if !anyDesc {
		desc = nil
	}
	return ids, desc, names, nil
}

// autoIndexName is the name PostgreSQL gives an index it names itself:
// <table>_<col>_<col>..._<suffix> ("key" for UNIQUE constraints, "idx"
// for CREATE INDEX without a name).
func autoIndexName(table string, cols []string, suffix string) string {
	return table + "_" + strings.Join(cols, "_") + "_" + suffix
}

// autoIndexPlaceholder is the placeholder name the front gives CREATE INDEX
// without a name.
const autoIndexPlaceholder = front.AutoIndexName

func (p *planner) planCreateIndex(n *ast.CreateIndexStmt) (plan, error) {
	switch n.KeyType {
	case ast.IndexKeyTypeNone, ast.IndexKeyTypeUnique:
	default:
		return nil, pgerror.Unsupported("this kind of index")
	}
	if err := checkSchema(n.Table); err != nil {
		return nil, err
	}
	if _, err := p.resolveTable(n.Table); err != nil {
		return nil, err
	}
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		t, err := p.resolveTable(n.Table)
		if err != nil {
			return err
		}
		added, err := addIndex(ec, w, t, n.IndexName, "idx", n.KeyType == ast.IndexKeyTypeUnique, false, n.IfNotExists, n.IndexPartSpecifications)
		if err != nil {
			return err
		}
		if !added {
			return w.Complete("CREATE INDEX")
		}
		if err := catalog.UpdateTable(ec.ctx, ec.tx, t); err != nil {
			return err
		}
		return w.Complete("CREATE INDEX")
	}}, nil
}

// addIndex adds an index on parts to t (name "" or autoIndexPlaceholder:
// a free name ending in suffix) and fills it; the caller stores t. With
// ifNotExists, a taken name is a notice and added is false. A constraint
// index is the one a UNIQUE constraint gets (pg_constraint lists it).
func addIndex(ec *execCtx, w ResultWriter, t *catalog.Table, name, suffix string, unique, constraint, ifNotExists bool,
	parts []*ast.IndexPartSpecification) (added bool, err error) {
	ids, desc, names, err := indexColumns(t, parts)
	if err != nil {
		return false, err
	}
	if name == "" || name == autoIndexPlaceholder {
		if name, err = catalog.FreeIndexName(ec.ctx, ec.tx, t, autoIndexName(t.Name, names, suffix)); err != nil {
			return false, err
		}
	}
	taken, err := catalog.RelationExists(ec.ctx, ec.tx, t.ParentID, name)
	if err != nil {
		return false, err
	}
	if taken && ifNotExists {
		return false, ec.notice(w, pgerror.CodeDuplicateTable, "relation \""+name+"\" already exists, skipping")
	}
	if err := catalog.CreateIndexName(ec.ctx, ec.tx, t, name); err != nil {
		return false, err
	}
	ix := t.AddIndex(catalog.Index{Name: name, Unique: unique, ColumnIDs: ids, Desc: desc, Constraint: constraint})
	return true, backfillIndex(ec, t, ix)
}

// dropIndex drops index name (of any table of the session's database).
func (p *planner) dropIndex(ec *execCtx, w ResultWriter, name string, ifExists bool) error {
	db, err := p.database()
	if err != nil {
		return err
	}
	t, ix, err := catalog.LookupIndex(ec.ctx, ec.tx, db.ID, name)
	if err != nil {
		return err
	}
	if ix == nil {
		if ifExists {
			return ec.notice(w, pgerror.CodeSuccessfulCompletion, "index \""+name+"\" does not exist, skipping")
		}
		return pgerror.New(pgerror.CodeUndefinedObject, "index %q does not exist", name)
	}
	if ix.Constraint {
		return pgerror.New("2BP01", "cannot drop index %s because constraint %s on table %s requires it", name, name, t.Name).
			WithHint("You can drop constraint %s on table %s instead.", name, t.Name)
	}
	if err := catalog.DropIndex(ec.ctx, ec.tx, t, name); err != nil {
		return err
	}
	return catalog.UpdateTable(ec.ctx, ec.tx, t)
}

func (p *planner) planDropIndex(n *ast.DropIndexStmt) (plan, error) {
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		if err := p.dropIndex(ec, w, n.IndexName, n.IfExists); err != nil {
			return err
		}
		return w.Complete("DROP INDEX")
	}}, nil
}

// dropIndexesOnColumn drops the indexes that include column i of t, as
// PostgreSQL does when the column is dropped.
func dropIndexesOnColumn(ec *execCtx, t *catalog.Table, i int) error {
	for _, name := range t.IndexesOnColumn(i) {
		if err := catalog.DropIndex(ec.ctx, ec.tx, t, name); err != nil {
			return err
		}
	}
	return nil
}

// pendingUnique is a UNIQUE constraint of CREATE TABLE, made an index
// when the statement runs (its name may depend on what exists then).
type pendingUnique struct {
	name string // empty: <table>_<cols>_key, numbered if taken
	cols []*ast.IndexPartSpecification
}

// addUniqueIndexes adds the unique indexes of a table being created
// (catalog.CreateTable registers their names).
func addUniqueIndexes(ec *execCtx, t *catalog.Table, uniques []pendingUnique) error {
	t.Indexes, t.NextIndexID = nil, 0 // the plan may run again on a retry
	for _, u := range uniques {
		ids, desc, names, err := indexColumns(t, u.cols)
		if err != nil {
			return err
		}
		name := u.name
		if name == "" {
			if name, err = catalog.FreeIndexName(ec.ctx, ec.tx, t, autoIndexName(t.Name, names, "key")); err != nil {
				return err
			}
		} else if t.IndexByName(name) != nil || name == t.Name {
			return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", name)
		}
		t.AddIndex(catalog.Index{Name: name, Unique: true, ColumnIDs: ids, Desc: desc, Constraint: true})
	}
	return nil
}
