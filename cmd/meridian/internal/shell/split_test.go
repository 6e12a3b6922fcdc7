package shell

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines string // fed one line at a time
		want  []string
		// rest is the partial statement left over (flush), and prompt the
		// continuation character afterwards ('=' if nothing is pending).
		rest   string
		prompt byte
	}{
		{name: "one", lines: "SELECT 1;", want: []string{"SELECT 1"}, prompt: '='},
		{name: "two on a line", lines: "SELECT 1; SELECT 2;", want: []string{"SELECT 1", "SELECT 2"}, prompt: '='},
		{name: "multi-line", lines: "SELECT\n  1\n;", want: []string{"SELECT\n  1"}, prompt: '='},
		{name: "pending", lines: "SELECT 1; SELECT", want: []string{"SELECT 1"}, rest: "SELECT", prompt: '-'},
		{name: "empty statements", lines: ";;\n ; ", prompt: '='},
		{name: "semicolon in string", lines: "SELECT 'a;b', 'it''s;';", want: []string{"SELECT 'a;b', 'it''s;'"}, prompt: '='},
		{name: "string across lines", lines: "SELECT 'a\n;b';", want: []string{"SELECT 'a\n;b'"}, prompt: '='},
		{name: "open string", lines: "SELECT 'a;", rest: "SELECT 'a;", prompt: '\''},
		{name: "backslash is literal in standard strings", lines: `SELECT 'a\'; SELECT 2;`, want: []string{`SELECT 'a\'`, "SELECT 2"}, prompt: '='},
		{name: "E string escapes", lines: `SELECT E'a\'; b'; SELECT 2;`, want: []string{`SELECT E'a\'; b'`, "SELECT 2"}, prompt: '='},
		{name: "e string lower case", lines: `SELECT e'\';';`, want: []string{`SELECT e'\';'`}, prompt: '='},
		{name: "identifier ending in e is not E string", lines: `SELECT some'\'; SELECT 2;`, want: []string{`SELECT some'\'`, "SELECT 2"}, prompt: '='},
		{name: "double quotes", lines: `SELECT 1 AS "a;""b";`, want: []string{`SELECT 1 AS "a;""b"`}, prompt: '='},
		{name: "open double quote", lines: `SELECT 1 AS "a;`, rest: `SELECT 1 AS "a;`, prompt: '"'},
		{name: "dollar quote", lines: "DO $$ BEGIN; END $$;", want: []string{"DO $$ BEGIN; END $$"}, prompt: '='},
		{name: "tagged dollar quote", lines: "SELECT $fn$ a $$ ; $ b $fn$;", want: []string{"SELECT $fn$ a $$ ; $ b $fn$"}, prompt: '='},
		{name: "dollar quote across lines", lines: "CREATE FUNCTION f() AS $body$\nSELECT 1;\n$body$;", want: []string{"CREATE FUNCTION f() AS $body$\nSELECT 1;\n$body$"}, prompt: '='},
		{name: "open dollar quote", lines: "SELECT $$ x;", rest: "SELECT $$ x;", prompt: '$'},
		{name: "parameter is not a dollar quote", lines: "SELECT $1; SELECT 2;", want: []string{"SELECT $1", "SELECT 2"}, prompt: '='},
		{name: "dollar in identifier", lines: "SELECT a$b$ FROM t; SELECT 2;", want: []string{"SELECT a$b$ FROM t", "SELECT 2"}, prompt: '='},
		{name: "line comment", lines: "SELECT 1 -- no; not here\n;", want: []string{"SELECT 1 -- no; not here"}, prompt: '='},
		{name: "comment only lines are dropped", lines: "-- hello;\n  /* c; */", prompt: '='},
		{name: "block comment", lines: "SELECT /* ; */ 1;", want: []string{"SELECT /* ; */ 1"}, prompt: '='},
		{name: "nested block comment", lines: "SELECT /* a /* b */ ; */ 1;", want: []string{"SELECT /* a /* b */ ; */ 1"}, prompt: '='},
		{name: "open block comment", lines: "SELECT 1 /* ;", rest: "SELECT 1 /* ;", prompt: '*'},
		{name: "comment after statement", lines: "SELECT 1; -- done", want: []string{"SELECT 1"}, prompt: '='},
		{name: "parentheses", lines: "CREATE RULE r AS ON INSERT TO t DO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2));",
			want: []string{"CREATE RULE r AS ON INSERT TO t DO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2))"}, prompt: '='},
		{name: "open parenthesis", lines: "SELECT (1;", rest: "SELECT (1;", prompt: '('},
		{name: "comment marker inside string", lines: "SELECT '--', '/*'; SELECT 2;", want: []string{"SELECT '--', '/*'", "SELECT 2"}, prompt: '='},
		{name: "quote inside comment", lines: "SELECT 1 /* it's */; -- it's\nSELECT 2;", want: []string{"SELECT 1 /* it's */", "SELECT 2"}, prompt: '='},
		{name: "unicode", lines: "SELECT 'é;ü' AS \"ñ\";", want: []string{"SELECT 'é;ü' AS \"ñ\""}, prompt: '='},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s splitter
			var got []string
			for _, l := range strings.Split(tc.lines, "\n") {
				got = append(got, s.feed(l)...)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("statements = %q, want %q", got, tc.want)
			}
			p := byte('=')
			if s.pending() {
				p = s.promptChar()
			}
			if p != tc.prompt {
				t.Errorf("prompt char = %q, want %q", p, tc.prompt)
			}
			rest, ok := s.flush()
			if !ok {
				rest = ""
			}
			if rest != tc.rest {
				t.Errorf("rest = %q, want %q", rest, tc.rest)
			}
			if s.pending() {
				t.Error("pending after flush")
			}
		})
	}
}

// Feeding a script in one piece or line by line gives the same statements.
func TestSplitterLineByLine(t *testing.T) {
	script := "CREATE TABLE t (a INT, b TEXT);\nINSERT INTO t VALUES (1, 'x;\ny'), (2, $$;$$);\n/* c */ SELECT * FROM t; SELECT 2"
	var s splitter
	var got []string
	for _, l := range strings.Split(script, "\n") {
		got = append(got, s.feed(l)...)
	}
	rest, _ := s.flush()
	got = append(got, rest)
	want := []string{"CREATE TABLE t (a INT, b TEXT)", "INSERT INTO t VALUES (1, 'x;\ny'), (2, $$;$$)", "/* c */ SELECT * FROM t", "SELECT 2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
