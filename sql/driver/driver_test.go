package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/sql/driver"
	"github.com/meridiandb/meridian/sql/pgerror"
)

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("meridian", dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestMemoryStores(t *testing.T) {
	// Unnamed memory stores are private to their sql.DB.
	a, b := open(t, "meridian://memory"), open(t, "meridian://memory")
	defer a.Close()
	defer b.Close()
	if _, err := a.Exec(`CREATE TABLE t (id INT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(`SELECT * FROM t`); pgerror.Code(err) != pgerror.CodeUndefinedTable {
		t.Errorf("private memory store shared: %v", err)
	}

	// Named ones are shared while any DB holds them.
	x, y := open(t, "meridian://memory?name=shared"), open(t, "meridian://memory?name=shared")
	if _, err := x.Exec(`CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	x.Close()
	var n int
	if err := y.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Errorf("named memory store: %d %v", n, err)
	}
	y.Close()
	z := open(t, "meridian://memory?name=shared")
	defer z.Close()
	if _, err := z.Exec(`SELECT * FROM t`); pgerror.Code(err) != pgerror.CodeUndefinedTable {
		t.Errorf("named memory store outlived its last DB: %v", err)
	}
}

func TestArgumentsAndErrors(t *testing.T) {
	db := open(t, "meridian://memory")
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Exec(`CREATE TABLE v (id BIGINT PRIMARY KEY, s VARCHAR(3), f REAL, ts TIMESTAMP, b BYTEA, ok BOOL)`); err != nil {
		t.Fatal(err)
	}
	type myInt int16
	ts := time.Date(2020, 1, 2, 3, 4, 5, 6000, time.FixedZone("x", 3600))
	// Go values of every supported kind, and strings read as the column type.
	if _, err := db.Exec(`INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)`, myInt(1), "abc", float32(1.5), ts, []byte("xy"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6)`, "2", nil, 3, "2020-01-02 02:04:05.000006", nil, "yes"); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT id, ts, ok FROM v ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var got time.Time
		var ok bool
		if err := rows.Scan(&id, &got, &ok); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(ts) || !ok {
			t.Errorf("row %d: %v %v", id, got, ok)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	if _, err := db.Exec(`INSERT INTO v (id, s) VALUES ($1, $2)`, 3, "toolong"); pgerror.Code(err) != pgerror.CodeStringDataRightTruncation {
		t.Errorf("too long: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO v (id) VALUES ($1)`, 1); pgerror.Code(err) != pgerror.CodeUniqueViolation {
		t.Errorf("duplicate: %v", err)
	}
	var pe *pgerror.Error
	if _, err := db.Exec(`SELEC 1`); !errors.As(err, &pe) || pe.Code != pgerror.CodeSyntaxError {
		t.Errorf("syntax error: %v", err)
	}
	if _, err := db.Exec(`SELECT * FROM v WHERE id = $1`, sql.Named("id", 1)); err == nil || !strings.Contains(err.Error(), "positional") {
		t.Errorf("named argument: %v", err)
	}
	if _, err := db.Exec(`SELECT * FROM v WHERE id = $1`, struct{}{}); err == nil {
		t.Error("struct argument accepted")
	}

	// A failed transaction's COMMIT rolls back and says so.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO v (id) VALUES (1)`); err == nil {
		t.Fatal("duplicate in a transaction accepted")
	}
	if err := tx.Commit(); !errors.Is(err, driver.ErrRolledBack) {
		t.Errorf("commit of a failed transaction: %v", err)
	}
	// Prepared statements report their inputs.
	st, err := db.Prepare(`SELECT s FROM v WHERE id = $1 AND ok = $2`)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var s string
	if err := st.QueryRow(1, true).Scan(&s); err != nil || s != "abc" {
		t.Errorf("prepared: %q %v", s, err)
	}
	if _, err := st.Exec(1); err == nil {
		t.Error("wrong argument count accepted")
	}
}

func TestOpenErrors(t *testing.T) {
	for _, dsn := range []string{"memory", "meridian://memory/x", "meridian://rel/path"} {
		if _, err := sql.Open("meridian", dsn); err == nil || !strings.Contains(err.Error(), "meridian:///absolute/path") {
			t.Errorf("%q: %v", dsn, err)
		}
	}
}
