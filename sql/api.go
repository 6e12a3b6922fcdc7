// Package sql is Meridian's SQL engine: the PostgreSQL-dialect front over
// the TiDB parser, the catalog, the planner and the executor, behind the
// session API in this file. The wire protocol server (sql/pgwire) and the
// embedded database/sql driver (sql/driver) are its two clients; both see
// only Engine, Session, Prepared and ResultWriter.
package sql

import (
	"context"

	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// Engine opens sessions. One Engine serves a node.
type Engine interface {
	// NewSession starts a session for a client. It fails with SQLSTATE
	// 3D000 when args.Database does not exist.
	NewSession(ctx context.Context, args SessionArgs) (Session, error)
}

// SessionArgs are what a client says at startup.
type SessionArgs struct {
	User     string
	Database string // empty means defaultdb
	// Params are the other startup parameters (application_name,
	// client_encoding, DateStyle, TimeZone, ...), applied as SET would.
	Params map[string]string
}

// TxnStatus is the transaction state ReadyForQuery reports.
type TxnStatus byte

const (
	TxnIdle   TxnStatus = 'I' // not in a transaction block
	TxnActive TxnStatus = 'T' // in a transaction block
	TxnFailed TxnStatus = 'E' // in a failed transaction block (25P02 until ROLLBACK)
)

// Session is one client's connection to the engine. It is used by one
// goroutine at a time; cancelling the ctx of a call cancels that statement.
type Session interface {
	// ExecSimple runs the statements of a simple-protocol query string in
	// order, as PostgreSQL does: several statements outside an explicit
	// transaction run in one implicit transaction; the first error stops
	// the rest and is returned (after the results of the statements before
	// it were written). An empty string reports EmptyQuery.
	ExecSimple(ctx context.Context, query string, w ResultWriter) error
	// Prepare parses and plans one statement. paramTypes may be shorter than
	// the number of placeholders, and an entry may be types.Unknown: the
	// engine infers those (and refuses with 42P18 when it cannot).
	Prepare(ctx context.Context, query string, paramTypes []types.T) (Prepared, error)
	// ExecPrepared runs a prepared statement with its parameters (already
	// decoded to the types Prepared.ParamTypes gives). It writes at most one
	// statement's results; a wire protocol portal that wants rows in pages
	// buffers them itself.
	ExecPrepared(ctx context.Context, p Prepared, params []rowenc.Value, w ResultWriter) error
	// TxnStatus is the state to report in ReadyForQuery.
	TxnStatus() TxnStatus
	// Parameters are the session parameters to report to the client at
	// startup (server_version, server_encoding, client_encoding, DateStyle,
	// IntervalStyle, TimeZone, integer_datetimes,
	// standard_conforming_strings, application_name, is_superuser,
	// session_authorization).
	Parameters() map[string]string
	// Close rolls back any open transaction and releases the session.
	Close(ctx context.Context) error
}

// Binder is implemented by a Session that refuses to bind some statements
// in its current state: PostgreSQL refuses Bind in a failed transaction
// block (25P02) for anything but COMMIT or ROLLBACK, before any result is
// described. The wire protocol server calls it first thing in Bind.
type Binder interface {
	CheckBind(p Prepared) error
}

// Prepared is a parsed and planned statement.
type Prepared interface {
	// ParamTypes are the types of $1..$n, all known after Prepare.
	ParamTypes() []types.T
	// Columns describes the rows the statement returns, or is nil when it
	// returns none (INSERT without RETURNING, DDL, SET, ...).
	Columns() []Column
	// SQL is the statement's text as the client sent it.
	SQL() string
}

// Column describes one result column (a RowDescription field).
type Column struct {
	Name string
	Type types.T
	// TableOID and ColumnNum name the table column this result column comes
	// from directly, or are zero.
	TableOID  uint32
	ColumnNum int16
}

// ResultWriter receives the results of the statements a call runs, in order.
// For each statement the engine calls either Columns (for a statement that
// returns rows), then Row for each row, then Complete; or Complete alone; or,
// for an empty query, EmptyQuery. The slices passed to Columns and Row are
// only valid during the call.
type ResultWriter interface {
	Columns(cols []Column) error
	Row(row []rowenc.Value) error
	// Complete reports the end of a statement with its command tag
	// ("SELECT 3", "INSERT 0 1", "CREATE TABLE", ...).
	Complete(tag string) error
	EmptyQuery() error
	// Notice reports a notice (severity NOTICE/WARNING) to the client.
	Notice(severity, code, message string) error
	// ParameterStatus reports a changed session parameter the client tracks
	// (server_version, client_encoding, DateStyle, TimeZone,
	// application_name, integer_datetimes, standard_conforming_strings, ...).
	ParameterStatus(name, value string) error
}

// Copier is implemented by a ResultWriter that can carry COPY's
// sub-protocol (the pgwire writers do). COPY ... FROM STDIN / TO STDOUT is
// refused with 0A000 when the writer is not a Copier (the embedded driver).
// For COPY FROM the engine calls CopyIn, reads the source to its end or to
// an error, then Complete("COPY n") or returns the error; for COPY TO it
// calls CopyOut, CopyData per row, then Complete("COPY n").
type Copier interface {
	// CopyIn tells the client to start sending ncols columns of data, in
	// text (csv false) or CSV format (CopyInResponse).
	CopyIn(csv bool, ncols int) (CopySource, error)
	// CopyOut tells the client data follows (CopyOutResponse).
	CopyOut(csv bool, ncols int) error
	// CopyData sends one chunk of COPY TO data (a CopyData message).
	CopyData(data []byte) error
}

// BinaryCopier is a Copier that also carries COPY's binary format (FORMAT
// binary). The engine reads and writes the PGCOPY framing (signature,
// flags, header extension, per-tuple field counts and length-prefixed
// fields, the -1 trailer); the copier converts each field between a
// column type's binary wire format and a value, as it does for binary
// Bind parameters and results. COPY ... (FORMAT binary) is refused with
// 0A000 when the writer is not a BinaryCopier.
type BinaryCopier interface {
	Copier
	// CopyInBinary is CopyIn with the binary format (CopyInResponse with
	// format 1).
	CopyInBinary(ncols int) (CopySource, error)
	// CopyOutBinary is CopyOut with the binary format.
	CopyOutBinary(ncols int) error
	// DecodeBinary reads one non-NULL field of type t in its binary
	// format; malformed data is 22P03.
	DecodeBinary(t types.T, b []byte) (rowenc.Value, error)
	// AppendBinary appends non-NULL v of type t in its binary format.
	AppendBinary(dst []byte, t types.T, v rowenc.Value) ([]byte, error)
}

// CopySource is the client's COPY FROM STDIN data.
type CopySource interface {
	// Next returns the next chunk of data (valid until the next call),
	// io.EOF once the client ended the data (CopyDone), or an error: 57014
	// when the client gave up (CopyFail), 08P01 for a message other than
	// CopyData/CopyDone/CopyFail/Flush/Sync. After Next returned an error or
	// io.EOF it must not be called again.
	Next() ([]byte, error)
}
