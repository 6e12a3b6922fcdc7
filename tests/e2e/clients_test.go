package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/lib/pq"

	_ "github.com/meridiandb/meridian/sql/driver"
)

// One scenario, through pgx in each of its query modes.
func TestPgx(t *testing.T) {
	n := startNode(t)
	ctx := testCtx(t)
	setup := connect(t, n.SQLAddr())
	mustExec(t, setup, `CREATE TABLE kv (k BIGINT PRIMARY KEY, s TEXT, f DOUBLE PRECISION, b BOOLEAN, bin BYTEA, ts TIMESTAMP, i INT, v VARCHAR(8))`)

	modes := []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol}
	for mi, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			cfg, err := pgx.ParseConfig(pgURL(n.SQLAddr()))
			if err != nil {
				t.Fatal(err)
			}
			cfg.DefaultQueryExecMode = mode
			c, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)

			ts := time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC)
			base := int64(mi * 100)
			for i := range int64(3) {
				tag, err := c.Exec(ctx, `INSERT INTO kv VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
					base+i, fmt.Sprintf("s'%d", i), float64(i)+0.5, i%2 == 0, []byte{byte(i), 0xff}, ts, int32(i), "vc")
				if err != nil {
					t.Fatal(err)
				}
				if tag.String() != "INSERT 0 1" {
					t.Errorf("tag %q", tag)
				}
			}
			rows, err := c.Query(ctx, `SELECT k, s, f, b, bin, ts, i, v FROM kv WHERE k >= $1 AND k < $2 ORDER BY k`, base, base+100)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for rows.Next() {
				var (
					k    int64
					s    string
					f    float64
					b    bool
					by   []byte
					tt   time.Time
					i    int32
					v    string
					want = int64(got)
				)
				if err := rows.Scan(&k, &s, &f, &b, &by, &tt, &i, &v); err != nil {
					t.Fatal(err)
				}
				if k != base+want || s != fmt.Sprintf("s'%d", want) || f != float64(want)+0.5 || b != (want%2 == 0) ||
					string(by) != string([]byte{byte(want), 0xff}) || !tt.Equal(ts) || i != int32(want) || v != "vc" {
					t.Errorf("row %d: %v %q %v %v %v %v %v %q", got, k, s, f, b, by, tt, i, v)
				}
				got++
			}
			if err := rows.Err(); err != nil || got != 3 {
				t.Fatalf("rows: %v, %d", err, got)
			}

			// Malformed SQL is an error and the connection goes on.
			if _, err := c.Exec(ctx, `SELEC 1`); sqlState(err) != "42601" {
				t.Errorf("syntax error: got %v", err)
			}
			if _, err := c.Exec(ctx, `SELECT nope FROM kv`); sqlState(err) != "42703" {
				t.Errorf("unknown column: got %v", err)
			}
			if _, err := c.Exec(ctx, `INSERT INTO kv (k) VALUES ($1)`, base); sqlState(err) != "23505" {
				t.Errorf("duplicate key: got %v", err)
			}
			var one int64
			if err := c.QueryRow(ctx, `SELECT count(*) FROM kv WHERE k >= $1 AND k < $2`, base, base+100).Scan(&one); err != nil || one != 3 {
				t.Errorf("count after errors: %v %v", one, err)
			}

			// A transaction.
			err = pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `UPDATE kv SET s = $1 WHERE k = $2`, "updated", base); err != nil {
					return err
				}
				return tx.QueryRow(ctx, `SELECT s FROM kv WHERE k = $1`, base).Scan(new(string))
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// database/sql over lib/pq.
func TestLibPQ(t *testing.T) {
	n := startNode(t)
	db, err := sql.Open("postgres", pgURL(n.SQLAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	testDatabaseSQL(t, db)

	_, err = db.Exec(`SELECT * FROM missing`)
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "42P01" {
		t.Errorf("missing table: %v", err)
	}
}

// The embedded driver runs the same scenario in-process, and shares one
// store between sql.DBs on one directory.
func TestEmbeddedDriver(t *testing.T) {
	dsn := "meridian://" + t.TempDir()
	db, err := sql.Open("meridian", dsn)
	if err != nil {
		t.Fatal(err)
	}
	testDatabaseSQL(t, db)

	db2, err := sql.Open("meridian", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var cnt int
	if err := db2.QueryRow(`SELECT count(*) FROM people`).Scan(&cnt); err != nil || cnt != 3 {
		t.Errorf("second DB on the same store: %d %v", cnt, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db2.QueryRow(`SELECT count(*) FROM people`).Scan(&cnt); err != nil || cnt != 3 {
		t.Errorf("after closing the first DB: %d %v", cnt, err)
	}
	if err := db2.Close(); err != nil {
		t.Fatal(err)
	}
	// The last close released the store: it reopens, with the data.
	db3, err := sql.Open("meridian", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db3.Close()
	if err := db3.QueryRow(`SELECT count(*) FROM people`).Scan(&cnt); err != nil || cnt != 3 {
		t.Errorf("reopened: %d %v", cnt, err)
	}

	if _, err := sql.Open("meridian", "meridian://relative/dir"); err == nil {
		t.Error("relative path accepted")
	}
}

// testDatabaseSQL is the database/sql scenario both drivers run.
func testDatabaseSQL(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := testCtx(t)
	mustExecDB(t, db, `CREATE TABLE people (id INT PRIMARY KEY, name TEXT NOT NULL, born TIMESTAMP, score REAL)`)
	born := time.Date(1990, 5, 17, 8, 30, 0, 0, time.UTC)
	for i, name := range []string{"ada", "brian", "chloé"} {
		res, err := db.ExecContext(ctx, `INSERT INTO people VALUES ($1, $2, $3, $4)`, i+1, name, born.AddDate(i, 0, 0), 1.5*float64(i))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Errorf("RowsAffected %d %v", n, err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT id, name, born, score FROM people WHERE id > $1 ORDER BY id`, 1)
	if err != nil {
		t.Fatal(err)
	}
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var typeNames []string
	for _, ct := range cts {
		typeNames = append(typeNames, ct.DatabaseTypeName())
	}
	if fmt.Sprint(typeNames) != "[INT4 TEXT TIMESTAMP FLOAT4]" {
		t.Errorf("column types %v", typeNames)
	}
	var names []string
	for rows.Next() {
		var (
			id    int
			name  string
			b     time.Time
			score float64
		)
		if err := rows.Scan(&id, &name, &b, &score); err != nil {
			t.Fatal(err)
		}
		if !b.Equal(born.AddDate(id-1, 0, 0)) || score != 1.5*float64(id-1) {
			t.Errorf("row %d: %v %v", id, b, score)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil || fmt.Sprint(names) != "[brian chloé]" {
		t.Errorf("names %v, %v", names, err)
	}

	// A transaction that rolls back leaves nothing behind; one that commits
	// does.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE people SET name = 'x' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE people SET name = $1 WHERE id = $2`, "ada lovelace", 1); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.QueryRow(`SELECT name FROM people WHERE id = 1`).Scan(&name); err != nil || name != "ada lovelace" {
		t.Errorf("after commit: %q %v", name, err)
	}
	// Read-only transactions refuse writes.
	tx, err = db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`DELETE FROM people`); err == nil {
		t.Error("write in a read-only transaction succeeded")
	}
	_ = tx.Rollback()

	// A cancelled context stops the statement.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.ExecContext(cctx, `SELECT 1`); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: %v", err)
	}
	var cnt int
	if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM people`).Scan(&cnt); err != nil || cnt != 3 {
		t.Errorf("count %d %v", cnt, err)
	}
}
