// Package pgwire serves Meridian's SQL engine over the PostgreSQL wire
// protocol, version 3.0, so that psql, pgx, lib/pq, JDBC and every other
// PostgreSQL client can talk to a node.
//
// # Shape
//
// A Server accepts connections on a net.Listener (Serve) and runs one
// goroutine per connection. The goroutine owns the connection: it reads a
// message, acts on it (usually by calling the sql.Session it opened at
// startup) and writes the replies. Nothing else touches the connection's
// session, statements or portals, so none of them is locked. The only state
// shared across goroutines is the Server's connection set and its table of
// cancel keys, both under Server.mu.
//
// # Protocol
//
// Startup: an SSLRequest or GSSEncRequest is answered 'N' (no encryption) and
// the startup continues in the clear; a CancelRequest cancels the running
// statement of the connection whose BackendKeyData it quotes (unknown keys
// are ignored, as PostgreSQL does) and closes; a StartupMessage must speak
// protocol 3.x (a 3.x request with x > 0 gets NegotiateProtocolVersion and
// continues as 3.0; any other major version is refused with FATAL 0A000),
// must name a user (28000 otherwise) and opens a session with
// Engine.NewSession (its error, e.g. 3D000 for an unknown database, is sent
// as FATAL and the connection closed). Authentication is "trust": every
// user is accepted with AuthenticationOk.
//
// Simple query: the whole query string goes to Session.ExecSimple, which
// writes each statement's results through a ResultWriter. Extended query:
// Parse / Bind / Describe / Execute / Close / Sync / Flush with named and
// unnamed statements and portals. Execute with a row limit runs the
// statement to completion into a buffer held by the portal and pages it out
// with PortalSuspended; without a limit rows stream straight to the socket.
// After an error in extended mode every message up to the next Sync is
// discarded, as PostgreSQL does. One difference: outside a transaction
// block each Execute commits on its own, where PostgreSQL runs the Executes
// before a Sync as one implicit transaction.
//
// Formats: text for every type; binary for int2/int4/int8, float4/float8, numeric (numeric.go), date, timestamptz,
// bool, bytea, text/varchar/bpchar/name and timestamp (microseconds since
// 2000-01-01), for parameters and results alike.
//
// Errors: every error reaches the client as an ErrorResponse made by
// pgerror.Flatten, and the connection keeps working. A protocol violation
// (an unknown message type, a bad length, a message over
// Config.MaxMessageSize, malformed startup) gets one FATAL 08P01
// ErrorResponse and closes that connection only. A panic in a connection's
// goroutine is recovered, logged with its stack and closes that connection;
// the server keeps serving.
//
// # Shutdown
//
// Shutdown stops accepting, then lets each connection finish the statement
// it is running; an idle connection is told FATAL 57P01 and closed. When
// Shutdown's ctx ends first, it falls back to Close, which cancels running
// statements and closes every connection at once.
package pgwire
