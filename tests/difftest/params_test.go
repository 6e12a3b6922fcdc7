package difftest

import (
	"context"
	"testing"
	"time"
)

// TestParams compares statements with parameters, whose types both
// servers infer, over the extended protocol. Arguments are strings, so
// pgx sends them as text and the inferred types decide their meaning.
func TestParams(t *testing.T) {
	pgURL := startPostgres(t)
	mURL := startMeridian(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pg, m := connectExtended(t, pgURL), connectExtended(t, mURL)
	for _, q := range append(schema(), dataInserts(seed())...) {
		if _, err := pg.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		q    string
		args []any
	}{
		{"SELECT id, a FROM t1 WHERE a > $1 ORDER BY id", []any{"3"}},
		{"SELECT id FROM t1 WHERE s LIKE $1 ORDER BY id", []any{"a%"}},
		{"SELECT id, f FROM t1 WHERE f BETWEEN $1 AND $2 ORDER BY id", []any{"-5.5", "20"}},
		{"SELECT $1::int + a FROM t1 WHERE id = $2", []any{"7", "3"}},
		{"SELECT id, amt FROM t4 WHERE amt > $1 ORDER BY id", []any{"100.5"}},
		{"SELECT amt * $1 FROM t4 WHERE id = $2", []any{"2.50", "5"}},
		{"SELECT id FROM t1 WHERE ts < $1 ORDER BY id", []any{"2024-06-01 00:00:00"}},
		{"SELECT id FROM t1 WHERE flag = $1 ORDER BY id", []any{"true"}},
		{"SELECT count(*) FROM t2 WHERE t1_id IN (SELECT id FROM t1 WHERE a < $1)", []any{"2"}},
		{"SELECT id FROM t1 ORDER BY id LIMIT $1 OFFSET $2", []any{"5", "3"}},
		{"SELECT coalesce(s, $1) FROM t1 ORDER BY id", []any{"none"}},
		{"SELECT $1::date + 1, $2::timestamptz, $3::jsonb ->> 'k'", []any{"2024-02-28", "2024-01-01 10:00:00+02", `{"k": "v"}`}},
		{"SELECT id FROM t1 WHERE a = $1 OR $1 IS NULL ORDER BY id", []any{"4"}},
		{"INSERT INTO t3 VALUES ($1, $2, $3) RETURNING k, v, w", []any{"param-row", "42", "1.25"}},
	} {
		want, got := runExtended(ctx, pg, c.q, c.args...), runExtended(ctx, m, c.q, c.args...)
		if !same(want, got, true) {
			t.Errorf("%s %v\n--- postgres:\n%s\n--- meridian:\n%s", c.q, c.args, want, got)
		}
	}
}
