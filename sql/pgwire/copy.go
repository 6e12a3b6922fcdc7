package pgwire

import (
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgerror"
)

// COPY's sub-protocol. The engine drives it through sql.Copier: CopyIn
// sends CopyInResponse and returns a source that reads CopyData messages
// straight off the connection (one at a time: memory stays bounded), up to
// CopyDone (io.EOF) or CopyFail (57014). Flush and Sync are ignored in copy
// mode, as PostgreSQL does; any other message is an 08P01 error. When the
// statement fails before the client finished sending, the rest of the data
// needs no draining: CopyData, CopyDone and CopyFail arriving outside copy
// mode are dropped (conn.handle), and in extended mode everything up to
// Sync is skipped anyway, which is PostgreSQL's behaviour too.

var (
	_ sql.Copier = (*simpleWriter)(nil)
	_ sql.Copier = (*portalWriter)(nil)
)

func (w *simpleWriter) CopyIn(csv bool, ncols int) (sql.CopySource, error) {
	return w.c.copyIn(csv, ncols)
}

func (w *simpleWriter) CopyOut(csv bool, ncols int) error { return w.c.copyOut(csv, ncols) }

func (w *simpleWriter) CopyData(data []byte) error { return w.c.copyData(data) }

func (w *portalWriter) CopyIn(csv bool, ncols int) (sql.CopySource, error) {
	if !w.stream {
		return nil, pgerror.Unsupported("COPY in a portal executed with a row limit")
	}
	return w.c.copyIn(csv, ncols)
}

func (w *portalWriter) CopyOut(csv bool, ncols int) error {
	if !w.stream {
		return pgerror.Unsupported("COPY in a portal executed with a row limit")
	}
	return w.c.copyOut(csv, ncols)
}

func (w *portalWriter) CopyData(data []byte) error { return w.c.copyData(data) }

func copyFormats(ncols int) []uint16 { return make([]uint16, ncols) } // all text

func overallFormat(csv bool) byte {
	_ = csv
	return 0 // text and CSV are both "textual" (0); binary is 1
}

func (c *conn) copyIn(csv bool, ncols int) (sql.CopySource, error) {
	c.send(&pgproto3.CopyInResponse{OverallFormat: overallFormat(csv), ColumnFormatCodes: copyFormats(ncols)})
	c.flush()
	if c.writeErr != nil {
		return nil, c.writeErr
	}
	return &copySource{c: c}, nil
}

func (c *conn) copyOut(csv bool, ncols int) error {
	c.send(&pgproto3.CopyOutResponse{OverallFormat: overallFormat(csv), ColumnFormatCodes: copyFormats(ncols)})
	c.copyingOut = true
	return c.writeErr
}

// copyData sends one CopyData.
func (c *conn) copyData(data []byte) error {
	c.send(&pgproto3.CopyData{Data: data})
	return c.writeErr
}

// endCopyOut sends CopyDone before the CommandComplete of a COPY TO.
func (c *conn) endCopyOut() {
	if c.copyingOut {
		c.copyingOut = false
		c.send(&pgproto3.CopyDone{})
	}
}

// copySource reads a client's COPY data.
type copySource struct {
	c    *conn
	done bool
}

func (s *copySource) Next() ([]byte, error) {
	if s.done {
		return nil, io.EOF
	}
	for {
		msg, err := s.c.be.Receive()
		if err != nil {
			s.done = true
			s.c.readErr = err
			return nil, pgerror.New(pgerror.CodeConnectionFailure, "connection lost during COPY")
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			return m.Data, nil
		case *pgproto3.CopyDone:
			s.done = true
			return nil, io.EOF
		case *pgproto3.CopyFail:
			s.done = true
			return nil, pgerror.New(pgerror.CodeQueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		default:
			s.done = true
			return nil, pgerror.New(pgerror.CodeProtocolViolation, "unexpected message type %T during COPY from stdin", msg)
		}
	}
}
