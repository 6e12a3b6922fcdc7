// Package difftest runs the same generated queries against PostgreSQL 15
// and Meridian over the same data and compares the results as text.
package difftest

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// queriesPerTemplate × len(templates) queries are generated.
const queriesPerTemplate = 20

// skipped lists, by template name, the deliberate differences from
// PostgreSQL: queries of these shapes are generated but not compared.
// Everything else that differs fails the test.
var skipped = map[string]string{
	"transcendental": "ln, exp, log10, cbrt and power of double precision use Go's math package, " +
		"which may differ from the C library PostgreSQL calls in the last digit",
}

// result is a statement's outcome in text form.
type result struct {
	cols []string
	rows []string // each row's values, tab-separated; NULL is \N
	code string   // SQLSTATE when the statement failed
	msg  string
}

func (r result) String() string {
	if r.code != "" {
		return "ERROR " + r.code + ": " + r.msg
	}
	return strings.Join(r.cols, "\t") + "\n" + strings.Join(r.rows, "\n")
}

func run(ctx context.Context, c *pgx.Conn, q string) result {
	rows, err := c.Query(ctx, q)
	if err != nil {
		return errResult(err)
	}
	defer rows.Close()
	var res result
	for _, fd := range rows.FieldDescriptions() {
		// The name and the type (OID) of each result column.
		res.cols = append(res.cols, fmt.Sprintf("%s:%d", fd.Name, fd.DataTypeOID))
	}
	for rows.Next() {
		raw := rows.RawValues()
		vals := make([]string, len(raw))
		for i, v := range raw {
			if v == nil {
				vals[i] = `\N`
			} else {
				vals[i] = string(v)
			}
		}
		res.rows = append(res.rows, strings.Join(vals, "\t"))
	}
	if err := rows.Err(); err != nil {
		return errResult(err)
	}
	return res
}

func errResult(err error) result {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return result{code: pe.Code, msg: pe.Message}
	}
	return result{code: "client", msg: err.Error()}
}

// same compares two results: errors by SQLSTATE only, rows as sequences
// when ordered and as multisets otherwise.
func same(a, b result, ordered bool) bool {
	if a.code != "" || b.code != "" {
		return a.code == b.code
	}
	if strings.Join(a.cols, "\t") != strings.Join(b.cols, "\t") || len(a.rows) != len(b.rows) {
		return false
	}
	ar, br := a.rows, b.rows
	if !ordered {
		ar, br = sorted(ar), sorted(br)
	}
	for i := range ar {
		if ar[i] != br[i] && !sameFloats(ar[i], br[i]) {
			return false
		}
	}
	return true
}

// sameFloats reports whether two rows differ only in fields that read
// back as the same float64: the one normalisation of float text, because
// Go's shortest formatting and PostgreSQL's (Ryu) may pick different
// digits for a value exactly between two shorter decimals, both of which
// read back exactly.
func sameFloats(a, b string) bool {
	af, bf := strings.Split(a, "\t"), strings.Split(b, "\t")
	if len(af) != len(bf) {
		return false
	}
	for i := range af {
		if af[i] == bf[i] {
			continue
		}
		x, err1 := strconv.ParseFloat(af[i], 64)
		y, err2 := strconv.ParseFloat(bf[i], 64)
		if err1 != nil || err2 != nil || x != y || !strings.ContainsAny(af[i]+bf[i], ".e") {
			return false
		}
	}
	return true
}

func sorted(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	return out
}

func seed() int64 {
	if s := os.Getenv("DIFFTEST_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return n
		}
	}
	return 20261124
}

func TestDifferential(t *testing.T) {
	pgURL := startPostgres(t)
	mURL := startMeridian(t)
	pg, m := connect(t, pgURL), connect(t, mURL)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()

	sd := seed()
	t.Logf("seed %d (set DIFFTEST_SEED to change)", sd)
	for _, q := range append(schema(), dataInserts(sd)...) {
		for name, c := range map[string]*pgx.Conn{"postgres": pg, "meridian": m} {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Fatalf("%s: loading %q: %v", name, q, err)
			}
		}
	}

	// The same queries again over the extended protocol (Parse, Bind,
	// Execute; binary results for the types pgx knows), compared as the Go
	// values pgx decodes.
	pgx2, mx := connectExtended(t, pgURL), connectExtended(t, mURL)
	g := &gen{r: rand.New(rand.NewSource(sd))}
	generated, compared, extended, failed := 0, 0, 0, 0
	skips := map[string]int{}
	for _, tpl := range templates {
		seen := map[string]bool{}
		for i := 0; i < queriesPerTemplate; i++ {
			q := tpl.gen(g)
			generated++
			if seen[q] {
				continue
			}
			seen[q] = true
			if reason, ok := skipped[tpl.name]; ok {
				skips[tpl.name+": "+reason]++
				continue
			}
			compared++
			want, got := run(ctx, pg, q), run(ctx, m, q)
			if m.IsClosed() {
				// Meridian closed the connection (a panic while serving it):
				// that is a difference; carry on with a new connection.
				m = connect(t, mURL)
			}
			if !same(want, got, tpl.ordered) {
				failed++
				if failed <= 40 {
					t.Errorf("[%s] %s\n--- postgres:\n%s\n--- meridian:\n%s", tpl.name, q, want, got)
				}
				continue
			}
			extended++
			want, got = runExtended(ctx, pgx2, q), runExtended(ctx, mx, q)
			if mx.IsClosed() {
				mx = connectExtended(t, mURL)
			}
			if !same(want, got, tpl.ordered) {
				failed++
				if failed <= 40 {
					t.Errorf("[%s, extended protocol] %s\n--- postgres:\n%s\n--- meridian:\n%s", tpl.name, q, want, got)
				}
			}
		}
	}
	t.Logf("generated %d queries from %d templates, compared %d (distinct) over the simple protocol and %d of them again over the extended protocol, %d differed",
		generated, len(templates), compared, extended, failed)
	var names []string
	for k := range skips {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("skipped %d: %s", skips[k], k)
	}
	if failed > 40 {
		t.Errorf("%d more differences not shown", failed-40)
	}
}

// connectExtended opens a connection that uses pgx's default extended
// protocol (prepared statements, binary results where pgx knows the type).
func connectExtended(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// runExtended runs q over the extended protocol and renders the decoded
// values with %v.
func runExtended(ctx context.Context, c *pgx.Conn, q string, args ...any) result {
	rows, err := c.Query(ctx, q, args...)
	if err != nil {
		return errResult(err)
	}
	defer rows.Close()
	var res result
	for _, fd := range rows.FieldDescriptions() {
		res.cols = append(res.cols, fmt.Sprintf("%s:%d", fd.Name, fd.DataTypeOID))
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return errResult(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				parts[i] = `\N`
			case time.Time:
				parts[i] = v.UTC().Format(time.RFC3339Nano)
			default:
				parts[i] = fmt.Sprintf("%v", v)
			}
		}
		res.rows = append(res.rows, strings.Join(parts, "\t"))
	}
	if err := rows.Err(); err != nil {
		return errResult(err)
	}
	return res
}
