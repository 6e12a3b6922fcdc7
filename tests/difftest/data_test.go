package difftest

import (
	"fmt"
	"math/rand"
	"strings"
)

// The data set: three small tables with every kind the generator uses and
// NULLs in every nullable column. Floats are multiples of 0.25 of modest
// size, so sums are exact whatever order they are added in.
func schema() []string {
	return []string{
		`CREATE TABLE t1 (id INT PRIMARY KEY, a INT, b BIGINT, f DOUBLE PRECISION, s TEXT, flag BOOLEAN, ts TIMESTAMP)`,
		`CREATE TABLE t2 (id INT PRIMARY KEY, t1_id INT, qty INT, price DOUBLE PRECISION, note TEXT)`,
		`CREATE TABLE t3 (k TEXT PRIMARY KEY, v INT, w DOUBLE PRECISION)`,
		`CREATE TABLE t4 (id INT PRIMARY KEY, amt NUMERIC(10,2), rate NUMERIC, qty BIGINT)`,
	}
}

var words = []string{"apple", "Banana", "cherry", "date", "Elder berry", "fig", "grape", "  kiwi ", "lemon", "mango", "", "a_b%c", "zeta", "apple pie"}

func dataInserts(seed int64) []string {
	r := rand.New(rand.NewSource(seed))
	maybe := func(p float64, s string) string {
		if r.Float64() < p {
			return "NULL"
		}
		return s
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	var stmts []string
	var rows []string
	for id := 1; id <= 40; id++ {
		rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s, %s, %s, %s)", id,
			maybe(0.15, fmt.Sprint(r.Intn(21)-5)),
			maybe(0.15, fmt.Sprint(r.Int63n(1<<40)-1<<39)),
			maybe(0.15, fmt.Sprint(float64(r.Intn(400)-100)/4)),
			maybe(0.15, quote(words[r.Intn(len(words))])),
			maybe(0.15, fmt.Sprint(r.Intn(2) == 0)),
			maybe(0.15, quote(fmt.Sprintf("2024-%02d-%02d %02d:%02d:%02d", 1+r.Intn(12), 1+r.Intn(28), r.Intn(24), r.Intn(60), r.Intn(60)))),
		))
	}
	stmts = append(stmts, "INSERT INTO t1 VALUES "+strings.Join(rows, ", "))
	rows = nil
	for id := 1; id <= 100; id++ {
		rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s, %s)", id,
			maybe(0.1, fmt.Sprint(1+r.Intn(45))),
			maybe(0.1, fmt.Sprint(r.Intn(12))),
			maybe(0.1, fmt.Sprint(float64(r.Intn(2000))/4)),
			maybe(0.2, quote(words[r.Intn(len(words))])),
		))
	}
	stmts = append(stmts, "INSERT INTO t2 VALUES "+strings.Join(rows, ", "))
	rows = nil
	for i, w := range words {
		rows = append(rows, fmt.Sprintf("(%s, %s, %s)", quote(fmt.Sprintf("%s-%d", w, i)),
			maybe(0.2, fmt.Sprint(r.Intn(15)-3)),
			maybe(0.2, fmt.Sprint(float64(r.Intn(80))/4))))
	}
	stmts = append(stmts, "INSERT INTO t3 VALUES "+strings.Join(rows, ", "))
	rows = nil
	for id := 1; id <= 30; id++ {
		rows = append(rows, fmt.Sprintf("(%d, %s, %s, %s)", id,
			maybe(0.15, fmt.Sprintf("%d.%02d", r.Intn(2000)-500, r.Intn(100))),
			maybe(0.15, fmt.Sprintf("%d.%0*d", r.Intn(20)-5, 1+r.Intn(5), r.Intn(1000))),
			maybe(0.15, fmt.Sprint(r.Int63n(1<<45)-1<<44))))
	}
	stmts = append(stmts, "INSERT INTO t4 VALUES "+strings.Join(rows, ", "))
	return stmts
}
