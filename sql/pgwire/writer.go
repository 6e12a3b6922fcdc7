package pgwire

import (
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// simpleWriter writes the results of a simple query: every statement that
// returns rows gets a RowDescription (text format) and its DataRows.
type simpleWriter struct {
	c     *conn
	types []types.T
}

var _ sql.ResultWriter = (*simpleWriter)(nil)

func (w *simpleWriter) Columns(cols []sql.Column) error {
	w.types = w.types[:0]
	for _, col := range cols {
		w.types = append(w.types, col.Type)
	}
	if cols == nil {
		cols = []sql.Column{} // a zero-column result still has a RowDescription
	}
	w.c.sendRowDescription(cols, nil)
	return w.c.writeErr
}

func (w *simpleWriter) Row(row []rowenc.Value) error {
	if len(row) != len(w.types) {
		return pgerror.New(pgerror.CodeInternalError, "internal error: row of %d values for %d columns", len(row), len(w.types))
	}
	vals := make([][]byte, len(row))
	for i, v := range row {
		b, err := encodeValue(w.types[i], 0, v, w.c.loc)
		if err != nil {
			return err
		}
		vals[i] = b
	}
	w.c.send(&pgproto3.DataRow{Values: vals})
	return w.c.writeErr
}

func (w *simpleWriter) Complete(tag string) error {
	w.c.endCopyOut()
	w.types = w.types[:0]
	w.c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return w.c.writeErr
}

func (w *simpleWriter) EmptyQuery() error {
	w.c.send(&pgproto3.EmptyQueryResponse{})
	return w.c.writeErr
}

func (w *simpleWriter) Notice(severity, code, message string) error {
	return w.c.notice(severity, code, message)
}

func (w *simpleWriter) ParameterStatus(name, value string) error {
	w.c.trackParameter(name, value)
	w.c.send(&pgproto3.ParameterStatus{Name: name, Value: value})
	return w.c.writeErr
}

// trackParameter follows the session's TimeZone, as a client does, to
// render timestamptz text in it.
func (c *conn) trackParameter(name, value string) {
	if name == "TimeZone" {
		c.loc, _ = types.LoadZone(value)
	}
}

func (c *conn) notice(severity, code, message string) error {
	c.send(&pgproto3.NoticeResponse{Severity: severity, SeverityUnlocalized: severity, Code: code, Message: message})
	return c.writeErr
}

// portalWriter writes the results of one Execute of a portal: it streams
// DataRows (no RowDescription: Describe sends that) when the Execute has no
// row limit, and otherwise encodes them into the portal's buffer.
type portalWriter struct {
	c      *conn
	p      *portal
	stream bool
}

var _ sql.ResultWriter = (*portalWriter)(nil)

func (w *portalWriter) Columns(cols []sql.Column) error {
	if len(cols) != len(w.p.cols) {
		return pgerror.New(pgerror.CodeInternalError,
			"internal error: statement returned %d columns but was described with %d", len(cols), len(w.p.cols))
	}
	return nil
}

func (w *portalWriter) Row(row []rowenc.Value) error {
	if len(row) != len(w.p.cols) {
		return pgerror.New(pgerror.CodeInternalError, "internal error: row of %d values for %d columns", len(row), len(w.p.cols))
	}
	vals := make([][]byte, len(row))
	for i, v := range row {
		b, err := encodeValue(w.p.cols[i].Type, w.p.formats[i], v, w.c.loc)
		if err != nil {
			return err
		}
		vals[i] = b
	}
	if !w.stream {
		w.p.rows = append(w.p.rows, vals)
		return nil
	}
	w.c.send(&pgproto3.DataRow{Values: vals})
	return w.c.writeErr
}

func (w *portalWriter) Complete(tag string) error {
	w.p.tag = tag
	if w.stream {
		w.c.endCopyOut()
		w.c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	}
	return w.c.writeErr
}

func (w *portalWriter) EmptyQuery() error {
	w.p.empty = true
	if w.stream {
		w.c.send(&pgproto3.EmptyQueryResponse{})
	}
	return w.c.writeErr
}

func (w *portalWriter) Notice(severity, code, message string) error {
	return w.c.notice(severity, code, message)
}

func (w *portalWriter) ParameterStatus(name, value string) error {
	w.c.trackParameter(name, value)
	w.c.send(&pgproto3.ParameterStatus{Name: name, Value: value})
	return w.c.writeErr
}
