package e2e

import (
	"errors"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestPreparedAfterDDL: pgx's statement cache (the default mode) after the
// table it selects * from gained a column. As with PostgreSQL, the first
// query after the change fails with 0A000 "cached plan must not change
// result type", which makes pgx forget the statement, and the next one
// answers with the new shape. A statement naming its columns goes on.
// MERIDIAN_REVIEW_PG_URL runs the same against a PostgreSQL server.
func TestPreparedAfterDDL(t *testing.T) {
	ctx := testCtx(t)
	url := os.Getenv("MERIDIAN_REVIEW_PG_URL")
	if url == "" {
		url = pgURL(startNode(t).SQLAddr())
	}
	open := func() *pgx.Conn {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close(ctx) })
		return c
	}
	c, ddl := open(), open()
	for _, q := range []string{"DROP TABLE IF EXISTS pdt", "CREATE TABLE pdt (id INT PRIMARY KEY, v TEXT)", "INSERT INTO pdt VALUES (1, 'one')"} {
		if _, err := ddl.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	star := func() ([]any, error) {
		rows, err := c.Query(ctx, "SELECT * FROM pdt WHERE id = $1", 1)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var vals []any
		for rows.Next() {
			if vals, err = rows.Values(); err != nil {
				return nil, err
			}
		}
		return vals, rows.Err()
	}
	named := func() (string, error) {
		var v string
		err := c.QueryRow(ctx, "SELECT v FROM pdt WHERE id = $1", 1).Scan(&v)
		return v, err
	}
	for range 3 {
		if vals, err := star(); err != nil || len(vals) != 2 {
			t.Fatalf("before ALTER: %v %v", vals, err)
		}
		if v, err := named(); err != nil || v != "one" {
			t.Fatalf("before ALTER: %q %v", v, err)
		}
	}
	if _, err := ddl.Exec(ctx, "ALTER TABLE pdt ADD COLUMN w INT DEFAULT 7"); err != nil {
		t.Fatal(err)
	}
	_, err := star()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "0A000" || pe.Message != "cached plan must not change result type" {
		t.Fatalf("first query after ALTER: %v", err)
	}
	if vals, err := star(); err != nil || len(vals) != 3 || vals[2] != int32(7) {
		t.Fatalf("second query after ALTER: %v %v", vals, err)
	}
	if v, err := named(); err != nil || v != "one" {
		t.Fatalf("named columns after ALTER: %q %v", v, err)
	}
	if _, err := ddl.Exec(ctx, "DROP TABLE pdt"); err != nil {
		t.Fatal(err)
	}
}
