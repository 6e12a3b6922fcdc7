package pgtest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartServesSQL(t *testing.T) {
	c := Start(t, Options{User: "root"})
	conn, err := pgx.Connect(context.Background(), c.URL("postgres"))
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, c.Log())
	}
	defer conn.Close(context.Background())
	var v string
	if err := conn.QueryRow(context.Background(), "SHOW server_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "15.") {
		t.Errorf("server_version %q, want PostgreSQL 15", v)
	}
	var user string
	if err := conn.QueryRow(context.Background(), "SELECT current_user").Scan(&user); err != nil || user != "root" {
		t.Errorf("current_user = %q, %v; want root", user, err)
	}
}

func TestNewWithoutBinaries(t *testing.T) {
	if _, err := New(Options{Bin: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("New with no binaries: %v, want ErrNotInstalled", err)
	}
}
