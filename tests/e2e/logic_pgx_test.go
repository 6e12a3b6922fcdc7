package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/meridiandb/meridian/server"
	"github.com/meridiandb/meridian/sql/types"
)

// logicPgxSkip lists the logic files TestLogicOverPgx does not replay, each
// with the reason.
var logicPgxSkip = map[string]string{}

// TestLogicOverPgx replays sql/testdata/logic/* (the files sql.TestLogic runs
// against the Session API) through a real node over the PostgreSQL wire
// protocol with pgx, rendering the same text and comparing it with the same
// golden output. It never rewrites those files.
//
// It reads the files with its own small reader (runLogicFile) rather than
// datadriven.RunTest: importing datadriven registers a -rewrite flag, which
// collides with psql_test.go's -rewrite flag in this package's test binary.
func TestLogicOverPgx(t *testing.T) {
	files, err := filepath.Glob("../../sql/testdata/logic/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no logic files found")
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			if why, ok := logicPgxSkip[name]; ok {
				t.Skip(why)
			}
			e := &pgxLogicEnv{t: t, dir: t.TempDir()}
			e.start()
			t.Cleanup(e.stop)
			runLogicFile(t, path, e.handle)
		})
	}
}

// pgxLogicSession is one named session: a connection and where its notices go.
type pgxLogicSession struct {
	conn *pgx.Conn
	out  *strings.Builder // notice sink; nil drops notices
}

type pgxLogicEnv struct {
	t        *testing.T
	dir      string
	node     *server.Node
	sessions map[string]*pgxLogicSession
	cur      string
	prepared map[string]*pgconn.StatementDescription
}

func (e *pgxLogicEnv) start() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := server.Start(ctx, server.Config{
		StoreDir: e.dir, SQLAddr: "127.0.0.1:0", RPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.node = n
	e.sessions, e.cur, e.prepared = map[string]*pgxLogicSession{}, "default", map[string]*pgconn.StatementDescription{}
}

func (e *pgxLogicEnv) stop() {
	for _, s := range e.sessions {
		_ = s.conn.Close(context.Background())
	}
	e.sessions = nil
	if e.node == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.node.Stop(ctx); err != nil {
		e.t.Errorf("stopping the node: %v", err)
	}
	e.node = nil
}

// connect opens a session on db ("" is the default database) as the user
// the Session API logic test uses.
func (e *pgxLogicEnv) connect(db string) (*pgxLogicSession, error) {
	if db == "" {
		db = "defaultdb"
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgresql://tester@%s/%s?sslmode=disable", e.node.SQLAddr(), db))
	if err != nil {
		e.t.Fatal(err)
	}
	s := &pgxLogicSession{}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		if s.out != nil {
			fmt.Fprintf(s.out, "%s %s: %s\n", n.Severity, n.Code, n.Message)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.conn = c
	return s, nil
}

func (e *pgxLogicEnv) session() *pgxLogicSession {
	s, ok := e.sessions[e.cur]
	if !ok {
		var err error
		if s, err = e.connect(""); err != nil {
			e.t.Fatal(err)
		}
		e.sessions[e.cur] = s
	}
	return s
}

// pgxErrText renders a server error as sql's errText does.
func pgxErrText(t *testing.T, err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("not a server error: %v", err)
	}
	s := fmt.Sprintf("ERROR %s: %s\n", pe.Code, pe.Message)
	if pe.Detail != "" {
		s += "DETAIL: " + pe.Detail + "\n"
	}
	return s
}

// pgxTypeName names a wire type (OID and type modifier) as the engine's
// types.T.Name does.
func pgxTypeName(oid uint32, typmod int32) string {
	t, ok := types.FromOID(oid)
	if !ok || oid == types.OIDName {
		// FromOID maps name to text and does not know oid; the engine
		// still names them by their own OIDs.
		t = types.T{OID: oid}
	}
	switch oid {
	case types.OIDVarchar, types.OIDBpchar, types.OIDNumeric:
		// types.T.Modifier: Width+4 (NUMERIC's Width is p<<16|s).
		if typmod >= 4 {
			t.Width = typmod - 4
		}
	}
	return t.Name()
}

func pgxColumnsLine(fds []pgconn.FieldDescription) string {
	parts := make([]string, len(fds))
	for i, f := range fds {
		parts[i] = f.Name + ":" + pgxTypeName(f.DataTypeOID, f.TypeModifier)
	}
	return fmt.Sprintf("columns: %s\n", strings.Join(parts, " | "))
}

func pgxRowLine(vals [][]byte) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			parts[i] = "NULL"
		} else {
			parts[i] = string(v)
		}
	}
	return strings.Join(parts, " | ") + "\n"
}

// readResult renders one ResultReader as sql's traceWriter does (rowsOnly is
// its query mode) and returns the result's error.
func readResult(b *strings.Builder, rr *pgconn.ResultReader, rowsOnly bool) error {
	if fds := rr.FieldDescriptions(); fds != nil && !rowsOnly {
		b.WriteString(pgxColumnsLine(fds))
	}
	for rr.NextRow() {
		b.WriteString(pgxRowLine(rr.Values()))
	}
	tag, err := rr.Close()
	if err != nil {
		return err
	}
	if !rowsOnly {
		if tag.String() == "" {
			b.WriteString("empty query\n")
		} else {
			b.WriteString(tag.String() + "\n")
		}
	}
	return nil
}

func (e *pgxLogicEnv) handle(t *testing.T, d *logicDirective) string {
	// The Session API reports ParameterStatus messages in line with the
	// results ("parameter name = value"); pgx consumes them into connection
	// state (PgConn.ParameterStatus) without telling the caller where in the
	// result stream they came, so those lines, and only those, are dropped
	// from the expected output. datadriven compares against d.Expected after
	// the handler returns; the file itself is never rewritten.
	d.Expected = dropParameterLines(d.Expected)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	switch d.Cmd {
	case "restart":
		// Stop and restart the node on the same store; sessions reconnect
		// lazily, as the Session API test's restart opens new sessions.
		e.stop()
		e.start()
		return "ok\n"
	case "session":
		var name, db string
		d.scanArg(t, "name", &name)
		if d.hasArg("db") {
			d.scanArg(t, "db", &db)
			s, err := e.connect(db)
			if err != nil {
				return pgxErrText(t, err)
			}
			if old, ok := e.sessions[name]; ok {
				_ = old.conn.Close(ctx)
			}
			e.sessions[name] = s
		}
		e.cur = name
		return "ok\n"
	case "statement", "query", "exec":
		rowsOnly := d.Cmd == "query"
		s := e.session()
		var b strings.Builder
		if !rowsOnly {
			s.out = &b
		}
		defer func() { s.out = nil }()
		mrr := s.conn.PgConn().Exec(ctx, d.Input)
		var firstErr error
		for mrr.NextResult() {
			if err := readResult(&b, mrr.ResultReader(), rowsOnly); err != nil && firstErr == nil {
				firstErr = err
			}
		}
		if err := mrr.Close(); err != nil && firstErr == nil {
			firstErr = err
		}
		if firstErr != nil {
			b.WriteString(pgxErrText(t, firstErr))
		}
		pgxCheck(t, d, firstErr)
		if !rowsOnly {
			fmt.Fprintf(&b, "status %c\n", s.conn.PgConn().TxStatus())
		}
		return b.String()
	case "prepare":
		var name string
		d.scanArg(t, "name", &name)
		var oids []uint32
		if d.hasArg("types") {
			var names []string
			d.scanArg(t, "types", &names)
			for _, n := range names {
				oids = append(oids, pgxTypeOID(t, n))
			}
		}
		s := e.session()
		sd, err := s.conn.PgConn().Prepare(ctx, name, d.Input, oids)
		if err != nil {
			pgxCheck(t, d, err)
			return pgxErrText(t, err)
		}
		e.prepared[name] = sd
		var b strings.Builder
		for i, oid := range sd.ParamOIDs {
			fmt.Fprintf(&b, "$%d: %s\n", i+1, pgxTypeName(oid, -1))
		}
		for _, f := range sd.Fields {
			fmt.Fprintf(&b, "column %s: %s\n", f.Name, pgxTypeName(f.DataTypeOID, f.TypeModifier))
		}
		return b.String()
	case "execute":
		var name string
		d.scanArg(t, "name", &name)
		if e.prepared[name] == nil {
			t.Fatalf("%s: no prepared statement %q", d.Pos, name)
		}
		var params [][]byte
		for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			if line == "" {
				continue
			}
			if line == "NULL" {
				params = append(params, nil)
				continue
			}
			params = append(params, []byte(line))
		}
		s := e.session()
		var b strings.Builder
		s.out = &b
		defer func() { s.out = nil }()
		rr := s.conn.PgConn().ExecPrepared(ctx, name, params, nil, nil)
		err := readResult(&b, rr, false)
		if err != nil {
			b.WriteString(pgxErrText(t, err))
		}
		pgxCheck(t, d, err)
		fmt.Fprintf(&b, "status %c\n", s.conn.PgConn().TxStatus())
		return b.String()
	}
	t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	return ""
}

// pgxCheck enforces "statement ok" and "statement error <code>" as sql's
// logic test does.
func pgxCheck(t *testing.T, d *logicDirective, err error) {
	if len(d.CmdArgs) == 0 {
		return
	}
	switch d.CmdArgs[0].Key {
	case "ok":
		if err != nil {
			t.Errorf("%s: expected success, got %s", d.Pos, pgxErrText(t, err))
		}
	case "error":
		want := ""
		if len(d.CmdArgs) > 1 {
			want = d.CmdArgs[1].Key
		}
		if err == nil {
			t.Errorf("%s: expected error %s, got success", d.Pos, want)
		} else if got := sqlState(err); want != "" && got != want {
			t.Errorf("%s: expected error %s, got %s", d.Pos, want, pgxErrText(t, err))
		}
	}
}

func pgxTypeOID(t *testing.T, n string) uint32 {
	switch n {
	case "int2":
		return types.OIDInt2
	case "int4":
		return types.OIDInt4
	case "int8":
		return types.OIDInt8
	case "text":
		return types.OIDText
	case "float8":
		return types.OIDFloat8
	case "bool":
		return types.OIDBool
	case "unknown":
		return types.OIDUnknown
	}
	t.Fatalf("unknown type %q", n)
	return 0
}

func dropParameterLines(s string) string {
	if !strings.Contains(s, "parameter ") {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, "parameter ") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "")
}

// logicDirective is one directive of a datadriven file, read the way
// datadriven v1 reads it.
type logicDirective struct {
	Pos      string
	Cmd      string
	CmdArgs  []logicArg
	Input    string
	Expected string
}

type logicArg struct {
	Key  string
	Vals []string
}

func (d *logicDirective) hasArg(key string) bool {
	for _, a := range d.CmdArgs {
		if a.Key == key {
			return true
		}
	}
	return false
}

// scanArg stores the argument key's value in dest (*string or *[]string).
func (d *logicDirective) scanArg(t *testing.T, key string, dest any) {
	t.Helper()
	for _, a := range d.CmdArgs {
		if a.Key != key {
			continue
		}
		switch p := dest.(type) {
		case *string:
			if len(a.Vals) != 1 {
				t.Fatalf("%s: %s wants one value", d.Pos, key)
			}
			*p = a.Vals[0]
		case *[]string:
			*p = append([]string(nil), a.Vals...)
		default:
			t.Fatalf("%s: unsupported destination %T", d.Pos, dest)
		}
		return
	}
	t.Fatalf("%s: missing argument %s", d.Pos, key)
}

// parseLogicLine splits a directive line: cmd key key=val key=(a,b).
func parseLogicLine(t *testing.T, pos, line string) (string, []logicArg) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return "", nil
	}
	var args []logicArg
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			args = append(args, logicArg{Key: f})
			continue
		}
		if strings.HasPrefix(v, "(") {
			if !strings.HasSuffix(v, ")") {
				t.Fatalf("%s: unsupported argument %q", pos, f)
			}
			var vals []string
			for _, x := range strings.Split(v[1:len(v)-1], ",") {
				vals = append(vals, strings.TrimSpace(x))
			}
			args = append(args, logicArg{Key: k, Vals: vals})
			continue
		}
		args = append(args, logicArg{Key: k, Vals: []string{v}})
	}
	return fields[0], args
}

// runLogicFile reads path as datadriven does and compares each directive's
// output with its expected output.
func runLogicFile(t *testing.T, path string, f func(*testing.T, *logicDirective) string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	i := 0
	next := func() (string, bool) {
		if i >= len(lines) {
			return "", false
		}
		i++
		return lines[i-1], true
	}
	for {
		raw, ok := next()
		if !ok {
			return
		}
		pos := fmt.Sprintf("%s:%d", path, i)
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") {
			continue
		}
		for strings.HasSuffix(line, `\`) {
			nl, ok := next()
			if !ok {
				break
			}
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(nl)
		}
		cmd, args := parseLogicLine(t, pos, line)
		if cmd == "" {
			continue
		}
		d := &logicDirective{Pos: pos, Cmd: cmd, CmdArgs: args}
		var in strings.Builder
		sep := false
		for {
			l, ok := next()
			if !ok {
				break
			}
			if l == "----" {
				sep = true
				break
			}
			in.WriteString(l + "\n")
		}
		d.Input = strings.TrimSpace(in.String())
		if sep {
			var exp strings.Builder
			first, ok := next()
			if ok && first == "----" {
				for {
					l, ok := next()
					if !ok {
						break
					}
					if l == "----" && i < len(lines) && lines[i] == "----" {
						i++
						if i < len(lines) && lines[i] == "" {
							i++
						}
						break
					}
					exp.WriteString(l + "\n")
				}
			} else if ok {
				for l := first; strings.TrimSpace(l) != ""; {
					exp.WriteString(l + "\n")
					if l, ok = next(); !ok {
						break
					}
				}
			}
			d.Expected = exp.String()
		}
		actual := f(t, d)
		if actual != "" && !strings.HasSuffix(actual, "\n") {
			actual += "\n"
		}
		if actual != d.Expected {
			t.Fatalf("%s:\n%s %v\n%s\nexpected:\n%s\nfound:\n%s", d.Pos, d.Cmd, d.CmdArgs, d.Input, d.Expected, actual)
		}
	}
}
