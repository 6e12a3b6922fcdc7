package pgwire

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// lockedBuffer collects the server's log for the fuzz test's panic check.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// FuzzMessages feeds arbitrary bytes to a connection after a good startup.
// Whatever arrives, the handler must not panic (a recovered panic is
// logged, and that log is what this checks) and the server keeps serving.
func FuzzMessages(f *testing.F) {
	var msgs []byte
	for _, m := range []pgproto3.FrontendMessage{
		&pgproto3.Parse{Name: "s", Query: "echo $1::int4 $2", ParameterOIDs: []uint32{23}},
		&pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1, 0}, Parameters: [][]byte{{0, 0, 0, 1}, []byte("x")}, ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{MaxRows: 1},
		&pgproto3.Sync{},
		&pgproto3.Query{String: "gen 3; types"},
	} {
		b, err := m.Encode(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		msgs = append(msgs, b...)
	}
	f.Add(msgs)
	f.Add([]byte{'Q', 0, 0, 0, 4})
	f.Add([]byte{'B', 0, 0, 0, 12, 0, 0, 0, 1, 0, 1, 0xff, 0xff})

	logs := &lockedBuffer{}
	srv, err := NewServer(Config{Engine: &fakeEngine{}, MaxMessageSize: 1 << 16, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		f.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go func() { _ = srv.Serve(context.Background(), ln) }()
	f.Cleanup(func() { _ = srv.Close() })
	addr := ln.Addr().String()

	f.Fuzz(func(t *testing.T, data []byte) {
		c := dialRaw(t, addr)
		c.startup(rootParams)
		c.write(data)
		c.send(&pgproto3.Sync{}, &pgproto3.Terminate{})
		// data may end inside a message: EOF tells the server nothing more
		// is coming.
		if err := c.nc.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, c.nc); err != nil {
			t.Fatalf("the server did not finish the connection: %v", err)
		}
		if strings.Contains(logs.String(), "panic") {
			t.Fatalf("handler panicked:\n%s", logs.String())
		}
	})
}
