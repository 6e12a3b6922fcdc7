package shell

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/server"
)

// startMeridian starts an in-memory Meridian node and returns its URL.
func startMeridian(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	n, err := server.Start(ctx, server.Config{InMemory: true,
		SQLAddr: "127.0.0.1:0", RPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return "postgresql://root@" + n.SQLAddr() + "/defaultdb?sslmode=disable"
}

func TestScriptOnMeridian(t *testing.T) {
	url := startMeridian(t)
	out, err := runShell(t, Config{URL: url, In: strings.NewReader(`CREATE TABLE kv (k INT PRIMARY KEY, v TEXT);
INSERT INTO kv VALUES (1, 'one'),
  (2, NULL), (3, 'a;b');
SELECT k, v FROM kv ORDER BY k;
INSERT INTO kv VALUES (1, 'again');
\x
SELECT k, v FROM kv WHERE k = 3;
`)})
	for _, want := range []string{
		"CREATE TABLE\nINSERT 0 3\n",
		" k |  v  \n---+-----\n 1 | one\n 2 | \n 3 | a;b\n(3 rows)\n\n",
		"ERROR:  ", "SQLSTATE: 23505\n",
		"Expanded display is on.\n-[ RECORD 1 ]\nk | 3\nv | a;b\n\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	if err == nil {
		t.Error("Run succeeded despite the failed INSERT")
	}
}

// The catalog meta-commands (\d, \d NAME, \l, \ds, \di, \dv, \dn, \du,
// \df) work against Meridian's information_schema and pg_catalog, and using them inside a transaction does not disturb it (they
// run on a second connection).
func TestCatalogOnMeridian(t *testing.T) {
	url := startMeridian(t)
	out, _ := runShell(t, Config{URL: url, In: strings.NewReader(`CREATE TABLE kv (k INT PRIMARY KEY);
\d
\d kv
\l
CREATE SEQUENCE kv_seq INCREMENT 5;
\ds
\d kv_seq
\di
\dv
\dn
\du
\df
BEGIN;
INSERT INTO kv VALUES (1);
\d
INSERT INTO kv VALUES (2);
COMMIT;
SELECT count(*) AS n FROM kv;
`)})
	for _, want := range []string{
		"   List of relations\n Schema | Name | Type  \n--------+------+-------\n public | kv   | table\n(1 row)\n",
		" k      | integer | not null | \n",
		" defaultdb | root  | UTF8\n",
		" public | kv_seq | sequence | root\n",
		" bigint |     1 |       1 | 9223372036854775807 |         5 | no      |     1\n",
		" public | kv_pkey | index | root\n",
		"Did not find any relations.\n",
		" public | root\n",
		" root      | Superuser\n",
		" Schema | Name | Result data type | Argument data types \n",
		"COMMIT\n",
		" n \n---\n 2\n(1 row)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "not supported") || strings.Contains(out, "25P02") {
		t.Error("a catalog meta-command failed or aborted the transaction")
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// cancelOnWrite cancels a context once the output contains a marker.
type cancelOnWrite struct {
	buf    strings.Builder
	marker string
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.cancel()
	}
	return len(p), nil
}

// Cancelling Run's context (SIGTERM) ends a session blocked reading its
// input, interactive or not.
func TestContextEndsBlockedRead(t *testing.T) {
	url := startMeridian(t)
	for _, interactive := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		pr, pw := io.Pipe()
		go pw.Write([]byte("SELECT 1 AS a;\n")) // then nothing more: the next read blocks
		out := &cancelOnWrite{marker: "(1 row)", cancel: cancel}
		err := Run(ctx, Config{URL: url, In: pr, Out: out, Interactive: interactive, HistoryFile: filepath.Join(t.TempDir(), "h")})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("interactive=%v: Run = %v, want context.Canceled\n%s", interactive, err, out.buf.String())
		}
		pw.Close()
		cancel()
	}
}
