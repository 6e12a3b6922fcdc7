package pgwire

import (
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
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
	_ sql.BinaryCopier = (*simpleWriter)(nil)
	_ sql.BinaryCopier = (*portalWriter)(nil)
)

// copyDecode reads one binary COPY field (never NULL) of type t.
func copyDecode(t types.T, b []byte) (rowenc.Value, error) {
	if b == nil {
		b = []byte{}
	}
	return decodeParam(t, formatBinary, b, nil)
}

// copyAppend appends non-NULL v of type t in binary.
func copyAppend(dst []byte, t types.T, v rowenc.Value) ([]byte, error) {
	b, err := encodeValue(t, formatBinary, v, nil)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

func (w *simpleWriter) DecodeBinary(t types.T, b []byte) (rowenc.Value, error) {
	return copyDecode(t, b)
}

func (w *simpleWriter) AppendBinary(dst []byte, t types.T, v rowenc.Value) ([]byte, error) {
	return copyAppend(dst, t, v)
}

func (w *portalWriter) DecodeBinary(t types.T, b []byte) (rowenc.Value, error) {
	return copyDecode(t, b)
}

func (w *portalWriter) AppendBinary(dst []byte, t types.T, v rowenc.Value) ([]byte, error) {
	return copyAppend(dst, t, v)
}

func (w *simpleWriter) CopyInBinary(ncols int) (sql.CopySource, error) {
	return w.c.copyIn(formatBinary, ncols)
}

func (w *simpleWriter) CopyOutBinary(ncols int) error { return w.c.copyOut(formatBinary, ncols) }

func (w *portalWriter) CopyInBinary(ncols int) (sql.CopySource, error) {
	if !w.stream {
		return nil, pgerror.Unsupported("COPY in a portal executed with a row limit")
	}
	return w.c.copyIn(formatBinary, ncols)
}

func (w *portalWriter) CopyOutBinary(ncols int) error {
	if !w.stream {
		return pgerror.Unsupported("COPY in a portal executed with a row limit")
	}
	return w.c.copyOut(formatBinary, ncols)
}

func (w *simpleWriter) CopyIn(csv bool, ncols int) (sql.CopySource, error) {
	return w.c.copyIn(formatText, ncols)
}

func (w *simpleWriter) CopyOut(csv bool, ncols int) error { return w.c.copyOut(formatText, ncols) }

func (w *simpleWriter) CopyData(data []byte) error { return w.c.copyData(data) }

func (w *portalWriter) CopyIn(csv bool, ncols int) (sql.CopySource, error) {
	if !w.stream {
		return nil, pgerror.Unsupported("COPY in a portal executed with a row limit")
	}
	return w.c.copyIn(formatText, ncols)
}

func (w *portalWriter) CopyOut(csv bool, ncols int) error {
	if !w.stream {
		return pgerror.Unsupported("COPY in a portal executed with a row limit")
	}
	return w.c.copyOut(formatText, ncols)
}

func (w *portalWriter) CopyData(data []byte) error { return w.c.copyData(data) }

// copyFormats is every column's format code: text and CSV are both
// "textual" (0), binary is 1.
func copyFormats(f int16, ncols int) []uint16 {
	fs := make([]uint16, ncols)
	for i := range fs {
		fs[i] = uint16(f)
	}
	return fs
}

func (c *conn) copyIn(f int16, ncols int) (sql.CopySource, error) {
	c.send(&pgproto3.CopyInResponse{OverallFormat: byte(f), ColumnFormatCodes: copyFormats(f, ncols)})
	c.flush()
	if c.writeErr != nil {
		return nil, c.writeErr
	}
	return &copySource{c: c}, nil
}

func (c *conn) copyOut(f int16, ncols int) error {
	c.send(&pgproto3.CopyOutResponse{OverallFormat: byte(f), ColumnFormatCodes: copyFormats(f, ncols)})
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
