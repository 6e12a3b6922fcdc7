package shell

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// A throwaway PostgreSQL 15, started once for the package's tests when the
// Debian binaries are installed and stopped by TestMain.
const pgBin = "/usr/lib/postgresql/15/bin"

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
	for _, b := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(pgBin, b)); err != nil {
			pg.skip = fmt.Sprintf("PostgreSQL 15 is not installed (%s/%s missing); install postgresql-15 to run these tests", pgBin, b)
			return
		}
	}
	// PostgreSQL refuses to run as root: run it as the postgres user then.
	var asUser []string
	dir, err := os.MkdirTemp("", "meridian-shell-pg-")
	if err != nil {
		pg.err = err
		return
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			pg.skip = "running as root and there is no postgres user to run PostgreSQL as"
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			pg.err = err
			return
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) error {
		args = append(asUser, args...)
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pg.err = err
		return
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	data := filepath.Join(dir, "data")
	if err := run(filepath.Join(pgBin, "initdb"), "-D", data, "-U", "root", "--auth=trust", "-E", "UTF8", "--locale=C", "-N"); err != nil {
		pg.err = err
		os.RemoveAll(dir)
		return
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", port, dir)
	if err := run(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-w", "-l", filepath.Join(dir, "log"), "-o", opts, "start"); err != nil {
		pg.err = err
		os.RemoveAll(dir)
		return
	}
	pg.url = fmt.Sprintf("postgresql://root@127.0.0.1:%d/postgres?sslmode=disable", port)
	pg.stop = func() {
		run(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-m", "immediate", "stop")
		os.RemoveAll(dir)
	}
}
