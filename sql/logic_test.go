package sql

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/meridiandb/meridian/sql/internal/memdb"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
)

// traceWriter renders results as text for golden files.
type traceWriter struct {
	b    strings.Builder
	cols []Column
	rows bool // print only rows (query)
	// loc is the session TimeZone, followed from ParameterStatus as a
	// client would (the pgwire server does the same).
	loc *time.Location
}

func (w *traceWriter) Columns(cols []Column) error {
	w.cols = append([]Column(nil), cols...)
	if w.rows {
		return nil
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + ":" + c.Type.Name()
	}
	fmt.Fprintf(&w.b, "columns: %s\n", strings.Join(parts, " | "))
	return nil
}

func (w *traceWriter) Row(row []rowenc.Value) error {
	parts := make([]string, len(row))
	for i, v := range row {
		if v.IsNull() {
			parts[i] = "NULL"
		} else {
			parts[i] = types.FormatTextIn(w.cols[i].Type, v, w.loc)
		}
	}
	fmt.Fprintf(&w.b, "%s\n", strings.Join(parts, " | "))
	return nil
}

func (w *traceWriter) Complete(tag string) error {
	if !w.rows {
		fmt.Fprintf(&w.b, "%s\n", tag)
	}
	return nil
}

func (w *traceWriter) EmptyQuery() error {
	fmt.Fprintf(&w.b, "empty query\n")
	return nil
}

func (w *traceWriter) Notice(severity, code, message string) error {
	if !w.rows {
		fmt.Fprintf(&w.b, "%s %s: %s\n", severity, code, message)
	}
	return nil
}

func (w *traceWriter) ParameterStatus(name, value string) error {
	if name == "TimeZone" {
		w.loc, _ = types.LoadZone(value)
	}
	if !w.rows {
		fmt.Fprintf(&w.b, "parameter %s = %s\n", name, value)
	}
	return nil
}

// logicEnv is the state of one logic test file.
type logicEnv struct {
	t        *testing.T
	db       txn.DB
	srv      *Server
	sessions map[string]Session
	cur      string
	prepared map[string]Prepared
}

func newLogicEnv(t *testing.T, db txn.DB) *logicEnv {
	e := &logicEnv{t: t, db: db}
	e.restart()
	return e
}

func (e *logicEnv) restart() {
	for _, s := range e.sessions {
		_ = s.Close(context.Background())
	}
	srv, err := NewServer(context.Background(), Config{DB: e.db})
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv, e.sessions, e.cur, e.prepared = srv, map[string]Session{}, "default", map[string]Prepared{}
}

func (e *logicEnv) session() Session {
	s, ok := e.sessions[e.cur]
	if !ok {
		var err error
		s, err = e.srv.NewSession(context.Background(), SessionArgs{User: "tester"})
		if err != nil {
			e.t.Fatal(err)
		}
		e.sessions[e.cur] = s
	}
	return s
}

func errText(err error) string {
	pe := pgerror.Flatten(err)
	s := fmt.Sprintf("ERROR %s: %s\n", pe.Code, pe.Message)
	if pe.Detail != "" {
		s += "DETAIL: " + pe.Detail + "\n"
	}
	return s
}

func (e *logicEnv) handle(t *testing.T, d *datadriven.TestData) string {
	ctx := context.Background()
	switch d.Cmd {
	case "restart":
		e.restart()
		return "ok\n"
	case "session":
		var name, db string
		d.ScanArgs(t, "name", &name)
		if d.HasArg("db") {
			d.ScanArgs(t, "db", &db)
			s, err := e.srv.NewSession(ctx, SessionArgs{User: "tester", Database: db})
			if err != nil {
				return errText(err)
			}
			e.sessions[name] = s
		}
		e.cur = name
		return "ok\n"
	case "statement", "query", "exec":
		w := &traceWriter{rows: d.Cmd == "query", loc: e.session().(*session).vars.loc}
		err := e.session().ExecSimple(ctx, d.Input, w)
		out := w.b.String()
		if err != nil {
			out += errText(err)
		}
		e.check(t, d, err)
		if d.Cmd != "query" {
			out += fmt.Sprintf("status %c\n", e.session().TxnStatus())
		}
		return out
	case "prepare":
		var name string
		d.ScanArgs(t, "name", &name)
		var ptypes []types.T
		if d.HasArg("types") {
			var names []string
			d.ScanArgs(t, "types", &names)
			for _, n := range names {
				ptypes = append(ptypes, typeByName(t, n))
			}
		}
		p, err := e.session().Prepare(ctx, d.Input, ptypes)
		if err != nil {
			e.check(t, d, err)
			return errText(err)
		}
		e.prepared[name] = p
		var b strings.Builder
		for i, pt := range p.ParamTypes() {
			fmt.Fprintf(&b, "$%d: %s\n", i+1, pt.Name())
		}
		for _, c := range p.Columns() {
			fmt.Fprintf(&b, "column %s: %s\n", c.Name, c.Type.Name())
		}
		return b.String()
	case "execute":
		var name string
		d.ScanArgs(t, "name", &name)
		p := e.prepared[name]
		if p == nil {
			t.Fatalf("%s: no prepared statement %q", d.Pos, name)
		}
		var params []rowenc.Value
		for i, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			if line == "" {
				continue
			}
			if line == "NULL" {
				params = append(params, rowenc.Null())
				continue
			}
			v, err := types.ParseText(p.ParamTypes()[i], line)
			if err != nil {
				t.Fatalf("%s: param %d: %v", d.Pos, i+1, err)
			}
			params = append(params, v)
		}
		w := &traceWriter{loc: e.session().(*session).vars.loc}
		err := e.session().ExecPrepared(ctx, p, params, w)
		out := w.b.String()
		if err != nil {
			out += errText(err)
		}
		e.check(t, d, err)
		return out + fmt.Sprintf("status %c\n", e.session().TxnStatus())
	}
	t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
	return ""
}

// check enforces "statement ok" and "statement error <code>".
func (e *logicEnv) check(t *testing.T, d *datadriven.TestData, err error) {
	if len(d.CmdArgs) == 0 {
		return
	}
	switch d.CmdArgs[0].Key {
	case "ok":
		if err != nil {
			t.Errorf("%s: expected success, got %s", d.Pos, errText(err))
		}
	case "error":
		want := ""
		if len(d.CmdArgs) > 1 {
			want = d.CmdArgs[1].Key
		}
		if err == nil {
			t.Errorf("%s: expected error %s, got success", d.Pos, want)
		} else if got := pgerror.Code(err); want != "" && got != want {
			t.Errorf("%s: expected error %s, got %s", d.Pos, want, errText(err))
		}
	}
}

func typeByName(t *testing.T, n string) types.T {
	switch n {
	case "int2":
		return types.Int2
	case "int4":
		return types.Int4
	case "int8":
		return types.Int8
	case "text":
		return types.Text
	case "float8":
		return types.Float8
	case "bool":
		return types.Bool
	case "unknown":
		return types.Unknown
	}
	t.Fatalf("unknown type %q", n)
	return types.T{}
}

func TestLogic(t *testing.T) {
	files, err := filepath.Glob("testdata/logic/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			env := newLogicEnv(t, memdb.New())
			defer func() {
				for _, s := range env.sessions {
					_ = s.Close(context.Background())
				}
			}()
			datadriven.RunTest(t, path, env.handle)
		})
	}
}
