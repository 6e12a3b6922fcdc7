package pgwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// testServer serves eng on a loopback port until the test ends.
func testServer(t *testing.T, eng *fakeEngine, maxMsg int) (*Server, string) {
	t.Helper()
	srv, err := NewServer(Config{Engine: eng, MaxMessageSize: maxMsg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, ln.Addr().String()
}

// rawClient speaks the protocol by hand, for the tests that need exact
// message sequences or malformed input.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	// A hard bound so a protocol bug fails the test instead of hanging it.
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { _ = nc.Close() })
	return &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// startup sends a StartupMessage with params and returns the replies up to
// ReadyForQuery (or an ErrorResponse, or the end of the stream).
func (c *rawClient) startup(params map[string]string) []string {
	c.t.Helper()
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: params})
	return c.until()
}

func (c *rawClient) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.fe.Send(m)
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// until returns the messages received up to and including ReadyForQuery, a
// FATAL error, or EOF (as "EOF").
func (c *rawClient) until() []string {
	c.t.Helper()
	var out []string
	for {
		m, err := c.fe.Receive()
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "reset") {
				return append(out, "EOF")
			}
			c.t.Fatalf("receive after %v: %v", out, err)
		}
		out = append(out, describeMsg(m))
		switch m := m.(type) {
		case *pgproto3.ReadyForQuery:
			return out
		case *pgproto3.ErrorResponse:
			if m.Severity == "FATAL" {
				// The server must close after a FATAL error.
				if _, err := c.fe.Receive(); err == nil {
					c.t.Fatalf("message after FATAL")
				}
				return append(out, "EOF")
			}
		}
	}
}

// describeMsg renders a backend message compactly for comparisons.
func describeMsg(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.ReadyForQuery:
		return "Z" + string(m.TxStatus)
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("%s %s %s", m.Severity, m.Code, m.Message)
	case *pgproto3.CommandComplete:
		return "C " + string(m.CommandTag)
	case *pgproto3.DataRow:
		var vs []string
		for _, v := range m.Values {
			if v == nil {
				vs = append(vs, "NULL")
			} else {
				vs = append(vs, fmt.Sprintf("%q", v))
			}
		}
		return "D " + strings.Join(vs, ",")
	case *pgproto3.RowDescription:
		var fs []string
		for _, f := range m.Fields {
			fs = append(fs, fmt.Sprintf("%s:%d/%d/%d/f%d", f.Name, f.DataTypeOID, f.DataTypeSize, f.TypeModifier, f.Format))
		}
		return "T " + strings.Join(fs, ",")
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("t %v", m.ParameterOIDs)
	case *pgproto3.ParameterStatus:
		return "S " + m.Name + "=" + m.Value
	case *pgproto3.BackendKeyData:
		return "K"
	case *pgproto3.AuthenticationOk:
		return "R ok"
	case *pgproto3.NoticeResponse:
		return "N " + m.Message
	case *pgproto3.NegotiateProtocolVersion:
		return fmt.Sprintf("v %d %v", m.NewestMinorProtocol, m.UnrecognizedOptions)
	}
	s := fmt.Sprintf("%T", m)
	return strings.TrimPrefix(s, "*pgproto3.")
}

// withoutStatus drops the ParameterStatus and BackendKeyData of a startup.
func withoutStatus(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		if !strings.HasPrefix(m, "S ") && m != "K" {
			out = append(out, m)
		}
	}
	return out
}

func eq(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

var rootParams = map[string]string{"user": "root", "database": "defaultdb"}
