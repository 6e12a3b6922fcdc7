package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestCopyBinary loads 10,000 rows with pgx's CopyFrom (the binary COPY
// format) over every common column type and NULLs, reads them back, dumps
// them with COPY TO STDOUT (FORMAT binary), and checks that a malformed
// stream fails with 22P03/22P04 and leaves the connection usable.
func TestCopyBinary(t *testing.T) {
	n := startNode(t)
	c := connect(t, n.SQLAddr())
	ctx := testCtx(t)
	mustExec(t, c, `CREATE TABLE b (id INT PRIMARY KEY, big BIGINT, s TEXT, f FLOAT8, ok BOOL,
		raw BYTEA, ts TIMESTAMP, amt NUMERIC(12,2))`)

	const rows = 10000
	base := time.Date(2024, 2, 29, 12, 34, 56, 123456000, time.UTC)
	want := make([][]any, rows)
	for i := range want {
		r := []any{int32(i), int64(i) * 1_000_000_007, fmt.Sprintf("row %d\t\\ é", i), float64(i) / 8,
			i%2 == 0, []byte{byte(i), byte(i >> 8), 0, 0xff}, base.Add(time.Duration(i) * time.Second),
			pgtype.Numeric{Int: big.NewInt(int64(i)*100 + 7), Exp: -2, Valid: true}}
		if i%7 == 3 {
			// NULL in every nullable column.
			for j := 1; j < len(r); j++ {
				r[j] = nil
			}
		}
		want[i] = r
	}
	cols := []string{"id", "big", "s", "f", "ok", "raw", "ts", "amt"}
	got, err := c.CopyFrom(ctx, pgx.Identifier{"b"}, cols, pgx.CopyFromRows(want))
	if err != nil || got != rows {
		t.Fatalf("CopyFrom: %d, %v", got, err)
	}

	check := func(i int, id int32, big *int64, s *string, f *float64, ok *bool, raw []byte, ts *time.Time, amt *string) {
		t.Helper()
		w := want[i]
		if id != w[0].(int32) {
			t.Fatalf("row %d: id %d", i, id)
		}
		if w[1] == nil {
			if big != nil || s != nil || f != nil || ok != nil || raw != nil || ts != nil || amt != nil {
				t.Fatalf("row %d: want NULLs, got %v %v %v %v %v %v %v", i, big, s, f, ok, raw, ts, amt)
			}
			return
		}
		wn := w[7].(pgtype.Numeric)
		wamt := fmt.Sprintf("%d.%02d", wn.Int.Int64()/100, wn.Int.Int64()%100)
		if big == nil || *big != w[1].(int64) || s == nil || *s != w[2].(string) || f == nil || *f != w[3].(float64) ||
			ok == nil || *ok != w[4].(bool) || !bytes.Equal(raw, w[5].([]byte)) || ts == nil || !ts.Equal(w[6].(time.Time)) ||
			amt == nil || *amt != wamt {
			t.Fatalf("row %d: got %v %v %v %v %x %v %v, want %v", i, big, s, f, ok, raw, ts, amt, w)
		}
	}
	res, err := c.Query(ctx, "SELECT id, big, s, f, ok, raw, ts, amt::TEXT FROM b ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for res.Next() {
		var id int32
		var big *int64
		var s *string
		var f *float64
		var ok *bool
		var raw []byte
		var ts *time.Time
		var amt *string
		if err := res.Scan(&id, &big, &s, &f, &ok, &raw, &ts, &amt); err != nil {
			t.Fatal(err)
		}
		check(i, id, big, s, f, ok, raw, ts, amt)
		i++
	}
	if res.Err() != nil || i != rows {
		t.Fatalf("read back %d rows: %v", i, res.Err())
	}

	// COPY TO STDOUT in binary: the header, 10,000 tuples, the trailer.
	var out bytes.Buffer
	tag, err := c.PgConn().CopyTo(ctx, &out, "COPY b (id, s) TO STDOUT (FORMAT binary)")
	if err != nil || tag.String() != fmt.Sprintf("COPY %d", rows) {
		t.Fatalf("COPY TO binary: %v %v", tag, err)
	}
	data := out.Bytes()
	if !bytes.HasPrefix(data, []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")) ||
		!bytes.HasSuffix(data, []byte{0xff, 0xff}) {
		t.Fatalf("COPY TO binary framing: % x ... % x", data[:min(len(data), 24)], data[max(0, len(data)-4):])
	}
	p := data[19:]
	if binary.BigEndian.Uint16(p) != 2 || binary.BigEndian.Uint32(p[2:]) != 4 || binary.BigEndian.Uint32(p[6:]) != 0 {
		t.Fatalf("first tuple % x", p[:min(len(p), 24)])
	}
	if l := binary.BigEndian.Uint32(p[10:]); string(p[14:14+l]) != want[0][2].(string) {
		t.Fatalf("first tuple text % x", p[10:min(len(p), 40)])
	}

	// A malformed field (3 bytes for an int4): 22P03, nothing written,
	// and the connection stays usable.
	hdr := []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	bad := append(append([]byte{}, hdr...), 0, 1, 0, 0, 0, 3, 1, 2, 3, 0xff, 0xff)
	_, err = c.PgConn().CopyFrom(ctx, bytes.NewReader(bad), "COPY b (id) FROM STDIN (FORMAT binary)")
	if sqlState(err) != "22P03" {
		t.Fatalf("malformed field: %v", err)
	}
	// A bad signature and a truncated stream: 22P04, as PostgreSQL.
	_, err = c.PgConn().CopyFrom(ctx, strings.NewReader("PGCOPY?garbage"), "COPY b (id) FROM STDIN (FORMAT binary)")
	if sqlState(err) != "22P04" {
		t.Fatalf("bad signature: %v", err)
	}
	trunc := append(append([]byte{}, hdr...), 0, 1, 0, 0, 0, 4, 0, 0)
	_, err = c.PgConn().CopyFrom(ctx, bytes.NewReader(trunc), "COPY b (id) FROM STDIN BINARY")
	if sqlState(err) != "22P04" {
		t.Fatalf("truncated: %v", err)
	}
	// Wrong field count.
	wrong := append(append([]byte{}, hdr...), 0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	_, err = c.PgConn().CopyFrom(ctx, bytes.NewReader(wrong), "COPY b (id) FROM STDIN BINARY")
	if sqlState(err) != "22P04" {
		t.Fatalf("field count: %v", err)
	}
	var cnt int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM b").Scan(&cnt); err != nil || cnt != rows {
		t.Fatalf("after failed COPYs: %d %v", cnt, err)
	}
	// A good hand-made stream with an ignored header extension.
	good := append([]byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x02xy"), 0, 1, 0, 0, 0, 4, 0, 0, 0x30, 0x39, 0xff, 0xff)
	tag, err = c.PgConn().CopyFrom(ctx, bytes.NewReader(good), "COPY b (id) FROM STDIN (FORMAT binary)")
	if err != nil || tag.String() != "COPY 1" {
		t.Fatalf("hand-made stream: %v %v", tag, err)
	}
	if err := c.QueryRow(ctx, "SELECT count(*) FROM b WHERE id = 12345 AND s IS NULL").Scan(&cnt); err != nil || cnt != 1 {
		t.Fatalf("hand-made row: %d %v", cnt, err)
	}
}
