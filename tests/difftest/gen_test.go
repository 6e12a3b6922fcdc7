package difftest

import (
	"fmt"
	"math/rand"
	"strings"
)

// A template generates queries of one shape. ordered says the query's
// ORDER BY determines the order of every row (it ends with a key), so the
// results are compared as sequences; otherwise as multisets.
type template struct {
	name    string
	ordered bool
	gen     func(g *gen) string
}

type gen struct{ r *rand.Rand }

func (g *gen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }
func (g *gen) intn(n int) int           { return g.r.Intn(n) }
func (g *gen) num() string {
	switch g.r.Intn(4) {
	case 0:
		return fmt.Sprint(g.r.Intn(21) - 5)
	case 1:
		return fmt.Sprintf("%d.5", g.r.Intn(10)-3)
	case 2:
		return fmt.Sprint(float64(g.r.Intn(40)) / 4)
	}
	return fmt.Sprint(g.r.Intn(8))
}

// t1pred is a boolean condition over t1's columns (unqualified).
func (g *gen) t1pred(depth int) string {
	if depth > 0 && g.r.Intn(3) == 0 {
		op := g.pick("AND", "OR")
		return "(" + g.t1pred(depth-1) + " " + op + " " + g.t1pred(depth-1) + ")"
	}
	cmp := g.pick("=", "<>", "<", "<=", ">", ">=")
	switch g.r.Intn(14) {
	case 0:
		return "a " + cmp + " " + g.num()
	case 1:
		return "f " + cmp + " " + g.num()
	case 2:
		return "a " + cmp + " f"
	case 3:
		return g.pick("a", "f", "s", "flag", "ts") + g.pick(" IS NULL", " IS NOT NULL")
	case 4:
		return "NOT (" + g.t1pred(0) + ")"
	case 5:
		return "s " + cmp + " '" + g.pick(words...) + "'"
	case 6:
		return "flag" + g.pick("", " = true", " IS NOT TRUE", " IS FALSE", " IS NOT FALSE")
	case 7:
		return fmt.Sprintf("a BETWEEN %d AND %d", g.r.Intn(10)-5, g.r.Intn(10))
	case 8:
		return fmt.Sprintf("a %sIN (%d, %d, %s)", g.pick("", "NOT "), g.r.Intn(10)-5, g.r.Intn(10), g.pick("NULL", "3", "7"))
	case 9:
		return "s " + g.pick("LIKE", "NOT LIKE", "ILIKE") + " '" + g.pick("a%", "%e%", "_a%", "%an%", "A%", "%", "a\\_b%") + "'"
	case 10:
		return "ts " + cmp + " '2024-" + fmt.Sprintf("%02d", 1+g.r.Intn(12)) + "-15 12:00:00'"
	case 11:
		return "a " + cmp + " b / " + fmt.Sprint(1+g.r.Intn(7))
	case 12:
		return "a % 3 " + cmp + " " + fmt.Sprint(g.r.Intn(3))
	}
	return "id " + cmp + " " + fmt.Sprint(g.r.Intn(45))
}

var templates = []template{
	{"filter", true, func(g *gen) string {
		return "SELECT id, a, f, s FROM t1 WHERE " + g.t1pred(2) + " ORDER BY id"
	}},
	{"arith_int", true, func(g *gen) string {
		return fmt.Sprintf("SELECT id, a + %d, a - b, a * %d, a / %d, a %% %d, -a, b / %d FROM t1 ORDER BY id",
			g.r.Intn(9)-4, g.r.Intn(9)-4, 1+g.r.Intn(5), 1+g.r.Intn(5), 1+g.r.Intn(1000))
	}},
	{"arith_mixed", true, func(g *gen) string {
		return fmt.Sprintf("SELECT id, a + f, f * %s, f / %d, a / %s, a * 0.5 FROM t1 ORDER BY id",
			g.num(), 1+g.r.Intn(4), g.pick("2.0", "4.0", "0.5"))
	}},
	{"string_funcs", true, func(g *gen) string {
		fns := []string{"length(s)", "lower(s)", "upper(s)", "substr(s, 2, 3)", "substring(s, 2)",
			"trim(s)", "ltrim(s)", "rtrim(s)", "replace(s, 'a', 'XY')", "left(s, 2)", "right(s, 3)",
			"s || '!'", "s || a", "strpos(s, 'an')", "btrim(s, 'ae')", "char_length(s)", "left(s, -1)"}
		g.r.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
		return "SELECT id, " + strings.Join(fns[:4], ", ") + " FROM t1 ORDER BY id"
	}},
	{"math_funcs", true, func(g *gen) string {
		fns := []string{"abs(a)", "abs(f)", "round(f)", "ceil(f)", "floor(f)", "mod(a, 3)",
			"greatest(a, 2, " + g.num() + ")", "least(a, f)", "sqrt(abs(f))", "round(f, 1)", "ceiling(f)"}
		g.r.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
		return "SELECT id, " + strings.Join(fns[:4], ", ") + " FROM t1 ORDER BY id"
	}},
	{"null_funcs", true, func(g *gen) string {
		fns := []string{"coalesce(a, " + g.num() + ")", "coalesce(s, 'none')", "nullif(a, 3)",
			"CASE WHEN a > 3 THEN 'big' WHEN a < 0 THEN 'neg' ELSE 'small' END",
			"CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END", "coalesce(a, b, 0)",
			"a IS NULL", "flag IS NOT TRUE", "a = NULL", "NOT flag"}
		g.r.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
		return "SELECT id, " + strings.Join(fns[:4], ", ") + " FROM t1 ORDER BY id"
	}},
	{"agg_global", false, func(g *gen) string {
		aggs := []string{"count(*)", "count(a)", "count(DISTINCT a)", "sum(a)", "sum(f)", "min(a)", "max(f)",
			"min(s)", "max(s)", "max(ts)", "sum(DISTINCT a)", "count(s)", "min(flag::int)"}
		g.r.Shuffle(len(aggs), func(i, j int) { aggs[i], aggs[j] = aggs[j], aggs[i] })
		return "SELECT " + strings.Join(aggs[:4], ", ") + " FROM t1 WHERE " + g.t1pred(1)
	}},
	{"agg_avg_float", false, func(g *gen) string {
		return "SELECT avg(f), count(f) FROM t1 WHERE " + g.t1pred(1)
	}},
	{"agg_group", false, func(g *gen) string {
		col := g.pick("flag", "a", "s")
		q := "SELECT " + col + ", count(*), sum(f), min(id), max(b) FROM t1 GROUP BY " + col
		if g.r.Intn(2) == 0 {
			q += " HAVING count(*) > " + fmt.Sprint(g.r.Intn(3))
		}
		return q
	}},
	{"agg_group_join", false, func(g *gen) string {
		return "SELECT t1.id, count(t2.id), sum(t2.qty), max(t2.price) FROM t1 LEFT JOIN t2 ON t2.t1_id = t1.id GROUP BY t1.id" +
			g.pick("", " HAVING count(t2.id) > 1", " HAVING sum(t2.qty) IS NULL")
	}},
	{"distinct", false, func(g *gen) string {
		return g.pick("SELECT DISTINCT a FROM t1", "SELECT DISTINCT flag FROM t1", "SELECT DISTINCT s FROM t1",
			"SELECT DISTINCT a, flag FROM t1", "SELECT DISTINCT qty FROM t2", "SELECT DISTINCT t1_id, qty FROM t2 WHERE price > 100")
	}},
	{"order_limit", true, func(g *gen) string {
		col := g.pick("a", "f", "s", "ts", "flag")
		dir := g.pick("", " DESC", " ASC NULLS FIRST", " DESC NULLS LAST")
		return fmt.Sprintf("SELECT id, %s FROM t1 ORDER BY %s%s, id LIMIT %d OFFSET %d", col, col, dir, 1+g.r.Intn(20), g.r.Intn(10))
	}},
	{"join_inner", true, func(g *gen) string {
		return "SELECT t1.id, t2.id, t1.a, t2.qty, t2.price FROM t1 JOIN t2 ON t1.id = t2.t1_id WHERE " +
			g.pick("t2.qty > t1.a", "t1.flag", "t2.price < 100", "t1.a IS NOT NULL", "t2.note = t1.s", "true") + " ORDER BY t1.id, t2.id"
	}},
	{"join_left", true, func(g *gen) string {
		return "SELECT t1.id, t2.id, t2.note FROM t1 LEFT JOIN t2 ON t1.id = t2.t1_id AND t2.qty " + g.pick("<", ">") + " " +
			fmt.Sprint(g.r.Intn(12)) + " ORDER BY t1.id, t2.id NULLS FIRST"
	}},
	{"join_cross", false, func(g *gen) string {
		return "SELECT t1.id, t3.k FROM t1, t3 WHERE t1.a = t3.v AND " + g.pick("t1.f > t3.w", "t3.w IS NULL", "true", "t1.id < 10")
	}},
	{"subq_in", true, func(g *gen) string {
		return "SELECT id, a FROM t1 WHERE a " + g.pick("IN", "NOT IN") + " (SELECT qty FROM t2 WHERE " +
			g.pick("price > 300", "note IS NULL", "id < 20", "qty IS NOT NULL AND id < 50") + ") ORDER BY id"
	}},
	{"subq_exists", true, func(g *gen) string {
		return "SELECT id FROM t1 WHERE " + g.pick("", "NOT ") + "EXISTS (SELECT 1 FROM t3 WHERE v > " + fmt.Sprint(g.r.Intn(15)) + ") AND " + g.t1pred(0) + " ORDER BY id"
	}},
	{"subq_scalar", true, func(g *gen) string {
		return "SELECT id, a, (SELECT max(qty) FROM t2) - a FROM t1 WHERE f > (SELECT avg(w) FROM t3) ORDER BY id"
	}},
}
