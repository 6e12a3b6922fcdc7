package catalog

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/txn"
)

// ID identifies a database or table.
type ID uint32

// PrimaryIndexID is the index id of every table's primary index.
const PrimaryIndexID = 1

// DefaultDatabase exists on every cluster.
const DefaultDatabase = "defaultdb"

const (
	systemPrefix byte = 0x01
	tablePrefix  byte = 0x02
)

func sysKey(parts ...rowenc.Value) []byte {
	k := []byte{systemPrefix}
	for _, p := range parts {
		k = rowenc.AppendKey(k, p, rowenc.Ascending)
	}
	return k
}

var (
	bootKey = sysKey(rowenc.String("boot"))
	seqKey  = sysKey(rowenc.String("seq"))
)

func nsKey(parent ID, name string) []byte {
	return sysKey(rowenc.String("ns"), rowenc.Int(int64(parent)), rowenc.String(name))
}

func nsPrefix(parent ID) []byte {
	return sysKey(rowenc.String("ns"), rowenc.Int(int64(parent)))
}

func descKey(id ID) []byte { return sysKey(rowenc.String("desc"), rowenc.Int(int64(id))) }

// Descriptor is what a "desc" key holds: exactly one of the fields is set.
type Descriptor struct {
	Database *Database `json:"database,omitempty"`
	Table    *Table    `json:"table,omitempty"`
}

// Database describes a database.
type Database struct {
	ID   ID     `json:"id"`
	Name string `json:"name"`
}

// Bootstrap creates the system keys and the databases every cluster has,
// unless they are there already.
func Bootstrap(ctx context.Context, tx txn.Txn) error {
	_, found, err := tx.Get(ctx, bootKey)
	if err != nil || found {
		return err
	}
	for _, name := range []string{DefaultDatabase, "postgres"} {
		if _, err := CreateDatabase(ctx, tx, name); err != nil {
			return err
		}
	}
	return tx.Put(ctx, bootKey, []byte("1"))
}

// allocID takes the next descriptor id.
func allocID(ctx context.Context, tx txn.Txn) (ID, error) {
	v, found, err := tx.GetForUpdate(ctx, seqKey)
	if err != nil {
		return 0, err
	}
	next := uint64(100)
	if found {
		n, k := binary.Uvarint(v)
		if k <= 0 {
			return 0, fmt.Errorf("%w: descriptor id counter", rowenc.ErrCorrupt)
		}
		next = n
	}
	if err := tx.Put(ctx, seqKey, binary.AppendUvarint(nil, next+1)); err != nil {
		return 0, err
	}
	return ID(next), nil
}

func lookupID(ctx context.Context, tx txn.Txn, parent ID, name string) (ID, bool, error) {
	v, found, err := tx.Get(ctx, nsKey(parent, name))
	if err != nil || !found {
		return 0, false, err
	}
	n, k := binary.Uvarint(v)
	if k <= 0 {
		return 0, false, fmt.Errorf("%w: namespace entry of %q", rowenc.ErrCorrupt, name)
	}
	return ID(n), true, nil
}

func readDesc(ctx context.Context, tx txn.Txn, id ID) (*Descriptor, error) {
	v, found, err := tx.Get(ctx, descKey(id))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: descriptor %d missing", rowenc.ErrCorrupt, id)
	}
	if d := descCache.get(v); d != nil {
		return d, nil
	}
	var d Descriptor
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("%w: descriptor %d: %v", rowenc.ErrCorrupt, id, err)
	}
	if d.Table != nil {
		d.Table.init()
	}
	descCache.put(v, &d)
	return d.clone(), nil
}

// descCache maps a descriptor's stored bytes to its decoded form, so that
// the per-statement catalog reads (still done in the statement's
// transaction, so they see exactly what they would otherwise) skip the
// JSON decoding that dominated point queries. Callers may modify what
// readDesc returns (ALTER does), so every hit is a deep copy.
var descCache = &decodedDescs{m: map[string]*Descriptor{}}

// maxCachedDescs bounds the cache; when full it starts over.
const maxCachedDescs = 4096

type decodedDescs struct {
	mu sync.Mutex
	m  map[string]*Descriptor
}

func (c *decodedDescs) get(raw []byte) *Descriptor {
	c.mu.Lock()
	d := c.m[string(raw)]
	c.mu.Unlock()
	if d == nil {
		return nil
	}
	return d.clone()
}

func (c *decodedDescs) put(raw []byte, d *Descriptor) {
	c.mu.Lock()
	if len(c.m) >= maxCachedDescs {
		c.m = map[string]*Descriptor{}
	}
	c.m[string(raw)] = d
	c.mu.Unlock()
}

// clone deep-copies d.
func (d *Descriptor) clone() *Descriptor {
	out := &Descriptor{}
	if d.Database != nil {
		db := *d.Database
		out.Database = &db
	}
	if d.Table != nil {
		out.Table = d.Table.Clone()
	}
	return out
}

func writeDesc(ctx context.Context, tx txn.Txn, d *Descriptor, id ID) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.Put(ctx, descKey(id), b)
}

// LookupDatabase returns the named database, or nil.
func LookupDatabase(ctx context.Context, tx txn.Txn, name string) (*Database, error) {
	id, found, err := lookupID(ctx, tx, 0, name)
	if err != nil || !found {
		return nil, err
	}
	d, err := readDesc(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Database == nil {
		return nil, fmt.Errorf("%w: descriptor %d is not a database", rowenc.ErrCorrupt, id)
	}
	return d.Database, nil
}

// CreateDatabase creates a database, or fails with 42P04.
func CreateDatabase(ctx context.Context, tx txn.Txn, name string) (*Database, error) {
	id, err := allocID(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := tx.Insert(ctx, nsKey(0, name), binary.AppendUvarint(nil, uint64(id))); err != nil {
		if errors.Is(err, txn.ErrKeyExists) {
			return nil, pgerror.New(pgerror.CodeDuplicateDatabase, "database %q already exists", name)
		}
		return nil, err
	}
	db := &Database{ID: id, Name: name}
	return db, writeDesc(ctx, tx, &Descriptor{Database: db}, id)
}

// DropDatabase drops a database and every table in it.
func DropDatabase(ctx context.Context, tx txn.Txn, db *Database) error {
	tables, err := ListTables(ctx, tx, db.ID)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if err := DropTable(ctx, tx, t); err != nil {
			return err
		}
	}
	if err := tx.Delete(ctx, nsKey(0, db.Name)); err != nil {
		return err
	}
	return tx.Delete(ctx, descKey(db.ID))
}

// ListTables returns the tables of a database in name order.
func ListTables(ctx context.Context, tx txn.Txn, dbID ID) ([]*Table, error) {
	var out []*Table
	err := scanNamespace(ctx, tx, dbID, func(d *Descriptor) {
		if d.Table != nil {
			out = append(out, d.Table)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LookupTable returns the named table of a database, or nil.
func LookupTable(ctx context.Context, tx txn.Txn, dbID ID, name string) (*Table, error) {
	id, found, err := lookupID(ctx, tx, dbID, name)
	if err != nil || !found {
		return nil, err
	}
	d, err := readDesc(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Table == nil {
		return nil, fmt.Errorf("%w: descriptor %d is not a table", rowenc.ErrCorrupt, id)
	}
	return d.Table, nil
}

// CreateTable assigns t an id and stores it, or fails with 42P07 when its
// name is taken. t.ParentID, Name, Columns and PrimaryKey must be set.
func CreateTable(ctx context.Context, tx txn.Txn, t *Table) error {
	if err := checkNotIndexName(ctx, tx, t.ParentID, t.Name); err != nil {
		return err
	}
	id, err := allocID(ctx, tx)
	if err != nil {
		return err
	}
	if err := tx.Insert(ctx, nsKey(t.ParentID, t.Name), binary.AppendUvarint(nil, uint64(id))); err != nil {
		if errors.Is(err, txn.ErrKeyExists) {
			return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", t.Name)
		}
		return err
	}
	t.ID = id
	t.init()
	if err := createIndexNames(ctx, tx, t); err != nil {
		return err
	}
	return writeDesc(ctx, tx, &Descriptor{Table: t}, id)
}

// DropTable removes a table's descriptor, name and rows.
func DropTable(ctx context.Context, tx txn.Txn, t *Table) error {
	if err := tx.Delete(ctx, nsKey(t.ParentID, t.Name)); err != nil {
		return err
	}
	if err := tx.Delete(ctx, descKey(t.ID)); err != nil {
		return err
	}
	if err := dropIndexNames(ctx, tx, t); err != nil {
		return err
	}
	start := t.tableSpanStart()
	_, err := tx.DeleteRange(ctx, start, rowenc.PrefixEnd(start))
	return err
}

// UpdateTable stores a changed descriptor (same id and name).
func UpdateTable(ctx context.Context, tx txn.Txn, t *Table) error {
	return writeDesc(ctx, tx, &Descriptor{Table: t}, t.ID)
}

// RenameTable gives t a new name in its database, or fails with 42P07.
func RenameTable(ctx context.Context, tx txn.Txn, t *Table, name string) error {
	if err := checkNotIndexName(ctx, tx, t.ParentID, name); err != nil {
		return err
	}
	if err := tx.Insert(ctx, nsKey(t.ParentID, name), binary.AppendUvarint(nil, uint64(t.ID))); err != nil {
		if errors.Is(err, txn.ErrKeyExists) {
			return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", name)
		}
		return err
	}
	if err := tx.Delete(ctx, nsKey(t.ParentID, t.Name)); err != nil {
		return err
	}
	t.Name = name
	return UpdateTable(ctx, tx, t)
}
