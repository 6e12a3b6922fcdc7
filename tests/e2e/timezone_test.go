package e2e

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestTimeZoneStartupParam connects as JDBC and libpq (PGTZ) clients do,
// with TimeZone among the startup parameters: the session takes it, text
// output is in it, and binary timestamptz values stay UTC instants.
func TestTimeZoneStartupParam(t *testing.T) {
	n := startNode(t)
	ctx := testCtx(t)
	setup := connect(t, n.SQLAddr())
	mustExec(t, setup, `CREATE TABLE tzt (k BIGINT PRIMARY KEY, t TIMESTAMPTZ)`)

	cfg, err := pgx.ParseConfig(pgURL(n.SQLAddr()))
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["TimeZone"] = "Europe/Berlin"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect with TimeZone=Europe/Berlin: %v", err)
	}
	defer c.Close(ctx)
	if got := c.PgConn().ParameterStatus("TimeZone"); got != "Europe/Berlin" {
		t.Errorf("ParameterStatus TimeZone = %q, want Europe/Berlin", got)
	}
	var zone string
	if err := c.QueryRow(ctx, `SHOW timezone`).Scan(&zone); err != nil {
		t.Fatal(err)
	}
	if zone != "Europe/Berlin" {
		t.Errorf("SHOW timezone = %q, want Europe/Berlin", zone)
	}

	// Binary: the instant round-trips whatever the zone.
	want := time.Date(2024, 7, 15, 12, 0, 0, 123456000, time.UTC)
	if _, err := c.Exec(ctx, `INSERT INTO tzt VALUES (1, $1)`, want); err != nil {
		t.Fatal(err)
	}
	var got time.Time
	if err := c.QueryRow(ctx, `SELECT t FROM tzt WHERE k = 1`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(want) {
		t.Errorf("read back %v, want %v", got, want)
	}

	// Text: a literal without an offset is Berlin time (CEST in July) and
	// prints with Berlin's offset.
	if _, err := c.Exec(ctx, `INSERT INTO tzt VALUES (2, '2024-07-15 14:00:00')`); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(ctx, `SELECT t FROM tzt WHERE k = 2`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if w := time.Date(2024, 7, 15, 12, 0, 0, 0, time.UTC); !got.Equal(w) {
		t.Errorf("read back %v, want %v", got, w)
	}
	var text string
	if err := c.QueryRow(ctx, `SELECT t::text FROM tzt WHERE k = 2`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if text != "2024-07-15 14:00:00+02" {
		t.Errorf("text = %q, want 2024-07-15 14:00:00+02", text)
	}
	rows, err := c.Query(ctx, `SELECT t FROM tzt WHERE k = 2`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		if raw := string(rows.RawValues()[0]); raw != "2024-07-15 14:00:00+02" {
			t.Errorf("simple-protocol text = %q, want 2024-07-15 14:00:00+02", raw)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	// SET reports the new zone, and text output follows it.
	if _, err := c.Exec(ctx, `SET TIME ZONE 'Asia/Kolkata'`); err != nil {
		t.Fatal(err)
	}
	if got := c.PgConn().ParameterStatus("TimeZone"); got != "Asia/Kolkata" {
		t.Errorf("ParameterStatus TimeZone = %q, want Asia/Kolkata", got)
	}
	rows, err = c.Query(ctx, `SELECT t FROM tzt WHERE k = 2`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		if raw := string(rows.RawValues()[0]); raw != "2024-07-15 17:30:00+05:30" {
			t.Errorf("simple-protocol text = %q, want 2024-07-15 17:30:00+05:30", raw)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
