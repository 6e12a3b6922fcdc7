package driver

import (
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		in, key, dir string
		mem          bool
		db           string
	}{
		{in: "meridian:///var/lib/m", key: "dir:/var/lib/m", dir: "/var/lib/m", db: "defaultdb"},
		{in: "meridian:///var/lib/m/../m/?database=app", key: "dir:/var/lib/m", dir: "/var/lib/m", db: "app"},
		{in: "meridian://memory", mem: true, db: "defaultdb"},
		{in: "meridian://memory?name=x", key: "mem:x", mem: true, db: "defaultdb"},
	} {
		d, err := parseDSN(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if d.key != tc.key || d.dir != tc.dir || d.inMemory != tc.mem || d.database != tc.db || d.user != "root" {
			t.Errorf("%s: got %+v", tc.in, d)
		}
	}
	for _, in := range []string{"", "/var/lib/m", "postgres://x", "meridian://relative/dir", "meridian://memory?nme=x",
		"meridian:///d?name=x", "meridian://memory/sub"} {
		if _, err := parseDSN(in); err == nil || !strings.Contains(err.Error(), "meridian: bad data source name") {
			t.Errorf("%q: got %v, want a clear error", in, err)
		}
	}
}
