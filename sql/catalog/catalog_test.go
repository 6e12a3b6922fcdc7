package catalog

import (
	"bytes"
	"context"
	"testing"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/sql/internal/memdb"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
)

func inTxn(t *testing.T, db txn.DB, fn func(ctx context.Context, tx txn.Txn)) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.Begin(ctx, txn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fn(ctx, tx)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestBootstrapIdempotentAndIDs(t *testing.T) {
	db := memdb.New()
	var first ID
	inTxn(t, db, func(ctx context.Context, tx txn.Txn) {
		if err := Bootstrap(ctx, tx); err != nil {
			t.Fatal(err)
		}
		d, err := LookupDatabase(ctx, tx, DefaultDatabase)
		if err != nil || d == nil {
			t.Fatalf("defaultdb: %v %v", d, err)
		}
		first = d.ID
	})
	inTxn(t, db, func(ctx context.Context, tx txn.Txn) {
		if err := Bootstrap(ctx, tx); err != nil {
			t.Fatal(err)
		}
		d, _ := LookupDatabase(ctx, tx, DefaultDatabase)
		if d.ID != first {
			t.Fatalf("bootstrap ran twice: id %d then %d", first, d.ID)
		}
		tbl := &Table{ParentID: d.ID, Name: "t", Columns: []Column{
			{ID: 1, Name: "a", Type: types.Int8}, {ID: 2, Name: "b", Type: types.Text},
		}, PrimaryKey: []int{0}}
		if err := CreateTable(ctx, tx, tbl); err != nil {
			t.Fatal(err)
		}
		if tbl.ID <= first {
			t.Fatalf("table id %d not after database id %d", tbl.ID, first)
		}
		dup := &Table{ParentID: d.ID, Name: "t", Columns: tbl.Columns, PrimaryKey: []int{0}}
		if err := CreateTable(ctx, tx, dup); pgerror.Code(err) != pgerror.CodeDuplicateTable {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := CreateDatabase(ctx, tx, DefaultDatabase); pgerror.Code(err) != pgerror.CodeDuplicateDatabase {
			t.Fatalf("duplicate database: %v", err)
		}
		got, err := LookupTable(ctx, tx, d.ID, "t")
		if err != nil || got == nil || got.ID != tbl.ID || got.Columns[1].Type != types.Text {
			t.Fatalf("lookup: %+v %v", got, err)
		}
	})
}

func TestRowRoundTripAndOrder(t *testing.T) {
	tbl := &Table{ID: 105, Columns: []Column{
		{ID: 1, Name: "k2", Type: types.Text}, {ID: 2, Name: "v", Type: types.Int8}, {ID: 3, Name: "k1", Type: types.Int8},
	}, PrimaryKey: []int{2, 0}}
	tbl.init()
	row := []rowenc.Value{rowenc.String("x"), rowenc.Null(), rowenc.Int(7)}
	key := tbl.EncodeKey(row)
	if !bytes.HasPrefix(key, tbl.IndexPrefix()) {
		t.Fatal("key lacks the index prefix")
	}
	val, err := tbl.EncodeValue(row)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]rowenc.Value, 3)
	if err := tbl.Decode(key, val, got); err != nil {
		t.Fatal(err)
	}
	for i := range row {
		if rowenc.Compare(row[i], got[i]) != 0 {
			t.Fatalf("column %d: %v != %v", i, got[i], row[i])
		}
	}
	// Keys order by (k1, k2).
	k := func(k1 int64, k2 string) []byte {
		return tbl.EncodeKey([]rowenc.Value{rowenc.String(k2), rowenc.Null(), rowenc.Int(k1)})
	}
	if bytes.Compare(k(1, "z"), k(2, "a")) >= 0 || bytes.Compare(k(2, "a"), k(2, "b")) >= 0 {
		t.Fatal("keys out of order")
	}
	if tbl.KeyDetail(row) != "Key (k1, k2)=(7, x) already exists." {
		t.Fatal(tbl.KeyDetail(row))
	}
	// Table data never overlaps the system keys.
	if bytes.Compare(key, descKey(1<<31)) <= 0 {
		t.Fatal("table key sorts inside the system span")
	}
}

func TestUniqueRowID(t *testing.T) {
	ts := clock.Timestamp{WallTime: 1_700_000_000_000_000_000}
	a, b := UniqueRowID(ts), UniqueRowID(ts)
	if a <= 0 || b <= 0 || a>>22 != b>>22 {
		t.Fatalf("%d %d", a, b)
	}
	if later := UniqueRowID(clock.Timestamp{WallTime: ts.WallTime + 1e6}); later>>22 <= a>>22 {
		t.Fatal("row ids do not follow time")
	}
}

func TestDropTableDeletesRows(t *testing.T) {
	db := memdb.New()
	inTxn(t, db, func(ctx context.Context, tx txn.Txn) {
		tbl := &Table{ParentID: 1, Name: "t", Columns: []Column{{ID: 1, Name: "a", Type: types.Int8}}, PrimaryKey: []int{0}}
		if err := CreateTable(ctx, tx, tbl); err != nil {
			t.Fatal(err)
		}
		row := []rowenc.Value{rowenc.Int(1)}
		v, _ := tbl.EncodeValue(row)
		if err := tx.Put(ctx, tbl.EncodeKey(row), v); err != nil {
			t.Fatal(err)
		}
		if err := DropTable(ctx, tx, tbl); err != nil {
			t.Fatal(err)
		}
		p := tbl.IndexPrefix()
		kvs, _ := tx.Scan(ctx, p, rowenc.PrefixEnd(p), txn.ScanOptions{})
		if len(kvs) != 0 {
			t.Fatalf("%d rows left", len(kvs))
		}
		if got, _ := LookupTable(ctx, tx, 1, "t"); got != nil {
			t.Fatal("table still named")
		}
	})
}
