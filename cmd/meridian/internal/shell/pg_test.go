package shell

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/meridiandb/meridian/tests/pgtest"
)

// A throwaway PostgreSQL 15, started once for the package's tests when the
// Debian binaries are installed and stopped by TestMain.
var pg struct {
	once sync.Once
	url  string // of the "postgres" database, as user root
	skip string // why PostgreSQL tests are skipped
	err  error
	stop func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pg.stop != nil {
		pg.stop()
	}
	os.Exit(code)
}

// postgresURL returns the URL of a fresh database on the throwaway server,
// or skips the test when PostgreSQL is not installed.
func postgresURL(t *testing.T) string {
	t.Helper()
	pg.once.Do(startPostgres)
	if pg.skip != "" {
		t.Skip(pg.skip)
	}
	if pg.err != nil {
		t.Fatal(pg.err)
	}
	name := "t_" + strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_"))
	conn, err := pgconn.Connect(context.Background(), pg.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if _, err := conn.Exec(context.Background(), q).ReadAll(); err != nil {
			t.Fatal(err)
		}
	}
	return strings.Replace(pg.url, "/postgres?", "/"+name+"?", 1)
}

func startPostgres() {
	c, err := pgtest.New(pgtest.Options{User: "root"})
	if errors.Is(err, pgtest.ErrNotInstalled) {
		pg.skip = err.Error()
		return
	}
	if err == nil {
		if err = c.Start(); err != nil {
			_ = c.Remove()
		}
	}
	if err != nil {
		pg.err = err
		return
	}
	pg.url = c.URL("postgres")
	pg.stop = func() { _ = c.Remove() }
}
