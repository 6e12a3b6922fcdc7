package e2e

import (
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// rawStartup dials addr, runs the startup exchange and returns the
// connection ready for queries.
func rawStartup(t *testing.T, addr string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "root", "database": "defaultdb"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			return nc, fe
		}
	}
}

// expectFatalThenEOF reads until the server closes, and checks the last
// message before was a FATAL ErrorResponse with code.
func expectFatalThenEOF(t *testing.T, fe *pgproto3.Frontend, code string) {
	t.Helper()
	var last pgproto3.BackendMessage
	for {
		m, err := fe.Receive()
		if err != nil {
			if !strings.Contains(err.Error(), "EOF") && !strings.Contains(err.Error(), "reset") && err != io.EOF {
				t.Fatalf("expected EOF, got %v", err)
			}
			break
		}
		last = m
	}
	e, ok := last.(*pgproto3.ErrorResponse)
	if !ok || e.Severity != "FATAL" || e.Code != code {
		t.Fatalf("last message %#v, want FATAL %s", last, code)
	}
}

// Malformed protocol messages end that connection with 08P01; malformed SQL
// is an ordinary error; the server goes on serving everyone else.
func TestMalformedProtocol(t *testing.T) {
	n := startNode(t)
	ctx := testCtx(t)
	bystander := connect(t, n.SQLAddr())

	cases := map[string][]byte{
		"garbage":              []byte("\x00\x00\x00\x00\xde\xad\xbe\xef garbage"),
		"bogus length":         {'Q', 0xff, 0xff, 0xff, 0xff},
		"length below minimum": {'Q', 0, 0, 0, 1},
		"unknown message type": {'y', 0, 0, 0, 4},
		"oversized message":    {'Q', 0x7f, 0, 0, 0},
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			nc, fe := rawStartup(t, n.SQLAddr())
			if _, err := nc.Write(raw); err != nil {
				t.Fatal(err)
			}
			expectFatalThenEOF(t, fe, "08P01")
		})
	}
	t.Run("garbage instead of startup", func(t *testing.T) {
		nc, err := net.Dial("tcp", n.SQLAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := nc.Write(binary.BigEndian.AppendUint32(nil, 0xfffffff)); err != nil {
			t.Fatal(err)
		}
		expectFatalThenEOF(t, pgproto3.NewFrontend(nc, nc), "08P01")
	})
	t.Run("malformed SQL", func(t *testing.T) {
		_, fe := rawStartup(t, n.SQLAddr())
		fe.Send(&pgproto3.Query{String: "SELECT (1"})
		fe.Send(&pgproto3.Query{String: "SELECT 1 + 1"})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		var got []string
		for len(got) < 6 {
			m, err := fe.Receive()
			if err != nil {
				t.Fatal(err)
			}
			switch m := m.(type) {
			case *pgproto3.ErrorResponse:
				got = append(got, "E"+m.Code)
			case *pgproto3.ReadyForQuery:
				got = append(got, "Z")
			case *pgproto3.DataRow:
				got = append(got, "D"+string(m.Values[0]))
			case *pgproto3.RowDescription:
				got = append(got, "T")
			case *pgproto3.CommandComplete:
				got = append(got, "C")
			}
		}
		if strings.Join(got, " ") != "E42601 Z T D2 C Z" {
			t.Errorf("got %v", got)
		}
	})

	var x int
	if err := bystander.QueryRow(ctx, `SELECT 41 + 1`).Scan(&x); err != nil || x != 42 {
		t.Fatalf("bystander after the bad clients: %v %v", x, err)
	}
}

// Execute with a row limit pages through a portal (JDBC's fetch size),
// with binary results as requested at Bind.
func TestPortalPaging(t *testing.T) {
	n := startNode(t)
	c := connect(t, n.SQLAddr())
	mustExec(t, c, `CREATE TABLE pages (id INT PRIMARY KEY)`)
	mustExec(t, c, `INSERT INTO pages VALUES (1), (2), (3), (4), (5)`)

	_, fe := rawStartup(t, n.SQLAddr())
	fe.Send(&pgproto3.Parse{Name: "q", Query: "SELECT id FROM pages WHERE id > $1 ORDER BY id", ParameterOIDs: []uint32{23}})
	fe.Send(&pgproto3.Bind{PreparedStatement: "q", ParameterFormatCodes: []int16{1},
		Parameters: [][]byte{binary.BigEndian.AppendUint32(nil, 1)}, ResultFormatCodes: []int16{1}})
	for range 3 {
		fe.Send(&pgproto3.Execute{MaxRows: 2})
	}
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		m, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := m.(type) {
		case *pgproto3.DataRow:
			got = append(got, string(rune('0'+binary.BigEndian.Uint32(m.Values[0]))))
		case *pgproto3.PortalSuspended:
			got = append(got, "s")
		case *pgproto3.CommandComplete:
			got = append(got, string(m.CommandTag))
		case *pgproto3.ErrorResponse:
			t.Fatalf("error: %s %s", m.Code, m.Message)
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	if strings.Join(got, " ") != "2 3 s 4 5 s SELECT 0" {
		t.Errorf("paging: %v", got)
	}
}
