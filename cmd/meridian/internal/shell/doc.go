// Package shell is `meridian sql`: a SQL shell for machines without psql.
// It speaks the PostgreSQL wire protocol through pgx's pgconn (the simple
// query protocol, so any statement works and every value arrives as text)
// and imitates psql where psql users would notice: prompts, aligned and
// expanded output, error layout, \timing, and the common meta-commands.
//
// # Using it
//
// The cmd/meridian root command adds NewCommand(). Programs and tests call
// Run with a Config: In/Out/Err, a URL, and one of Execute (-e), File (-f),
// or lines from In (interactive when In is a terminal and Interactive is
// set). Run returns when the input ends, at \q, or when its context is
// cancelled.
//
// # Errors and exit status
//
// A failed statement prints "ERROR:  message", LINE/DETAIL/HINT/CONTEXT
// lines when the server sends them, and "SQLSTATE: code" on Config.Err.
// Interactively the session goes on. With Execute or File the first failure
// ends the script and Run returns an error wrapping ErrStatementFailed; with
// piped input the script goes on and Run returns such an error at the end,
// so the process exits non-zero either way. A connection that cannot be
// opened, or is lost and cannot be re-opened, is returned as a plain error.
//
// # Pieces, each pure and tested without a server or terminal
//
//   - splitter (split.go) cuts input lines into statements at semicolons
//     outside quotes (single, E-string, double, $tag$), comments (--,
//     nested /* */) and parentheses, and says what a continuation line continues (the
//     prompt's '-', quote, '*' or '(').
//   - writeAligned and writeExpanded (format.go) print a table as psql's
//     aligned and \x formats; their tests are golden strings taken from
//     psql 15.
//   - keyDecoder and editor (editor.go) are the line editor: bytes from a
//     raw-mode terminal become keys, keys edit a buffer with a cursor and
//     browse history. termSource (input.go) is the thin driver that puts
//     the terminal in raw mode for each line and draws the editor.
//   - history (history.go) is bounded, drops blank lines and adjacent
//     duplicates, and rewrites its file (mode 0600) atomically after each
//     line.
//
// # Ctrl-C
//
// At the prompt the terminal is in raw mode, so Ctrl-C is a key: it
// discards the line and the query buffer. While a statement runs the
// terminal is in cooked mode, Ctrl-C raises SIGINT, NewCommand forwards it
// on Config.Interrupt, and the session sends a cancel request
// (PgConn.CancelRequest) for the running statement; the connection stays
// usable.
//
// # COPY
//
// COPY ... FROM STDIN reads its data from the lines that follow it in the
// same input, up to "\." (psql's script behaviour); COPY ... TO STDOUT
// writes the data to Out. Both use pgconn's copy support, recognised by a
// regular expression on the statement.
//
// # Catalog meta-commands
//
// \d, \d NAME and \l query information_schema or pg_catalog and fall back
// to SHOW TABLES, SHOW COLUMNS FROM and SHOW DATABASES when the server
// answers "undefined table", "not supported" and the like; when no form
// works they print "\d is not supported by this server: ...". Inside a
// transaction they run on a second connection, so that a failing catalog
// query cannot abort the user's transaction.
package shell
