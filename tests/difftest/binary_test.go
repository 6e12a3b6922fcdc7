package difftest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestBinaryFormats compares values pgx receives in the binary format
// (extended protocol) from PostgreSQL and Meridian, for the types whose
// binary encodings Meridian added: numeric, date, timestamptz.
func TestBinaryFormats(t *testing.T) {
	pgURL := startPostgres(t)
	mURL := startMeridian(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	open := func(url string) *pgx.Conn {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close(context.Background()) })
		return c
	}
	pg, m := open(pgURL), open(mURL)
	queries := []string{
		`SELECT 1.50::numeric, (-12345.678901)::numeric(12,6), 0::numeric, 10000::numeric, 0.0001::numeric, 123456789012345678901234567890.5::numeric`,
		`SELECT date '2024-02-29', date '1999-12-31', date '2000-01-01', date '1970-01-01'`,
		`SELECT timestamptz '2024-05-06 07:08:09.123456+02', timestamp '2001-02-03 04:05:06'`,
		`SELECT $1::numeric + 1, $2::date + 1`,
	}
	for _, q := range queries {
		var args []any
		if q == queries[3] {
			args = []any{"2.25", "2024-01-31"}
		}
		want, got := binRow(ctx, t, pg, q, args), binRow(ctx, t, m, q, args)
		if want != got {
			t.Errorf("%s\npostgres: %s\nmeridian: %s", q, want, got)
		}
	}
}

func binRow(ctx context.Context, t *testing.T, c *pgx.Conn, q string, args []any) string {
	rows, err := c.Query(ctx, q, args...)
	if err != nil {
		return "ERROR " + err.Error()
	}
	defer rows.Close()
	var out string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "ERROR " + err.Error()
		}
		for _, v := range vals {
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			out += fmt.Sprintf("%v | ", v)
		}
	}
	if err := rows.Err(); err != nil {
		return "ERROR " + err.Error()
	}
	return out
}
