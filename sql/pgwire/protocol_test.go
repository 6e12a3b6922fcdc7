package pgwire

import (
	"context"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

func TestStartup(t *testing.T) {
	_, addr := testServer(t, &fakeEngine{}, 0)

	t.Run("ok", func(t *testing.T) {
		c := dialRaw(t, addr)
		got := c.startup(map[string]string{"user": "root", "database": "defaultdb", "application_name": "app"})
		eq(t, "startup", withoutStatus(got), []string{"R ok", "ZI"})
		joined := strings.Join(got, "\n")
		for _, want := range []string{"S server_version=15.0 (Meridian)", "S client_encoding=UTF8", "S application_name=app",
			"S DateStyle=ISO, MDY", "S integer_datetimes=on", "S standard_conforming_strings=on", "S TimeZone=UTC", "K"} {
			if !strings.Contains(joined, want) {
				t.Errorf("startup lacks %q:\n%s", want, joined)
			}
		}
	})
	t.Run("ssl and gss refused, startup continues", func(t *testing.T) {
		c := dialRaw(t, addr)
		for _, m := range []pgproto3.FrontendMessage{&pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}} {
			c.send(m)
			var b [1]byte
			if _, err := c.nc.Read(b[:]); err != nil || b[0] != 'N' {
				t.Fatalf("%T: got %q, %v; want 'N'", m, b, err)
			}
		}
		eq(t, "startup", withoutStatus(c.startup(rootParams)), []string{"R ok", "ZI"})
	})
	t.Run("no user", func(t *testing.T) {
		c := dialRaw(t, addr)
		eq(t, "startup", c.startup(map[string]string{"database": "x"}),
			[]string{"FATAL 28000 no PostgreSQL user name specified in startup packet", "EOF"})
	})
	t.Run("unknown database", func(t *testing.T) {
		c := dialRaw(t, addr)
		eq(t, "startup", c.startup(map[string]string{"user": "u", "database": "nope"}),
			[]string{"R ok", `FATAL 3D000 database "nope" does not exist`, "EOF"})
	})
	t.Run("protocol 2", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.write([]byte{0, 0, 0, 8, 0, 2, 0, 0})
		eq(t, "startup", c.until(), []string{"FATAL 0A000 unsupported frontend protocol 2.0: server supports 3.0 to 3.0", "EOF"})
	})
	t.Run("protocol 3.2 negotiated down", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32,
			Parameters: map[string]string{"user": "root", "_pq_.foo": "1"}})
		eq(t, "startup", withoutStatus(c.until()), []string{"v 0 [_pq_.foo]", "R ok", "ZI"})
	})
	t.Run("bad utf8", func(t *testing.T) {
		c := dialRaw(t, addr)
		body := []byte{0, 3, 0, 0}
		body = append(body, "user\x00r\xffot\x00\x00"...)
		c.write(binary.BigEndian.AppendUint32(nil, uint32(len(body)+4)))
		c.write(body)
		got := c.until()
		if len(got) != 2 || !strings.HasPrefix(got[0], "FATAL 08P01") {
			t.Errorf("got %v, want FATAL 08P01 then EOF", got)
		}
	})
	t.Run("bogus startup length", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.write([]byte{0x7f, 0, 0, 0, 0, 3, 0, 0})
		eq(t, "startup", c.until(), []string{"FATAL 08P01 invalid length of startup packet: 2130706432", "EOF"})
	})
}

func TestSimpleQuery(t *testing.T) {
	_, addr := testServer(t, &fakeEngine{}, 0)
	c := dialRaw(t, addr)
	c.startup(rootParams)

	c.send(&pgproto3.Query{String: "gen 2; insert; notice; set TimeZone Europe/Paris"})
	eq(t, "multi", c.until(), []string{
		"T i:20/8/-1/f0,s:25/-1/-1/f0", `D "0","row 0"`, `D "1","row 1"`, "C SELECT 2",
		"C INSERT 0 1", "N hello from the engine", "C DO", "S TimeZone=Europe/Paris", "C SET", "ZI"})

	c.send(&pgproto3.Query{String: "types"})
	eq(t, "types", c.until(), []string{
		"T i2:21/2/-1/f0,i4:23/4/-1/f0,i8:20/8/-1/f0,f4:700/4/-1/f0,f8:701/8/-1/f0,b:16/1/-1/f0,by:17/-1/-1/f0," +
			"t:25/-1/-1/f0,vc:1043/-1/14/f0,c:1042/-1/7/f0,ts:1114/8/-1/f0,n:20/8/-1/f0",
		`D "-2","40000","1099511627776","1.5","-2.25","t","\\x0001ff","héllo","vc","ab ","2000-01-01 00:00:01.5",NULL`,
		"C SELECT 1", "ZI"})

	c.send(&pgproto3.Query{String: "  "})
	eq(t, "empty", c.until(), []string{"EmptyQueryResponse", "ZI"})

	// The first error stops the rest and the connection keeps working.
	c.send(&pgproto3.Query{String: "insert; error; insert"})
	eq(t, "error", c.until(), []string{"C INSERT 0 1", `ERROR 42601 syntax error at or near "error"`, "ZI"})

	c.send(&pgproto3.Query{String: "begin; fail"})
	eq(t, "failed txn", c.until(), []string{"C BEGIN", "ERROR 22012 division by zero", "ZE"})
	c.send(&pgproto3.Query{String: "insert"})
	eq(t, "in failed txn", c.until(), []string{"ERROR 25P02 current transaction is aborted", "ZE"})
	c.send(&pgproto3.Query{String: "rollback"})
	eq(t, "rollback", c.until(), []string{"C ROLLBACK", "ZI"})

	c.send(&pgproto3.Query{String: "gen\xff"})
	eq(t, "bad utf8 query", c.until(), []string{`ERROR 22021 invalid byte sequence for encoding "UTF8"`, "ZI"})

	c.send(&pgproto3.FunctionCall{Function: 1})
	eq(t, "function call", c.until(), []string{"ERROR 0A000 not supported yet: the fastpath function call protocol", "ZI"})

	c.send(&pgproto3.Terminate{})
	if _, err := c.fe.Receive(); err == nil {
		t.Error("connection open after Terminate")
	}
}

func TestExtendedProtocol(t *testing.T) {
	_, addr := testServer(t, &fakeEngine{}, 0)
	c := dialRaw(t, addr)
	c.startup(rootParams)

	// Named statement, described, bound twice with text and binary
	// parameters and results.
	c.send(
		&pgproto3.Parse{Name: "s1", Query: "echo $1::int4 $2 $3::timestamp", ParameterOIDs: []uint32{0, 1043}},
		&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
		&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{0, 1, 1},
			Parameters:        [][]byte{[]byte("42"), []byte("hi"), binary.BigEndian.AppendUint64(nil, 1_000_000)},
			ResultFormatCodes: []int16{1, 0, 1}},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Bind{DestinationPortal: "p2", PreparedStatement: "s1", Parameters: [][]byte{[]byte("-7"), nil, []byte("2001-02-03 04:05:06")}},
		&pgproto3.Execute{Portal: "p2"},
		&pgproto3.Sync{},
	)
	eq(t, "named", c.until(), []string{
		"ParseComplete", "t [23 1043 1114]", "T p1:23/4/-1/f0,p2:1043/-1/-1/f0,p3:1114/8/-1/f0",
		"BindComplete", "T p1:23/4/-1/f1,p2:1043/-1/-1/f0,p3:1114/8/-1/f1",
		`D "\x00\x00\x00*","hi","\x00\x00\x00\x00\x00\x0fB@"`, "C SELECT 1",
		"BindComplete", `D "-7",NULL,"2001-02-03 04:05:06"`, "C SELECT 1", "ZI"})

	// Portal suspension: Execute with a row limit pages through the rows.
	c.send(
		&pgproto3.Parse{Query: "gen 5"},
		&pgproto3.Bind{},
		&pgproto3.Execute{MaxRows: 2},
		&pgproto3.Execute{MaxRows: 2},
		&pgproto3.Flush{},
	)
	for _, want := range []string{"ParseComplete", "BindComplete", `D "0","row 0"`, `D "1","row 1"`, "PortalSuspended",
		`D "2","row 2"`, `D "3","row 3"`, "PortalSuspended"} {
		m, err := c.fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if got := describeMsg(m); got != want {
			t.Fatalf("paging: got %s, want %s", got, want)
		}
	}
	c.send(&pgproto3.Execute{MaxRows: 2}, &pgproto3.Sync{})
	eq(t, "last page", c.until(), []string{`D "4","row 4"`, "C SELECT 1", "ZI"})

	// An error skips everything up to Sync; the next batch works.
	c.send(
		&pgproto3.Parse{Query: "error"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Query{String: "insert"},
		&pgproto3.Sync{},
		&pgproto3.Parse{Query: "insert"},
		&pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
	)
	eq(t, "error until sync", c.until(), []string{`ERROR 42601 syntax error at or near "error"`, "ZI"})
	eq(t, "after sync", c.until(), []string{"ParseComplete", "BindComplete", "NoData", "C INSERT 0 1", "ZI"})

	// Misuse of statements and portals: each is an error, not a hang-up.
	for _, tc := range []struct {
		msgs []pgproto3.FrontendMessage
		want string
	}{
		{[]pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "nope"}}, `ERROR 26000 prepared statement "nope" does not exist`},
		{[]pgproto3.FrontendMessage{&pgproto3.Execute{Portal: "nope"}}, `ERROR 34000 portal "nope" does not exist`},
		{[]pgproto3.FrontendMessage{&pgproto3.Parse{Name: "s1", Query: "insert"}}, `ERROR 42P05 prepared statement "s1" already exists`},
		{[]pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "s1"}},
			`ERROR 08P01 bind message supplies 0 parameters, but prepared statement "s1" requires 3`},
		{[]pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("x"), nil, nil}}},
			`ERROR 22P02 invalid input syntax for type integer: "x"`},
		{[]pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{1}, nil, nil}}},
			`ERROR 22P03 incorrect binary data format for type integer (1 bytes)`},
		{[]pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{nil, nil, nil}, ResultFormatCodes: []int16{1, 1}}},
			`ERROR 08P01 bind message has 2 result formats but query has 3 columns`},
		{[]pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{nil, nil, nil}, ResultFormatCodes: []int16{7}}},
			`ERROR 08P01 unsupported format code: 7`},
		{[]pgproto3.FrontendMessage{&pgproto3.Parse{Query: "echo $1", ParameterOIDs: []uint32{600}}}, `ERROR 42704 type with OID 600 is not supported`},
	} {
		c.send(append(tc.msgs, &pgproto3.Sync{})...)
		eq(t, "misuse", c.until(), []string{tc.want, "ZI"})
	}

	// Close, then the statement is gone.
	c.send(&pgproto3.Close{ObjectType: 'S', Name: "s1"}, &pgproto3.Describe{ObjectType: 'S', Name: "s1"}, &pgproto3.Sync{})
	eq(t, "close", c.until(), []string{"CloseComplete", `ERROR 26000 prepared statement "s1" does not exist`, "ZI"})

	// Unnamed portals end with their transaction.
	c.send(&pgproto3.Parse{Query: "gen 1"}, &pgproto3.Bind{}, &pgproto3.Sync{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	eq(t, "bind", c.until(), []string{"ParseComplete", "BindComplete", "ZI"})
	eq(t, "portal gone", c.until(), []string{`ERROR 34000 portal "" does not exist`, "ZI"})
}

// Protocol garbage closes that connection with 08P01 and nothing else; the
// server goes on serving others.
func TestProtocolViolations(t *testing.T) {
	_, addr := testServer(t, &fakeEngine{}, 4096)
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"unknown message type", []byte{'!', 0, 0, 0, 4}, "FATAL 08P01 unknown message type: !"},
		{"bogus length", []byte{'Q', 0, 0, 0, 2}, "FATAL 08P01 invalid message length: 2"},
		{"oversized", append([]byte{'Q', 0, 0, 0x20, 0}, make([]byte, 64)...), "FATAL 08P01 message of 8188 bytes exceeds the maximum of 4096"},
		{"malformed bind", []byte{'B', 0, 0, 0, 6, 'x', 'y'}, "FATAL 08P01 Bind body is invalid "},
		{"password after startup", []byte{'p', 0, 0, 0, 5, 0}, "FATAL 08P01 unexpected message *pgproto3.PasswordMessage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			c.startup(rootParams)
			c.write(tc.raw)
			eq(t, tc.name, c.until(), []string{tc.want, "EOF"})
		})
	}
	t.Run("garbage before startup", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.write([]byte("GET / HTTP/1.1\r\n\r\n"))
		got := c.until()
		if len(got) != 2 || !strings.HasPrefix(got[0], "FATAL 08P01") {
			t.Errorf("got %v", got)
		}
	})
	// The server still serves.
	c := dialRaw(t, addr)
	c.startup(rootParams)
	c.send(&pgproto3.Query{String: "gen 1"})
	eq(t, "after violations", c.until(), []string{"T i:20/8/-1/f0,s:25/-1/-1/f0", `D "0","row 0"`, "C SELECT 1", "ZI"})
}

func TestPanicClosesOnlyThatConnection(t *testing.T) {
	_, addr := testServer(t, &fakeEngine{}, 0)
	other := dialRaw(t, addr)
	other.startup(rootParams)

	c := dialRaw(t, addr)
	c.startup(rootParams)
	c.send(&pgproto3.Query{String: "panic"})
	eq(t, "panic", c.until(), []string{"FATAL XX000 internal error: fake engine panics on purpose", "EOF"})

	other.send(&pgproto3.Query{String: "insert"})
	eq(t, "other", other.until(), []string{"C INSERT 0 1", "ZI"})
}

func TestCancelRequest(t *testing.T) {
	eng := &fakeEngine{blocked: make(chan context.Context, 1)}
	_, addr := testServer(t, eng, 0)
	c := dialRaw(t, addr)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: rootParams})
	var key *pgproto3.BackendKeyData
	for {
		m, err := c.fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if k, ok := m.(*pgproto3.BackendKeyData); ok {
			key = &pgproto3.BackendKeyData{ProcessID: k.ProcessID, SecretKey: append([]byte{}, k.SecretKey...)}
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	c.send(&pgproto3.Query{String: "block"})
	stmtCtx := <-eng.blocked

	cancel := func(pid uint32, secret []byte) {
		cc := dialRaw(t, addr)
		cc.send(&pgproto3.CancelRequest{ProcessID: pid, SecretKey: secret})
		if _, err := cc.fe.Receive(); err == nil {
			t.Error("cancel connection got a reply")
		}
	}
	// A wrong key is ignored: the statement keeps running...
	cancel(key.ProcessID, []byte{^key.SecretKey[0], 1, 2, 3})
	cancel(key.ProcessID+1000, key.SecretKey)
	// (the server closes a cancel connection after acting on it, so both
	// requests have been handled by now)
	if stmtCtx.Err() != nil {
		t.Fatal("a cancel request with a wrong key cancelled the statement")
	}
	// ... and the right one cancels it.
	cancel(key.ProcessID, key.SecretKey)
	eq(t, "cancelled", c.until(), []string{"ERROR 57014 canceling statement due to user request: context canceled", "ZI"})
	c.send(&pgproto3.Query{String: "insert"})
	eq(t, "after cancel", c.until(), []string{"C INSERT 0 1", "ZI"})
}

func TestShutdown(t *testing.T) {
	eng := &fakeEngine{blocked: make(chan context.Context, 1)}
	srv, addr := testServer(t, eng, 0)
	idle := dialRaw(t, addr)
	idle.startup(rootParams)
	busy := dialRaw(t, addr)
	busy.startup(rootParams)
	busy.send(&pgproto3.Query{String: "block"})
	<-eng.blocked

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	eq(t, "idle", idle.until(), []string{"FATAL 57P01 terminating connection due to administrator command", "EOF"})
	// The busy statement never ends by itself, so Shutdown's deadline passes
	// and Close cancels it.
	if err := <-done; err != context.DeadlineExceeded {
		t.Errorf("Shutdown: %v", err)
	}
	// The cancelled statement's error may or may not reach the client
	// before its connection is closed; either way the connection ends.
	got := busy.until()
	if got[len(got)-1] != "EOF" {
		got = append(got, busy.until()...)
	}
	if got[len(got)-1] != "EOF" {
		t.Errorf("busy: %v", got)
	}
	if nc, err := net.Dial("tcp", addr); err == nil {
		nc.Close()
		t.Error("server still accepting after Shutdown")
	}
}
