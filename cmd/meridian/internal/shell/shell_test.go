package shell

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runShell runs a session with cfg, collecting Out and Err together.
func runShell(t *testing.T, cfg Config) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cfg.Out, cfg.Err = &out, &out
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Run(ctx, cfg)
	return out.String(), err
}

func checkOutput(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("output:\n%s\nwant:\n%s\n(got %q)", got, want, got)
	}
}

// Piped input: statements across lines, results, errors with their
// details, and the script goes on after an error but fails at the end.
func TestScriptOnPostgres(t *testing.T) {
	url := postgresURL(t)
	out, err := runShell(t, Config{URL: url, In: strings.NewReader(`CREATE TABLE t (id int PRIMARY KEY, name text);
INSERT INTO t VALUES (1, 'alice'),
  (2, NULL);
SELECT * FROM t ORDER BY id;
SELECT *
  FROM nope;
INSERT INTO t VALUES (1, 'dup');
-- a comment alone
SELECT count(*) FROM t; SELECT 'a;b' AS "x;y"
`)})
	checkOutput(t, out, `CREATE TABLE
INSERT 0 2
 id | name  
----+-------
  1 | alice
  2 | 
(2 rows)

ERROR:  relation "nope" does not exist
LINE 2:   FROM nope
               ^
SQLSTATE: 42P01
ERROR:  duplicate key value violates unique constraint "t_pkey"
DETAIL:  Key (id)=(1) already exists.
SQLSTATE: 23505
 count 
-------
     2
(1 row)

 x;y 
-----
 a;b
(1 row)

`)
	if !errors.Is(err, ErrStatementFailed) || !strings.Contains(err.Error(), "2 of") {
		t.Errorf("Run = %v, want ErrStatementFailed for 2 statements", err)
	}
}

// -e stops at the first error and fails; without errors it succeeds.
func TestExecuteOnPostgres(t *testing.T) {
	url := postgresURL(t)
	out, err := runShell(t, Config{URL: url, Execute: "SELECT 1 AS a; SELECT 1/0; SELECT 2 AS b"})
	checkOutput(t, out, " a \n---\n 1\n(1 row)\n\nERROR:  division by zero\nSQLSTATE: 22012\n")
	if !errors.Is(err, ErrStatementFailed) {
		t.Errorf("Run = %v, want ErrStatementFailed", err)
	}
	out, err = runShell(t, Config{URL: url, Execute: "CREATE TABLE u (a int); INSERT INTO u VALUES (1)"})
	checkOutput(t, out, "CREATE TABLE\nINSERT 0 1\n")
	if err != nil {
		t.Errorf("Run = %v", err)
	}
	// A meta-command error also fails -e.
	_, err = runShell(t, Config{URL: url, Execute: `\nosuch`})
	if !errors.Is(err, ErrStatementFailed) {
		t.Errorf("invalid meta-command: Run = %v, want ErrStatementFailed", err)
	}
}

// -f runs a file (with \i of another) and stops at the first error.
func TestFileOnPostgres(t *testing.T) {
	url := postgresURL(t)
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc.sql")
	main := filepath.Join(dir, "main.sql")
	os.WriteFile(inc, []byte("INSERT INTO f VALUES (2);\nSELECT nope;\n"), 0o644)
	os.WriteFile(main, []byte("CREATE TABLE f (a int);\nINSERT INTO f VALUES (1);\n\\i "+inc+"\nINSERT INTO f VALUES (3);\n"), 0o644)
	out, err := runShell(t, Config{URL: url, File: main})
	checkOutput(t, out, "CREATE TABLE\nINSERT 0 1\nINSERT 0 1\nERROR:  column \"nope\" does not exist\nLINE 1: SELECT nope\n               ^\nSQLSTATE: 42703\n")
	if !errors.Is(err, ErrStatementFailed) {
		t.Errorf("Run = %v, want ErrStatementFailed", err)
	}
	out, _ = runShell(t, Config{URL: url, Execute: "SELECT count(*) AS n FROM f"})
	if !strings.Contains(out, "\n 2\n") {
		t.Errorf("rows after the failed file:\n%s", out)
	}
	// A file that includes itself stops instead of recursing forever.
	loop := filepath.Join(dir, "loop.sql")
	os.WriteFile(loop, []byte("\\i "+loop+"\n"), 0o644)
	out, err = runShell(t, Config{URL: url, File: loop})
	if !strings.Contains(out, "nested more than") || err == nil {
		t.Errorf("self-including file: %v\n%s", err, out)
	}
}

// \timing reports each statement's time as psql does; the clock is stepped
// 1.5 ms per reading.
func TestTimingOnPostgres(t *testing.T) {
	url := postgresURL(t)
	clock := time.Unix(0, 0)
	cfg := Config{URL: url, In: strings.NewReader("\\timing\nSELECT 1 AS a;\n\\timing off\nSELECT 2 AS b;\n")}
	cfg.now = func() time.Time {
		clock = clock.Add(1500 * time.Microsecond)
		return clock
	}
	out, err := runShell(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out, "Timing is on.\n a \n---\n 1\n(1 row)\n\nTime: 1.500 ms\nTiming is off.\n b \n---\n 2\n(1 row)\n\n")
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		234 * time.Microsecond:                       "0.234 ms",
		1123580 * time.Microsecond:                   "1123.580 ms (00:01.124)",
		(61*time.Minute + 2*time.Second):             "3662000.000 ms (01:01:02.000)",
		(26*time.Hour + 3*time.Minute + time.Second): "93781000.000 ms (1 02:03:01.000)",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestExpandedOnPostgres(t *testing.T) {
	url := postgresURL(t)
	out, err := runShell(t, Config{URL: url, In: strings.NewReader("\\x\nSELECT 1 AS id, 'alice' AS name, NULL AS z;\n\\x off\nSELECT 1 AS id;\n")})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out, "Expanded display is on.\n-[ RECORD 1 ]\nid   | 1\nname | alice\nz    | \n\nExpanded display is off.\n id \n----\n  1\n(1 row)\n\n")
}

func TestMetaCommandsOnPostgres(t *testing.T) {
	url := postgresURL(t)
	db := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	out, err := runShell(t, Config{URL: url, In: strings.NewReader(`\d
CREATE TABLE "Mixed" (id int NOT NULL DEFAULT 7, note text);
\d
\d "Mixed"
\d mixed
\d public."Mixed"
\conninfo
\l
SELECT 1
\p
\g
SELECT 2
\r
\p
\c postgres
\conninfo
\c nosuchdb
\conninfo
\frob
\?
`)})
	for _, want := range []string{
		"Did not find any relations.\n",
		"   List of relations\n Schema | Name  | Type  \n--------+-------+-------\n public | Mixed | table\n(1 row)\n",
		"             Table \"Mixed\"\n Column |  Type   | Nullable | Default \n--------+---------+----------+---------\n id     | integer | not null | 7\n note   | text    |          | \n(2 rows)\n",
		"Did not find any relation named \"mixed\".\n",
		"         Table \"public.Mixed\"\n Column",
		`You are connected to database "` + db + `" as user "root" on host "127.0.0.1"`,
		"List of databases\n",
		" " + db + " ",
		"SELECT 1\n ?column? \n----------\n        1\n(1 row)\n",
		"Query buffer reset (cleared).\nQuery buffer is empty.\n",
		"You are now connected to database \"postgres\" as user \"root\".\n",
		`database "nosuchdb" does not exist`,
		"Previous connection kept\nYou are connected to database \"postgres\"",
		"invalid command \\frob\nTry \\? for help.\n",
		"\\timing [on|off]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	// Piped input goes on after failures and reports them at the end.
	if !errors.Is(err, ErrStatementFailed) {
		t.Errorf("Run = %v, want ErrStatementFailed", err)
	}
}

// Interactive mode, driven with the bytes a terminal would send: prompts
// showing continuation and transaction state, history recall with the up
// arrow, Ctrl-C discarding a partial statement, Ctrl-D ending the session,
// and the history file.
func TestInteractiveOnPostgres(t *testing.T) {
	url := postgresURL(t)
	hist := filepath.Join(t.TempDir(), "history")
	os.WriteFile(hist, []byte("SELECT 'from an earlier session' AS old;\n"), 0o600)
	keys := strings.Join([]string{
		"SELECT\r", "41 + 1 AS answer;\r",
		"BEGIN;\r", "SELECT 1/0;\r", "ROLLBACK;\r",
		"SELECT 'abc\x03",                                                                           // Ctrl-C drops the line
		"\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A\x1b[A\r",                                                    // the earlier session's line
		"SELECT 3 AS c;\r", "SELECT 3 AS c;\r", "\x1b[A\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x7f4\r", // edit a recalled line
		"\x04",
	}, "")
	out, err := runShell(t, Config{URL: url, In: strings.NewReader(keys), Interactive: true, HistoryFile: hist})
	if err != nil {
		t.Fatalf("Run = %v\n%s", err, out)
	}
	db := url[strings.LastIndex(url, "/")+1 : strings.Index(url, "?")]
	for _, want := range []string{
		"Type \"\\?\" for help",
		"\r" + db + "=> SELECT\x1b[K\r\n",
		"\r" + db + "-> 41 + 1 AS answer;\x1b[K\r\n answer \n--------\n     42\n",
		"\r" + db + "=*> SELECT 1/0;\x1b[K\r\nERROR:  division by zero\n",
		"\r" + db + "=!> ROLLBACK;\x1b[K\r\nROLLBACK\n",
		"\r" + db + "=> SELECT 'abc\x1b[K^C\r\n",
		"          old           \n-------------------------\n from an earlier session\n",
		" c \n---\n 4\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%q", out)
	}
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT 'from an earlier session' AS old;\nSELECT\n41 + 1 AS answer;\nBEGIN;\nSELECT 1/0;\nROLLBACK;\nSELECT 'from an earlier session' AS old;\nSELECT 3 AS c;\nSELECT 4 AS c;\n"
	if string(data) != want {
		t.Errorf("history file:\n%s\nwant:\n%s", data, want)
	}
}

// Ctrl-C while a statement runs cancels it on the server; the session goes
// on with the same connection.
func TestCancelOnPostgres(t *testing.T) {
	url := postgresURL(t)
	intr := make(chan struct{})
	done := make(chan struct{})
	go func() {
		for {
			select {
			case intr <- struct{}{}: // received only while a statement runs
			case <-done:
				return
			}
		}
	}()
	out, err := runShell(t, Config{URL: url, Interrupt: intr, In: strings.NewReader("SELECT pg_sleep(60);\nSELECT 'still here' AS s;\n")})
	close(done)
	if !strings.Contains(out, "Cancel request sent\nERROR:  canceling statement due to user request\nSQLSTATE: 57014\n") ||
		!strings.Contains(out, " still here\n") || strings.Contains(out, "connection to the server was lost") {
		t.Errorf("output:\n%s", out)
	}
	if !errors.Is(err, ErrStatementFailed) {
		t.Errorf("Run = %v, want ErrStatementFailed", err)
	}
}

// A lost connection is re-opened, as psql does.
func TestConnectionResetOnPostgres(t *testing.T) {
	url := postgresURL(t)
	out, _ := runShell(t, Config{URL: url, In: strings.NewReader("SELECT pg_terminate_backend(pg_backend_pid());\nSELECT 'back' AS s;\n")})
	if !strings.Contains(out, "Attempting reset: Succeeded.\n") || !strings.Contains(out, " back\n") {
		t.Errorf("output:\n%s", out)
	}
}

func TestConnectError(t *testing.T) {
	_, err := runShell(t, Config{URL: "postgresql://root@127.0.0.1:1/defaultdb?sslmode=disable&connect_timeout=5", Execute: "SELECT 1"})
	if err == nil || !strings.Contains(err.Error(), "cannot connect to 127.0.0.1:1") || !strings.Contains(err.Error(), "Is a Meridian node running") {
		t.Errorf("Run = %v, want a clear connection error", err)
	}
	_, err = runShell(t, Config{URL: "postgresql://root:secret@[::1", Execute: "SELECT 1"})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: %v (the password must not be echoed)", err)
	}
	if _, err := runShell(t, Config{Execute: "x", File: "y"}); err == nil {
		t.Error("Execute and File together were accepted")
	}
}

// COPY FROM STDIN takes the data lines that follow it; COPY TO STDOUT
// writes to Out.
func TestCopyOnPostgres(t *testing.T) {
	url := postgresURL(t)
	out, err := runShell(t, Config{URL: url, In: strings.NewReader(`CREATE TABLE c (a int, b text);
COPY c FROM STDIN;
1	one
2	\N
\.
COPY c (a) FROM stdin;
x
\.
SELECT count(*) AS n FROM c;
COPY (SELECT * FROM c ORDER BY a) TO STDOUT;
`)})
	checkOutput(t, out, "CREATE TABLE\nCOPY 2\n"+
		"ERROR:  invalid input syntax for type integer: \"x\"\nCONTEXT:  COPY c, line 1, column a: \"x\"\nSQLSTATE: 22P02\n"+
		" n \n---\n 2\n(1 row)\n\n1\tone\n2\t\\N\n")
	if !errors.Is(err, ErrStatementFailed) {
		t.Errorf("Run = %v", err)
	}
}

// Like psql, a data-modifying statement prints its tag after its RETURNING
// rows; a SELECT does not.
func TestReturningTagOnPostgres(t *testing.T) {
	url := postgresURL(t)
	out, err := runShell(t, Config{URL: url, In: strings.NewReader(`CREATE TABLE r (id int PRIMARY KEY);
INSERT INTO r VALUES (1), (2) RETURNING id;
DELETE FROM r WHERE id = 2 RETURNING id;
`)})
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, out, `CREATE TABLE
 id 
----
  1
  2
(2 rows)

INSERT 0 2
 id 
----
  2
(1 row)

DELETE 1
`)
}
