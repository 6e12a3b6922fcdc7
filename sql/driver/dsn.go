package driver

import (
	"fmt"
	"net/url"
	"path/filepath"
)

// dsn is a parsed data source name.
type dsn struct {
	// key names the shared stack: "dir:<path>" or "mem:<name>"; empty for a
	// private in-memory store.
	key      string
	dir      string
	inMemory bool
	user     string
	database string
}

const dsnForms = "want meridian:///absolute/path/to/dir, meridian://memory or meridian://memory?name=NAME"

// parseDSN reads a data source name (see the package doc).
func parseDSN(s string) (dsn, error) {
	u, err := url.Parse(s)
	if err != nil {
		return dsn{}, fmt.Errorf("meridian: bad data source name %q: %v; %s", s, err, dsnForms)
	}
	if u.Scheme != "meridian" {
		return dsn{}, fmt.Errorf("meridian: bad data source name %q: scheme is %q; %s", s, u.Scheme, dsnForms)
	}
	q := u.Query()
	d := dsn{user: q.Get("user"), database: q.Get("database")}
	if d.user == "" {
		d.user = "root"
	}
	if d.database == "" {
		d.database = "defaultdb"
	}
	for k := range q {
		switch k {
		case "user", "database", "name":
		default:
			return dsn{}, fmt.Errorf("meridian: bad data source name %q: unknown parameter %q (known: user, database, name)", s, k)
		}
	}
	switch {
	case u.Host == "memory" && (u.Path == "" || u.Path == "/"):
		d.inMemory = true
		if name := q.Get("name"); name != "" {
			d.key = "mem:" + name
		}
	case u.Host == "" && u.Path != "":
		if q.Has("name") {
			return dsn{}, fmt.Errorf("meridian: bad data source name %q: name is only for in-memory stores", s)
		}
		if !filepath.IsAbs(u.Path) {
			return dsn{}, fmt.Errorf("meridian: bad data source name %q: the store path must be absolute; %s", s, dsnForms)
		}
		d.dir = filepath.Clean(u.Path)
		d.key = "dir:" + d.dir
	default:
		return dsn{}, fmt.Errorf("meridian: bad data source name %q: %s", s, dsnForms)
	}
	return d, nil
}
