package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// DefaultURL is where the shell connects when Config.URL is empty: the
// default SQL address of a node started with `meridian start`.
const DefaultURL = "postgresql://root@127.0.0.1:7432/defaultdb?sslmode=disable"

// ErrStatementFailed is returned (wrapped) by Run when a statement or
// meta-command failed in a script: with Execute or File the first failure
// stops the script; with piped input the script runs on and Run reports the
// failure at the end. The server's error has already been printed to
// Config.Err. An interactive session never returns it.
var ErrStatementFailed = errors.New("statement failed")

// errQuit is returned by \q (and by "quit"/"exit") to end the session.
var errQuit = errors.New("quit")

// errCancelled is returned by a line source when the user pressed Ctrl-C
// at the prompt: the current input is discarded.
var errCancelled = errors.New("input cancelled")

// Config configures one shell session. Run validates it and fills defaults.
type Config struct {
	// URL is the server to connect to, as a postgresql:// URL or a
	// key=value connection string (default DefaultURL).
	URL string
	// In supplies the input lines; when Interactive and In is a terminal
	// (*os.File), the shell puts it in raw mode while it reads a line.
	In io.Reader
	// Out receives results; Err receives errors, notices and warnings
	// (default Out).
	Out, Err io.Writer
	// Interactive selects line editing, history, prompts and a banner, and
	// makes the shell continue after failed statements. Set it when In is a
	// terminal.
	Interactive bool
	// Execute, if set, is run as a script instead of reading In (-e).
	Execute string
	// File, if set, names a script run instead of reading In (-f).
	// Execute and File are exclusive.
	File string
	// HistoryFile is where interactive input history is kept (default
	// ~/.meridian_sql_history). It is not used unless Interactive.
	HistoryFile string
	// Interrupt, if not nil, delivers Ctrl-C presses that arrive while a
	// statement runs (SIGINT: the terminal is not in raw mode then). Each
	// one sends the server a cancel request for the running statement.
	// Sends should not block: the shell only receives while a statement
	// runs.
	Interrupt <-chan struct{}

	// now is the clock \timing reads; nil means time.Now. Tests step it.
	now func() time.Time
}

func (c *Config) validate() error {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if c.Execute != "" && c.File != "" {
		return errors.New("shell: Execute (-e) and File (-f) are exclusive")
	}
	if c.In == nil && c.Execute == "" && c.File == "" {
		return errors.New("shell: Config.In is nil and there is no Execute or File")
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Err == nil {
		c.Err = c.Out
	}
	if c.Interactive && c.HistoryFile == "" {
		if home, err := os.UserHomeDir(); err == nil {
			c.HistoryFile = filepath.Join(home, ".meridian_sql_history")
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return nil
}

// Run connects to cfg.URL and runs a session: cfg.Execute, cfg.File, or the
// lines of cfg.In (interactively when cfg.Interactive). It returns when the
// input ends, at \q, or when ctx is cancelled; see ErrStatementFailed for
// how failed statements are reported.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	s := &session{cfg: cfg, out: cfg.Out, errw: cfg.Err, now: cfg.now}
	pcfg, err := pgconn.ParseConfig(cfg.URL)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %w", redact(cfg.URL), err)
	}
	if err := s.connect(ctx, pcfg); err != nil {
		return err
	}
	defer func() { s.closeConn(s.conn) }()

	readerDone := make(chan struct{})
	defer close(readerDone)
	var src lineSource
	stopOnError := true
	switch {
	case cfg.Execute != "":
		src = newPlainSource(strings.NewReader(cfg.Execute))
	case cfg.File != "":
		f, err := os.Open(cfg.File)
		if err != nil {
			return err
		}
		defer f.Close()
		src = newPlainSource(f)
	case cfg.Interactive:
		stopOnError = false
		h, err := loadHistory(cfg.HistoryFile, maxHistory)
		if err != nil {
			fmt.Fprintf(s.errw, "warning: cannot read history file: %v\n", err)
		}
		s.hist = h
		src = newTermSource(newCtxReader(ctx, cfg.In, readerDone), terminalFD(cfg.In), cfg.Out, h)
		fmt.Fprintf(s.out, "meridian sql (server %s)\nType \"\\?\" for help, \"\\q\" to quit.\n\n",
			s.conn.ParameterStatus("server_version"))
	default:
		stopOnError = false
		src = newPlainSource(newCtxReader(ctx, cfg.In, readerDone))
	}
	err = s.runScript(ctx, src, stopOnError)
	switch {
	case errors.Is(err, errQuit):
		err = nil
	case err == nil && s.failures > 0 && !cfg.Interactive:
		err = fmt.Errorf("%w: %d of the script's statements failed", ErrStatementFailed, s.failures)
	}
	return err
}

// session is one connection and its display settings.
type session struct {
	cfg     Config
	out     io.Writer
	errw    io.Writer
	now     func() time.Time
	pgcfg   *pgconn.Config // of conn, to reconnect and for \c
	conn    *pgconn.PgConn
	src     lineSource // the input runScript is reading, for COPY FROM STDIN
	hist    *history   // nil unless interactive
	histErr bool       // a history write failed; warned once

	expanded bool // \x
	timing   bool // \timing
	depth    int  // \i nesting
	failures int  // failed statements, when not stopping on error
}

// maxIncludeDepth bounds \i nesting, so a file that includes itself fails
// instead of recursing forever.
const maxIncludeDepth = 16

// connect opens a connection with cfg and makes it the session's.
func (s *session) connect(ctx context.Context, cfg *pgconn.Config) error {
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		fmt.Fprintf(s.errw, "%s:  %s\n", n.Severity, n.Message)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		msg := fmt.Sprintf("cannot connect to %s:%d (database %q, user %q): %v", cfg.Host, cfg.Port, cfg.Database, cfg.User, err)
		if errors.Is(err, syscall.ECONNREFUSED) {
			msg += "\nIs a Meridian node running there? Start one with `meridian start --store DIR` or `meridian demo`, or point --url at one."
		}
		return errors.New(msg)
	}
	s.pgcfg, s.conn = cfg, conn
	return nil
}

func (s *session) closeConn(c *pgconn.PgConn) {
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c.Close(ctx)
}

// redact hides a password in a connection URL.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return passwordRE.ReplaceAllString(u, "$1:xxxxx@")
	}
	if p.User == nil {
		return u
	}
	if _, ok := p.User.Password(); ok {
		p.User = url.UserPassword(p.User.Username(), "xxxxx")
	}
	return p.String()
}

// passwordRE finds user:password@ in a URL that does not parse.
var passwordRE = regexp.MustCompile(`(://[^:/@]*):[^@]*@`)

func (s *session) dbName() string {
	if s.pgcfg.Database != "" {
		return s.pgcfg.Database
	}
	return s.pgcfg.User
}

// prompt is psql's default "%/%R%x%# " for a non-superuser: database,
// then '=' (or, on a continuation line, what the line continues: '-', a
// quote, '*' in a comment, '(' in parentheses), then '*' in a transaction
// or '!' in a failed one, then "> ".
func (s *session) prompt(sp *splitter) string {
	r := byte('=')
	if sp.pending() {
		r = sp.promptChar()
	}
	tx := ""
	switch s.conn.TxStatus() {
	case 'T':
		tx = "*"
	case 'E':
		tx = "!"
	}
	return s.dbName() + string(r) + tx + "> "
}

// runScript reads lines from src until it ends, running the statements and
// meta-commands they hold. It returns errQuit at \q; with stopOnError it
// returns at the first failure, otherwise it counts failures and goes on.
func (s *session) runScript(ctx context.Context, src lineSource, stopOnError bool) error {
	var sp splitter
	prevSrc := s.src
	s.src = src
	defer func() { s.src = prevSrc }()
	// fail decides whether err ends the script.
	fail := func(err error) error {
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrStatementFailed) || stopOnError {
			return err
		}
		s.failures++
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := src.readLine(s.prompt(&sp))
		switch {
		case errors.Is(err, errCancelled):
			sp.reset()
			continue
		case errors.Is(err, io.EOF):
			if !s.cfg.Interactive || s.depth > 0 {
				if stmt, ok := sp.flush(); ok {
					return fail(s.exec(ctx, stmt))
				}
			}
			if s.cfg.Interactive && s.depth == 0 {
				fmt.Fprintln(s.out)
			}
			return nil
		case err != nil:
			return err
		}
		if s.hist != nil && s.depth == 0 {
			if err := s.hist.add(line); err != nil && !s.histErr {
				s.histErr = true
				fmt.Fprintf(s.errw, "warning: cannot write history file: %v\n", err)
			}
		}
		trimmed := strings.TrimSpace(line)
		if sp.atTopLevel() && strings.HasPrefix(trimmed, `\`) {
			if err := fail(s.meta(ctx, trimmed, &sp, stopOnError)); err != nil {
				return err
			}
			continue
		}
		if !sp.pending() && s.cfg.Interactive {
			switch strings.TrimSuffix(trimmed, ";") {
			case "quit", "exit", `\q`:
				return errQuit
			case "help":
				io.WriteString(s.out, helpText)
				continue
			}
		}
		for _, stmt := range sp.feed(line) {
			if err := fail(s.exec(ctx, stmt)); err != nil {
				return err
			}
		}
	}
}

// result is one statement's outcome: a table if the statement returned
// rows (RowDescription), else its command tag.
type result struct {
	table *table
	tag   string
}

// exec runs one statement with the simple query protocol, prints its
// results (and, with \timing, how long it took) and returns nil, or a
// wrapped ErrStatementFailed after printing the server's error, or another
// error if the connection was lost and could not be re-established.
func (s *session) exec(ctx context.Context, sql string) error {
	stop := s.watchInterrupts()
	start := s.now()
	var results []result
	var err error
	switch {
	case copyInRE.MatchString(sql):
		results, err = s.copyIn(ctx, sql)
	case copyOutRE.MatchString(sql):
		results, err = s.copyOut(ctx, sql)
	default:
		results, err = s.query(ctx, sql)
	}
	elapsed := s.now().Sub(start)
	for _, m := range stop() {
		fmt.Fprintln(s.errw, m)
	}
	for _, r := range results {
		s.printResult(r)
	}
	if err != nil {
		s.printError(err, sql)
		if s.conn.IsClosed() {
			if rerr := s.reset(ctx); rerr != nil {
				return rerr
			}
		}
		return fmt.Errorf("%w: %w", ErrStatementFailed, err)
	}
	if s.timing {
		fmt.Fprintf(s.out, "Time: %s\n", formatDuration(elapsed))
	}
	return nil
}

// watchInterrupts sends a cancel request for each Ctrl-C that arrives on
// cfg.Interrupt until the returned stop function is called. stop returns
// the messages to print ("Cancel request sent", or why it could not be
// sent): the watcher does not write itself, so that it never races with
// the statement's own output (notices).
func (s *session) watchInterrupts() (stop func() []string) {
	if s.cfg.Interrupt == nil {
		return func() []string { return nil }
	}
	done, exited := make(chan struct{}), make(chan struct{})
	conn := s.conn
	var msgs []string // written by the watcher; read after exited is closed
	go func() {
		defer close(exited)
		for {
			select {
			case <-done:
				return
			case <-s.cfg.Interrupt:
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if err := conn.CancelRequest(ctx); err != nil {
					msgs = append(msgs, fmt.Sprintf("could not send cancel request: %v", err))
				} else if len(msgs) == 0 {
					msgs = append(msgs, "Cancel request sent")
				}
				cancel()
			}
		}
	}()
	return func() []string {
		close(done)
		<-exited
		return msgs
	}
}

// query runs sql and collects its results; results before an error are
// returned with it.
func (s *session) query(ctx context.Context, sql string) ([]result, error) {
	mrr := s.conn.Exec(ctx, sql)
	var out []result
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		fds := rr.FieldDescriptions()
		var t *table
		if fds != nil {
			t = &table{}
			for _, fd := range fds {
				t.cols = append(t.cols, fd.Name)
				t.numeric = append(t.numeric, isNumeric(fd.DataTypeOID))
			}
		}
		for rr.NextRow() {
			vals := rr.Values() // valid only until the next row: copy
			row := make([]*string, len(vals))
			for i, v := range vals {
				if v != nil {
					str := string(v)
					row[i] = &str
				}
			}
			if t != nil {
				t.rows = append(t.rows, row)
			}
		}
		tag, err := rr.Close()
		if err != nil {
			mrr.Close()
			return out, err
		}
		out = append(out, result{table: t, tag: tag.String()})
	}
	return out, mrr.Close()
}

// isNumeric reports whether psql right-aligns values of this type.
func isNumeric(oid uint32) bool {
	switch oid {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.Float4OID, pgtype.Float8OID,
		pgtype.NumericOID, pgtype.OIDOID, pgtype.XIDOID, pgtype.CIDOID, 790 /* money */ :
		return true
	}
	return false
}

func (s *session) printResult(r result) {
	switch {
	case r.table != nil && s.expanded:
		writeExpanded(s.out, r.table)
	case r.table != nil:
		writeAligned(s.out, r.table, "")
	}
	// Like psql: a statement without rows prints its tag, and so does a
	// data-modifying one whose RETURNING rows were printed.
	if r.tag != "" && (r.table == nil || returnsTag(r.tag)) {
		fmt.Fprintln(s.out, r.tag)
	}
}

// returnsTag reports whether psql prints the command tag after the rows of
// this statement (INSERT/UPDATE/DELETE/MERGE ... RETURNING).
func returnsTag(tag string) bool {
	for _, p := range []string{"INSERT ", "UPDATE ", "DELETE ", "MERGE "} {
		if strings.HasPrefix(tag, p) {
			return true
		}
	}
	return false
}

// printError prints err as psql does, plus the SQLSTATE:
//
//	ERROR:  relation "nope" does not exist
//	LINE 1: SELECT * FROM nope
//	                      ^
//	DETAIL:  ...
//	HINT:  ...
//	CONTEXT:  ...
//	SQLSTATE: 42P01
func (s *session) printError(err error, sql string) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		fmt.Fprintf(s.errw, "ERROR:  %v\n", err)
		return
	}
	sev := pe.Severity
	if sev == "" {
		sev = "ERROR"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:  %s\n", sev, pe.Message)
	if pe.Position > 0 && sql != "" {
		b.WriteString(errorLine(sql, int(pe.Position)))
	}
	for _, f := range []struct{ label, text string }{{"DETAIL", pe.Detail}, {"HINT", pe.Hint}, {"CONTEXT", pe.Where}} {
		if f.text != "" {
			fmt.Fprintf(&b, "%s:  %s\n", f.label, f.text)
		}
	}
	fmt.Fprintf(&b, "SQLSTATE: %s\n", pe.Code)
	io.WriteString(s.errw, b.String())
}

// errorLine is psql's "LINE n: text" with a caret under the 1-based
// character position pos of sql.
func errorLine(sql string, pos int) string {
	r := []rune(sql)
	if pos > len(r)+1 {
		return ""
	}
	lineStart, lineNo := 0, 1
	for i := 0; i < pos-1; i++ {
		if r[i] == '\n' {
			lineStart, lineNo = i+1, lineNo+1
		}
	}
	lineEnd := lineStart
	for lineEnd < len(r) && r[lineEnd] != '\n' {
		lineEnd++
	}
	prefix := fmt.Sprintf("LINE %d: ", lineNo)
	text := strings.ReplaceAll(string(r[lineStart:lineEnd]), "\t", " ")
	return prefix + text + "\n" + strings.Repeat(" ", width(prefix)+pos-1-lineStart) + "^\n"
}

// reset reconnects after the connection was lost, as psql does.
func (s *session) reset(ctx context.Context) error {
	fmt.Fprint(s.errw, "The connection to the server was lost. Attempting reset: ")
	old := s.conn
	if err := s.connect(ctx, s.pgcfg.Copy()); err != nil {
		fmt.Fprintln(s.errw, "Failed.")
		return err
	}
	s.closeConn(old)
	fmt.Fprintln(s.errw, "Succeeded.")
	return nil
}

// formatDuration is psql's \timing format: milliseconds, and above a
// second also [[d ]hh:]mm:ss.sss.
func formatDuration(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	out := fmt.Sprintf("%.3f ms", ms)
	if ms < 1000 {
		return out
	}
	secs := ms / 1000
	days := int(secs / 86400)
	secs -= float64(days) * 86400
	hours := int(secs / 3600)
	secs -= float64(hours) * 3600
	mins := int(secs / 60)
	secs -= float64(mins) * 60
	switch {
	case days > 0:
		return fmt.Sprintf("%s (%d %02d:%02d:%06.3f)", out, days, hours, mins, secs)
	case hours > 0:
		return fmt.Sprintf("%s (%02d:%02d:%06.3f)", out, hours, mins, secs)
	}
	return fmt.Sprintf("%s (%02d:%06.3f)", out, mins, secs)
}
