package sql

import (
	"fmt"
	"strings"
	"testing"
)

// TestRowIDsOfOneStatement: the hidden rowids one INSERT ... SELECT gives
// are consecutive (insertRow), not drawn at random per row, whose 22 random
// bits per millisecond a statement of millions of rows would exhaust.
func TestRowIDsOfOneStatement(t *testing.T) {
	s := storeSessions(t)()
	mustExec(t, s, "CREATE TABLE n (i INT PRIMARY KEY)")
	vals := make([]string, 100)
	for i := range vals {
		vals[i] = fmt.Sprintf("(%d)", i)
	}
	mustExec(t, s, "INSERT INTO n VALUES "+strings.Join(vals, ", "))
	mustExec(t, s, "CREATE TABLE t (v INT)")
	mustExec(t, s, "INSERT INTO t SELECT a.i * 100 + b.i FROM n a, n b")
	w := mustExec(t, s, "SELECT count(*), count(DISTINCT rowid), max(rowid) - min(rowid) FROM t")
	if len(w.got) != 1 {
		t.Fatalf("got %v", w.got)
	}
	got := fmt.Sprint(w.got[0][0], " ", w.got[0][1], " ", w.got[0][2])
	if got != "10000 10000 9999" {
		t.Fatalf("count, distinct rowids, rowid span = %s, want 10000 10000 9999", got)
	}
}
