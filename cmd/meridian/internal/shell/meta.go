package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

const helpText = `General
  \q                quit (also "quit", "exit" or Ctrl-D on an empty line)
  \? or help        show this help
  \conninfo         show the current connection
  \c DBNAME         connect to another database on the same server

Query buffer
  \g                run the query buffer (a statement without its ";")
  \p                show the query buffer
  \r                discard the query buffer (Ctrl-C does the same)
  \i FILE           run the statements in FILE

Display
  \x [on|off]       toggle expanded output (one block per row)
  \timing [on|off]  toggle reporting how long each statement took

Catalog
  \d                list tables
  \d NAME           describe a table's columns, or a sequence
  \l                list databases
  \di, \ds, \dv     list indexes, sequences, views
  \dn, \du, \df     list schemas, roles, functions

Statements end with ";" outside quotes, dollar quotes and comments; until
then the prompt shows "->". Ctrl-C discards the line being typed, or
cancels the running statement.
`

// meta runs the backslash command line (trimmed, starting with '\'). Errors
// it prints itself are returned wrapped in ErrStatementFailed.
func (s *session) meta(ctx context.Context, line string, sp *splitter, stopOnError bool) error {
	fields := strings.Fields(line[1:])
	if len(fields) == 0 {
		return s.metaFailed("invalid command \\")
	}
	cmd, args := fields[0], fields[1:]
	switch cmd {
	case "q", "quit":
		return errQuit
	case "?", "h", "help":
		io.WriteString(s.out, helpText)
	case "timing":
		on, err := toggle(s.timing, args)
		if err != nil {
			return s.metaFailed(`\timing: ` + err.Error())
		}
		s.timing = on
		fmt.Fprintf(s.out, "Timing is %s.\n", onOff(on))
	case "x":
		on, err := toggle(s.expanded, args)
		if err != nil {
			return s.metaFailed(`\x: ` + err.Error())
		}
		s.expanded = on
		fmt.Fprintf(s.out, "Expanded display is %s.\n", onOff(on))
	case "g":
		stmt, ok := sp.flush()
		if !ok {
			return nil
		}
		return s.exec(ctx, stmt)
	case "p":
		if buf := strings.TrimSpace(string(sp.buf)); buf != "" {
			fmt.Fprintln(s.out, buf)
		} else {
			fmt.Fprintln(s.out, "Query buffer is empty.")
		}
	case "r":
		sp.reset()
		fmt.Fprintln(s.out, "Query buffer reset (cleared).")
	case "conninfo":
		c := s.pgcfg
		fmt.Fprintf(s.out, "You are connected to database %q as user %q on host %q at port \"%d\".\n", s.dbName(), c.User, c.Host, c.Port)
	case "c", "connect":
		return s.reconnect(ctx, args)
	case "i", "include":
		if len(args) != 1 {
			return s.metaFailed(`\i: expected one file name`)
		}
		return s.include(ctx, args[0], stopOnError)
	case "d", "dt", "d+", "dt+":
		if len(args) == 0 {
			return s.listTables(ctx)
		}
		return s.describe(ctx, args[0])
	case "l", "list", "l+":
		return s.listDatabases(ctx)
	case "di", "di+", "ds", "ds+", "dv", "dv+":
		return s.listRelations(ctx, cmd[:2])
	case "dn", "dn+":
		return s.showCatalog(ctx, `\dn`, "List of schemas", "",
			`SELECT n.nspname AS "Name", pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"
  FROM pg_catalog.pg_namespace n
 WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
 ORDER BY 1`)
	case "du", "du+", "dg", "dg+":
		return s.showCatalog(ctx, `\`+cmd, "List of roles", "",
			`SELECT r.rolname AS "Role name",
       CASE WHEN r.rolsuper THEN 'Superuser' WHEN NOT r.rolcanlogin THEN 'Cannot login' ELSE '' END AS "Attributes"
  FROM pg_catalog.pg_roles r
 WHERE r.rolname !~ '^pg_'
 ORDER BY 1`)
	case "df", "df+":
		return s.showCatalog(ctx, `\df`, "List of functions", "",
			`SELECT n.nspname AS "Schema", p.proname AS "Name",
       pg_catalog.pg_get_function_result(p.oid) AS "Result data type",
       pg_catalog.pg_get_function_arguments(p.oid) AS "Argument data types"
  FROM pg_catalog.pg_proc p
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema'
 ORDER BY 1, 2, 4`)
	default:
		return s.metaFailed(fmt.Sprintf("invalid command \\%s\nTry \\? for help.", cmd))
	}
	return nil
}

// metaFailed prints msg and returns a failure.
func (s *session) metaFailed(msg string) error {
	fmt.Fprintln(s.errw, msg)
	return fmt.Errorf("%w: %s", ErrStatementFailed, strings.SplitN(msg, "\n", 2)[0])
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// toggle is the new value of a \x- or \timing-style setting.
func toggle(cur bool, args []string) (bool, error) {
	if len(args) == 0 {
		return !cur, nil
	}
	switch strings.ToLower(args[0]) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return cur, fmt.Errorf("unrecognized value %q: expected on or off", args[0])
}

// include runs the statements of a file, as \i does.
func (s *session) include(ctx context.Context, name string, stopOnError bool) error {
	if s.depth >= maxIncludeDepth {
		return s.metaFailed(fmt.Sprintf(`\i %s: files nested more than %d deep`, name, maxIncludeDepth))
	}
	f, err := os.Open(name)
	if err != nil {
		return s.metaFailed(fmt.Sprintf(`\i: %v`, err))
	}
	defer f.Close()
	s.depth++
	defer func() { s.depth-- }()
	return s.runScript(ctx, newPlainSource(f), stopOnError)
}

// reconnect is \c [DBNAME]: a new connection to the same server; the old one
// is kept if that fails.
func (s *session) reconnect(ctx context.Context, args []string) error {
	cfg := s.pgcfg.Copy()
	if len(args) > 0 && args[0] != "-" {
		cfg.Database = args[0]
	}
	old, oldCfg := s.conn, s.pgcfg
	if err := s.connect(ctx, cfg); err != nil {
		s.conn, s.pgcfg = old, oldCfg
		return s.metaFailed(err.Error() + "\nPrevious connection kept")
	}
	s.closeConn(old)
	fmt.Fprintf(s.out, "You are now connected to database %q as user %q.\n", s.dbName(), cfg.User)
	return nil
}

// errNoCatalog lists why each catalog query failed with an error meaning
// "this server does not have that" (see fallbackCode).
type errNoCatalog struct{ errs []error }

func (e *errNoCatalog) Error() string {
	msgs := make([]string, len(e.errs))
	for i, err := range e.errs {
		msgs[i] = err.Error()
		if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) {
			msgs[i] = fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
		}
	}
	return strings.Join(msgs, "; ")
}

// fallbackCode reports whether a catalog query's failure means the server
// lacks the catalog or statement (Meridian has no information_schema yet,
// for instance), so the next query form is worth trying: undefined table,
// schema, column or function, syntax error, or feature not supported.
func fallbackCode(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "42P01", "3F000", "42703", "42883", "42601", "42704", "0A000":
		return true
	}
	return false
}

// catalogQuery runs the first of queries that the server supports and
// returns its one table. Inside a transaction it uses a separate
// connection, so that a failing query cannot abort the user's transaction
// (it then sees only committed data).
func (s *session) catalogQuery(ctx context.Context, queries ...string) (*table, error) {
	conn := s.conn
	if conn.TxStatus() != 'I' {
		c, err := pgconn.ConnectConfig(ctx, s.pgcfg.Copy())
		if err != nil {
			return nil, err
		}
		defer s.closeConn(c)
		conn = c
	}
	var tried []error
	for _, q := range queries {
		res, err := (&session{conn: conn}).query(ctx, q)
		if err != nil {
			if !fallbackCode(err) {
				return nil, err
			}
			tried = append(tried, err)
			continue
		}
		for _, r := range res {
			if r.table != nil {
				return r.table, nil
			}
		}
		return &table{}, nil
	}
	return nil, &errNoCatalog{errs: tried}
}

// showCatalog runs a catalog meta-command's queries and prints the result,
// or empty when there are no rows.
func (s *session) showCatalog(ctx context.Context, what, title, empty string, queries ...string) error {
	t, err := s.catalogQuery(ctx, queries...)
	var nc *errNoCatalog
	switch {
	case errors.As(err, &nc):
		return s.metaFailed(fmt.Sprintf(`%s is not supported by this server: %v`, what, nc))
	case err != nil:
		s.printError(err, "")
		return fmt.Errorf("%w: %s: %w", ErrStatementFailed, what, err)
	case len(t.rows) == 0 && empty != "":
		return s.metaFailed(empty)
	case s.expanded:
		writeExpanded(s.out, t)
	default:
		writeAligned(s.out, t, title)
	}
	return nil
}

func (s *session) listTables(ctx context.Context) error {
	return s.showCatalog(ctx, `\d`, "List of relations", "Did not find any relations.",
		`SELECT table_schema AS "Schema", table_name AS "Name",
       CASE table_type WHEN 'BASE TABLE' THEN 'table' WHEN 'VIEW' THEN 'view' ELSE lower(table_type) END AS "Type"
  FROM information_schema.tables
 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
 ORDER BY 1, 2`,
		`SHOW TABLES`)
}

// listRelations is \di, \ds and \dv: the relations of one kind, from
// pg_catalog as psql lists them.
func (s *session) listRelations(ctx context.Context, cmd string) error {
	rel := map[string]struct{ kind, typ string }{"di": {"i", "index"}, "ds": {"S", "sequence"}, "dv": {"v", "view"}}[cmd]
	return s.showCatalog(ctx, `\`+cmd, "List of relations", "Did not find any relations.",
		`SELECT n.nspname AS "Schema", c.relname AS "Name", '`+rel.typ+`' AS "Type",
       pg_catalog.pg_get_userbyid(c.relowner) AS "Owner"
  FROM pg_catalog.pg_class c
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = '`+rel.kind+`' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema'
 ORDER BY 1, 2`)
}

// describe is \d NAME: the columns of a table. NAME is folded to lower
// case unless double-quoted, and may be schema-qualified.
func (s *session) describe(ctx context.Context, name string) error {
	schema, rel := splitQualified(name)
	where := "table_schema = current_schema()"
	if schema != "" {
		where = "table_schema = " + literal(schema)
	}
	show := quoteIdent(rel)
	if schema != "" {
		show = quoteIdent(schema) + "." + show
	}
	title := rel
	if schema != "" {
		title = schema + "." + rel
	}
	if schema == "" || schema == "public" {
		// A sequence, as psql shows one; servers without pg_sequence fall
		// through to the table forms.
		t, err := s.catalogQuery(ctx, `SELECT pg_catalog.format_type(s.seqtypid, NULL) AS "Type", s.seqstart AS "Start",
       s.seqmin AS "Minimum", s.seqmax AS "Maximum", s.seqincrement AS "Increment",
       CASE WHEN s.seqcycle THEN 'yes' ELSE 'no' END AS "Cycles?", s.seqcache AS "Cache"
  FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
 WHERE c.relname = `+literal(rel))
		if err == nil && len(t.rows) > 0 {
			if s.expanded {
				writeExpanded(s.out, t)
			} else {
				writeAligned(s.out, t, `Sequence "public.`+rel+`"`)
			}
			return nil
		}
	}
	return s.showCatalog(ctx, `\d `+name, `Table "`+title+`"`, fmt.Sprintf("Did not find any relation named %q.", name),
		`SELECT column_name AS "Column", data_type AS "Type",
       CASE is_nullable WHEN 'NO' THEN 'not null' ELSE '' END AS "Nullable",
       coalesce(column_default, '') AS "Default"
  FROM information_schema.columns
 WHERE table_name = `+literal(rel)+` AND `+where+`
 ORDER BY ordinal_position`,
		`SHOW COLUMNS FROM `+show)
}

func (s *session) listDatabases(ctx context.Context) error {
	return s.showCatalog(ctx, `\l`, "List of databases", "",
		`SELECT datname AS "Name", pg_catalog.pg_get_userbyid(datdba) AS "Owner",
       pg_catalog.pg_encoding_to_char(encoding) AS "Encoding"
  FROM pg_catalog.pg_database ORDER BY 1`,
		`SHOW DATABASES`)
}

// splitQualified splits [schema.]name, folding unquoted parts to lower case
// and unquoting quoted ones.
func splitQualified(name string) (schema, rel string) {
	var parts []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '"' && quoted && i+1 < len(name) && name[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
		case c == '.' && !quoted:
			parts = append(parts, cur.String())
			cur.Reset()
		case !quoted:
			cur.WriteString(strings.ToLower(string(c)))
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	if len(parts) >= 2 {
		return parts[len(parts)-2], parts[len(parts)-1]
	}
	return "", parts[0]
}

// literal quotes s as an SQL string literal.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteIdent quotes s as an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
