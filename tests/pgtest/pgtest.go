// Package pgtest starts throwaway PostgreSQL 15 servers for tests that
// compare Meridian with PostgreSQL or validate a tool against it: the
// consistency checkers, the differential SQL test, the shell.
//
// A Cluster is a data directory initialised in a temporary folder with
// trust authentication, listening only on a free loopback port and on a
// Unix socket inside that folder. PostgreSQL refuses to run as root, so when
// the tests run as root every command runs as the `postgres` user (runuser),
// and the folder is handed to that user. fsync is off: the servers are
// killed with the tests, and the machine itself does not crash under them.
//
// The binaries are Debian's postgresql-15 (/usr/lib/postgresql/15/bin),
// which .ci/run installs; without them New returns ErrNotInstalled and
// Init and Start skip the test, saying what to install.
package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// DefaultBin is where Debian installs the PostgreSQL 15 server binaries.
const DefaultBin = "/usr/lib/postgresql/15/bin"

// ErrNotInstalled means the PostgreSQL binaries (or, as root, the postgres
// user to run them as) are missing.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL 15 is not installed (apt-get install postgresql-15)")

// Options configure a Cluster. The zero value is usable.
type Options struct {
	// Bin holds initdb, pg_ctl and postgres (default DefaultBin).
	Bin string
	// User is the superuser initdb creates (default "postgres").
	User string
	// Flags are extra server options ("-c", "name=value", ...).
	Flags []string
}

// Cluster is an initialised, throwaway PostgreSQL data directory.
type Cluster struct {
	opts Options
	// Dir is the temporary folder: the data directory, the log and the
	// Unix socket live in it.
	Dir  string
	data string
	// Port is the loopback TCP port the server listens on.
	Port int
	// Credential runs a process as the postgres user when the tests run as
	// root, and is nil otherwise.
	Credential *syscall.Credential
	asUser     []string
	started    bool
}

// New initialises a data directory and picks a free port; it does not
// start the server (Start does, or run ServerCommand under a supervisor).
// Remove cleans up.
func New(opts Options) (*Cluster, error) {
	if opts.Bin == "" {
		opts.Bin = DefaultBin
	}
	if opts.User == "" {
		opts.User = "postgres"
	}
	for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(opts.Bin, b)); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
		}
	}
	dir, err := os.MkdirTemp("", "meridian-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts, Dir: dir, data: filepath.Join(dir, "data")}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%w: running as root and there is no postgres user to run it as", ErrNotInstalled)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c.asUser = []string{"runuser", "-u", "postgres", "--"}
		c.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := c.run(filepath.Join(opts.Bin, "initdb"), "-D", c.data, "-U", opts.User,
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if c.Port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// run runs a command as the postgres user when needed.
func (c *Cluster) run(args ...string) error {
	argv := append(append([]string(nil), c.asUser...), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return nil
}

// ServerFlags are the postgres options: the port, loopback only, the socket
// in Dir, no fsync, then Options.Flags.
func (c *Cluster) ServerFlags() []string {
	f := []string{"-p", strconv.Itoa(c.Port), "-k", c.Dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"}
	return append(f, c.opts.Flags...)
}

// ServerCommand runs the server in the foreground (for a supervisor that
// kills and pauses it); run it with Credential.
func (c *Cluster) ServerCommand() []string {
	return append([]string{filepath.Join(c.opts.Bin, "postgres"), "-D", c.data}, c.ServerFlags()...)
}

// Start starts the server with pg_ctl and waits until it accepts
// connections.
func (c *Cluster) Start() error {
	if err := c.run(filepath.Join(c.opts.Bin, "pg_ctl"), "-D", c.data, "-l", filepath.Join(c.Dir, "log"), "-w",
		"-o", strings.Join(c.ServerFlags(), " "), "start"); err != nil {
		return err
	}
	c.started = true
	return nil
}

// URL is the URL of database db as the superuser.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgresql://%s@127.0.0.1:%d/%s?sslmode=disable", c.opts.User, c.Port, db)
}

// Log is the server log written by Start.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
	return string(b)
}

// Remove stops a server Start started (immediately: it is throwaway) and
// deletes the folder.
func (c *Cluster) Remove() error {
	var err error
	if c.started {
		err = c.run(filepath.Join(c.opts.Bin, "pg_ctl"), "-D", c.data, "-m", "immediate", "-w", "stop")
		c.started = false
	}
	if rerr := os.RemoveAll(c.Dir); err == nil {
		err = rerr
	}
	return err
}

// Start initialises and starts a cluster for the test, removed when it
// ends; it skips the test when PostgreSQL is not installed.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	c := Init(t, opts)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}

// Init is New for a test: it skips the test when PostgreSQL is not
// installed and removes the cluster when the test ends.
func Init(t testing.TB, opts Options) *Cluster {
	t.Helper()
	c, err := New(opts)
	if errors.Is(err, ErrNotInstalled) {
		t.Skipf("%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Remove(); err != nil {
			t.Log(err)
		}
	})
	return c
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
