// Package driver is Meridian's embedded database/sql driver: it runs the
// whole database (store, transactions, SQL engine) inside the calling
// process, with no server and no network.
//
//	import (
//		"database/sql"
//		_ "github.com/meridiandb/meridian/sql/driver"
//	)
//
//	db, err := sql.Open("meridian", "meridian:///var/lib/myapp/meridian")
//
// # Data source names
//
//   - meridian:///path/to/dir — a store in that directory (created if
//     missing; the path must be absolute). One process opens a directory
//     once: every sql.DB on the same directory shares one open store,
//     reference-counted, which is closed when the last of those DBs closes.
//   - meridian://memory — a fresh, private in-memory store for this sql.DB
//     only, gone when it closes.
//   - meridian://memory?name=x — an in-memory store shared by every sql.DB
//     of the process opened with the same name while any of them is open.
//
// Query parameters: user (default root) and database (default defaultdb).
// sql.Open opens (or shares) the store at once, so a malformed name (the
// error lists the accepted forms) or a store that cannot be opened fails
// sql.Open itself.
//
// # Semantics
//
// Each database/sql connection is one SQL session. Statements take $1, $2,
// ... placeholders (named arguments are refused). Arguments may be nil,
// integers, floats, bool, string, []byte, time.Time or driver.Valuer; each
// is converted to the parameter's SQL type the way PostgreSQL reads a text
// parameter, so a string works for any type.
//
// Transactions are SERIALIZABLE (and externally consistent). BeginTx maps
// the weaker isolation levels PostgreSQL users ask for (READ UNCOMMITTED,
// READ COMMITTED, REPEATABLE READ, SNAPSHOT) up to SERIALIZABLE, as
// PostgreSQL itself runs READ UNCOMMITTED as READ COMMITTED: a stronger
// level never breaks a program written for a weaker one, though it may see
// more 40001 serialization failures to retry. ReadOnly is honoured.
//
// Errors from the engine are *pgerror.Error values carrying the SQLSTATE
// (errors.As); a retryable conflict is code 40001.
//
// Context cancellation cancels the running statement. Query results are
// read into memory before Query returns.
package driver
