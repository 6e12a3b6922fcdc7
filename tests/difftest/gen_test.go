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
			"greatest(a, 2, " + g.num() + ")", "least(a, f)", "sqrt(abs(f))", "round(f, 1)", "ceiling(f)",
			"round(a / 3.0, 2)", "mod(a, 2.5)", "trunc(f)"}
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
	{"agg_avg_int", false, func(g *gen) string {
		return "SELECT " + g.pick("flag", "a % 3", "s IS NULL") + ", avg(a), sum(b), avg(b), sum(a) FROM t1 GROUP BY 1"
	}},
	{"numeric_arith", true, func(g *gen) string {
		fns := []string{"amt + rate", "amt * rate", "amt / " + g.pick("3", "7", "0.7", "rate"), "amt - qty", "rate * 2.5",
			"round(amt, 1)", "round(rate)", "trunc(rate, 2)", "floor(amt)", "ceil(rate)", "abs(amt)", "amt % 7",
			"amt::int", "rate::float8", "qty::numeric / 1000", "-amt", "amt > rate", "amt = 0"}
		g.r.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
		return "SELECT id, " + strings.Join(fns[:4], ", ") + " FROM t4 WHERE rate <> 0 OR rate IS NULL ORDER BY id"
	}},
	{"numeric_agg", false, func(g *gen) string {
		return "SELECT sum(amt), avg(amt), min(rate), max(rate), sum(qty), avg(qty), count(DISTINCT amt) FROM t4 WHERE " +
			g.pick("amt > 0", "rate < 3.5", "qty > 0", "true", "amt BETWEEN -100 AND 700.5")
	}},
	{"numeric_order", true, func(g *gen) string {
		return "SELECT id, amt, rate FROM t4 ORDER BY " + g.pick("amt", "rate DESC", "amt * rate", "rate NULLS FIRST") + ", id LIMIT " + fmt.Sprint(5+g.r.Intn(20))
	}},
	{"group_expr", false, func(g *gen) string {
		e := g.pick("a % 3", "a / 4", "lower(s)", "length(s)", "f > 0", "a + 1", "coalesce(a, -1)")
		return "SELECT " + e + ", count(*), max(id) FROM t1 GROUP BY " + e + g.pick("", " HAVING count(*) > 1", " HAVING max(id) < 30")
	}},
	{"union", false, func(g *gen) string {
		op := g.pick("UNION", "UNION ALL", "INTERSECT", "EXCEPT", "INTERSECT ALL", "EXCEPT ALL")
		return g.pick("SELECT a FROM t1 WHERE id < 25", "SELECT qty FROM t2", "SELECT v FROM t3") + " " + op + " " +
			g.pick("SELECT a FROM t1 WHERE id > 15", "SELECT qty FROM t2 WHERE price > 200", "SELECT v FROM t3", "SELECT 3")
	}},
	{"union_order", true, func(g *gen) string {
		return "SELECT id, s FROM t1 WHERE a > 2 UNION SELECT id, note FROM t2 WHERE qty < 3 ORDER BY 1, 2 LIMIT " + fmt.Sprint(5+g.r.Intn(30))
	}},
	{"derived", false, func(g *gen) string {
		return g.pick(
			"SELECT x.k, x.n FROM (SELECT t1_id AS k, count(*) AS n FROM t2 GROUP BY t1_id) AS x WHERE x.n > "+fmt.Sprint(g.r.Intn(4)),
			"SELECT t1.id, d.total FROM t1 JOIN (SELECT t1_id, sum(qty) AS total FROM t2 GROUP BY t1_id) d ON d.t1_id = t1.id WHERE d.total > "+fmt.Sprint(g.r.Intn(30)),
			"SELECT count(*), max(u.a) FROM (SELECT a FROM t1 UNION ALL SELECT v FROM t3) AS u",
			"SELECT s, c FROM (SELECT s, count(*) AS c FROM t1 GROUP BY s) AS q WHERE c >= "+fmt.Sprint(1+g.r.Intn(3)))
	}},
	{"correlated", true, func(g *gen) string {
		return g.pick(
			"SELECT id, (SELECT count(*) FROM t2 WHERE t2.t1_id = t1.id) FROM t1 ORDER BY id",
			"SELECT id, (SELECT max(price) FROM t2 WHERE t2.t1_id = t1.id AND t2.qty > t1.a) FROM t1 ORDER BY id",
			"SELECT id FROM t1 WHERE "+g.pick("", "NOT ")+"EXISTS (SELECT 1 FROM t2 WHERE t2.t1_id = t1.id AND t2.qty > "+fmt.Sprint(g.r.Intn(12))+") ORDER BY id",
			"SELECT id FROM t1 WHERE a "+g.pick("IN", "NOT IN")+" (SELECT qty FROM t2 WHERE t2.t1_id = t1.id) ORDER BY id",
			"SELECT t2.id FROM t2 WHERE t2.price > (SELECT avg(price) FROM t2 AS x WHERE x.t1_id = t2.t1_id) ORDER BY t2.id")
	}},
	{"join_hash_multi", true, func(g *gen) string {
		return "SELECT t1.id, t2.id, t3.k FROM t1 JOIN t2 ON t2.t1_id = t1.id " + g.pick("JOIN", "LEFT JOIN") +
			" t3 ON t3.v = t2.qty WHERE t1.id < " + fmt.Sprint(10+g.r.Intn(30)) + " ORDER BY t1.id, t2.id, t3.k"
	}},
	{"cast_text", true, func(g *gen) string {
		fns := []string{"a::text", "f::text", "flag::text", "ts::text", "a::float8", "f::int", "(a / 2)::numeric",
			"CAST(f AS INTEGER)", "s::varchar(3)", "'x' || a::text", "length(a::text)", "b::text"}
		g.r.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
		return "SELECT id, " + strings.Join(fns[:4], ", ") + " FROM t1 ORDER BY id"
	}},
	{"more_funcs", true, func(g *gen) string {
		fns := []string{"position('an' in s)", "split_part(s, ' ', 2)", "repeat(s, 2)", "concat(s, '-', a)", "concat(a, NULL, 'x')",
			"power(a, 2)", "power(f, 0.5)", "s ILIKE '%A%'", "s NOT ILIKE 'a%'", "initcap(s)", "reverse(s)", "lpad(s, 8, '*')", "rpad(s, 8)",
			"date_trunc('month', ts)", "extract(year from ts)", "extract(hour from ts)", "date_trunc('hour', ts)", "a IS DISTINCT FROM 3",
			"s IS NOT DISTINCT FROM 'fig'", "substring(s from 2 for 3)", "trim(both 'a' from s)", "trim(leading ' ' from s)", "sign(a)", "exp(0)", "pi()"}
		g.r.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
		return "SELECT id, " + strings.Join(fns[:3], ", ") + " FROM t1 ORDER BY id"
	}},
	{"transcendental", true, func(g *gen) string {
		return "SELECT id, " + g.pick("ln(abs(f) + 1)", "exp(f / 10)", "log10(abs(f) + 1)", "cbrt(f)", "power(f, 1.5)") + " FROM t1 ORDER BY id"
	}},
	{"with", false, func(g *gen) string {
		return g.pick(
			"WITH c AS (SELECT t1_id, sum(qty) AS q FROM t2 GROUP BY t1_id) SELECT t1.id, c.q FROM t1 JOIN c ON c.t1_id = t1.id WHERE c.q > "+fmt.Sprint(g.r.Intn(20)),
			"WITH x(k, n) AS (SELECT s, count(*) FROM t1 GROUP BY s), y AS (SELECT k FROM x WHERE n > 1) SELECT count(*) FROM y",
			"WITH u AS (SELECT a AS v FROM t1 UNION SELECT qty FROM t2) SELECT v, v IS DISTINCT FROM "+fmt.Sprint(g.r.Intn(5))+" FROM u")
	}},
	{"spacing", false, func(g *gen) string {
		return "SELECT COUNT ( * ), SUM (a), MAX ( f ), min (s), AVG (b) FROM t1 WHERE a IS NOT DISTINCT FROM " + g.pick("NULL", "3", "a")
	}},
	{"dates", true, func(g *gen) string {
		fns := []string{"ts::date", "ts::date - date '2024-01-01'", "ts::date + " + fmt.Sprint(g.r.Intn(40)), "date_trunc('" + g.pick("day", "month", "hour", "year", "week", "quarter") + "', ts)",
			"extract(" + g.pick("month", "day", "hour", "minute", "second", "quarter", "week", "year") + " from ts)", "ts::timestamptz", "ts::date < date '2024-06-15'",
			"ts > timestamptz '2024-06-01 00:00:00+02'", "(ts::date - 10)::text"}
		g.r.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
		return "SELECT id, " + strings.Join(fns[:3], ", ") + " FROM t1 ORDER BY id"
	}},
	{"literals_casts", false, func(g *gen) string {
		return "SELECT " + g.pick("'1' + 1", "'2.5'::numeric * 2", "'10' > '9'", "10 > 9.5", "1 = 1.0", "'abc' < 'abd'",
			"CAST('42' AS INTEGER) + 1", "'7'::int / 2", "7 / 2.0", "-7 / 2", "-7 % 3", "2147483647 + 1", "1 / 0", "1.0 / 0",
			"'x'::int", "CAST(3.7 AS INTEGER)", "CAST(-3.5 AS INTEGER)", "3.5::float8::int", "2.5::float8::int", "'1e3'::float8",
			"0.1::float8 + 0.2::float8", "1e300::float8 * 1e300::float8", "'NaN'::float8 > 1", "9223372036854775807 + 1",
			"length('héllo')", "upper('straße')", "'a' || 1 || true", "NULL::int + 1", "(NULL = NULL) IS NULL",
			"CASE WHEN NULL THEN 1 ELSE 2 END", "coalesce(NULL, NULL, 3)", "nullif(1, 1) IS NULL", "greatest(1, NULL, 3)",
			"1 IN (1, NULL)", "2 IN (1, NULL)", "2 NOT IN (1, NULL)", "'abc' LIKE 'a%'", "'ABC' ILIKE 'a_c'", "'a%' LIKE 'a\\%'",
			"3 BETWEEN 5 AND 1", "round(-2.5)", "round(2.5::float8)", "abs(-9223372036854775807)", "mod(-7, 3)", "-2147483648::int")
	}},
	{"json", true, func(g *gen) string {
		doc := `('{"k": "' || k || '", "v": ' || coalesce(v::text, 'null') || ', "w": [' || coalesce(w::text, '0') || ', 2.50, {"z": true}]}')::` + g.pick("json", "jsonb")
		fns := []string{doc, doc + " -> 'v'", doc + " ->> 'k'", doc + " -> 'w' -> 2", doc + " -> 'w' ->> -1", doc + " ->> 'missing'",
			doc + " -> 'w' -> 1", "(" + doc + ")::text", doc + " ->> 'v' IS NULL"}
		g.r.Shuffle(len(fns), func(i, j int) { fns[i], fns[j] = fns[j], fns[i] })
		return "SELECT k, " + strings.Join(fns[:3], ", ") + " FROM t3 ORDER BY k"
	}},
	{"dollar_quoting", false, func(g *gen) string {
		return "SELECT " + g.pick("$$a'b$$", "$q$x$$y$q$", "length($$$$)", "$$A$$ || s", "upper($t$abc$t$)") + " FROM t1 WHERE id < 4"
	}},
	{"join_right", true, func(g *gen) string {
		return "SELECT t1.id, t2.id, t1.s FROM t1 RIGHT JOIN t2 ON t1.id = t2.t1_id AND t1.a " + g.pick("<", ">") + " " +
			fmt.Sprint(g.r.Intn(12)) + " WHERE t2.id < " + fmt.Sprint(20+g.r.Intn(80)) + " ORDER BY t2.id, t1.id"
	}},
	{"expr_tree", true, func(g *gen) string {
		return "SELECT id, " + g.expr(3) + ", " + g.expr(2) + " FROM t1 WHERE " + g.t1pred(1) + " ORDER BY id"
	}},
	{"expr_tree_numeric", true, func(g *gen) string {
		return "SELECT id, " + g.nexpr(3) + ", " + g.nexpr(2) + " FROM t4 ORDER BY id"
	}},
	{"agg_tree", false, func(g *gen) string {
		grp := g.pick("flag", "a % 4", "s IS NULL", "length(s)")
		return "SELECT " + grp + ", " + g.pick("sum", "min", "max", "avg", "count") + "(" + g.exactExpr(2) + "), " +
			g.pick("sum", "min", "max", "avg", "count") + "(DISTINCT " + g.exactExpr(1) + ") FROM t1 WHERE " + g.t1pred(1) +
			" GROUP BY " + grp + g.pick("", " HAVING count(*) > 1", " HAVING sum(id) > 100")
	}},
	{"join_using", true, func(g *gen) string {
		return g.pick(
			"SELECT * FROM t2 JOIN (SELECT id AS t1_id, a, s FROM t1) AS x USING (t1_id) ORDER BY id",
			"SELECT t1_id, count(*) FROM t2 "+g.pick("LEFT", "RIGHT", "")+" JOIN (SELECT id AS t1_id FROM t1 WHERE a > 2) AS x USING (t1_id) GROUP BY t1_id ORDER BY t1_id",
			"SELECT * FROM t1 NATURAL JOIN (SELECT id, a FROM t1 WHERE f > 0) AS y ORDER BY id")
	}},
	{"window", true, func(g *gen) string {
		part := g.pick("", "PARTITION BY flag ", "PARTITION BY a % 3 ", "PARTITION BY s IS NULL ")
		ord := g.pick("", "ORDER BY a", "ORDER BY a DESC NULLS LAST, id", "ORDER BY f, id", "ORDER BY id")
		fn := g.pick("row_number()", "rank()", "dense_rank()", "sum(a)", "count(*)", "count(f)", "avg(a)", "min(f)", "max(s)",
			"lag(a)", "lead(f, 2, 0)", "first_value(s)", "last_value(id)", "percent_rank()", "cume_dist()", "sum(b)", "avg(f)")
		switch fn {
		case "row_number()", "lag(a)", "lead(f, 2, 0)", "first_value(s)", "last_value(id)":
			// These depend on the order among peers: make it total.
			if ord == "" {
				ord = "ORDER BY id"
			} else if !strings.HasSuffix(ord, "id") {
				ord += ", id"
			}
		}
		return "SELECT id, a, " + fn + " OVER (" + part + ord + ") FROM t1 ORDER BY id"
	}},
	{"window_grouped", false, func(g *gen) string {
		return "SELECT flag, count(*), sum(a), rank() OVER (ORDER BY count(*) DESC, flag), sum(sum(a)) OVER () FROM t1 GROUP BY flag"
	}},
}

// exactExpr is a random expression over t1's columns whose value is
// exact in floating point (sums of it do not depend on the order).
func (g *gen) exactExpr(depth int) string {
	if depth == 0 || g.r.Intn(3) == 0 {
		return g.pick("a", "f", "id", "b % 1000", fmt.Sprint(g.r.Intn(7)+1), "0.5")
	}
	return "(" + g.exactExpr(depth-1) + " " + g.pick("+", "-", "*") + " " + g.exactExpr(depth-1) + ")"
}

// expr is a random numeric expression over t1's columns.
func (g *gen) expr(depth int) string {
	if depth == 0 || g.r.Intn(4) == 0 {
		return g.pick("a", "b", "f", "id", g.num(), fmt.Sprint(g.r.Intn(7)+1), "2.5", "(-3)")
	}
	switch g.r.Intn(8) {
	case 0:
		return "abs(" + g.expr(depth-1) + ")"
	case 1:
		return "coalesce(" + g.expr(depth-1) + ", " + g.expr(depth-1) + ")"
	case 2:
		return "CASE WHEN " + g.t1pred(0) + " THEN " + g.expr(depth-1) + " ELSE " + g.expr(depth-1) + " END"
	case 3:
		return "(" + g.expr(depth-1) + ")::" + g.pick("int", "bigint", "float8", "numeric", "text")
	}
	return "(" + g.expr(depth-1) + " " + g.pick("+", "-", "*", "/", "%") + " " + g.expr(depth-1) + ")"
}

// nexpr is a random expression over t4's numeric columns.
func (g *gen) nexpr(depth int) string {
	if depth == 0 || g.r.Intn(4) == 0 {
		return g.pick("amt", "rate", "qty", "id", "1.25", "3", "0.001", "(-7)")
	}
	switch g.r.Intn(6) {
	case 0:
		return g.pick("round", "trunc", "abs", "floor", "ceil") + "(" + g.nexpr(depth-1) + ")"
	case 1:
		return "round(" + g.nexpr(depth-1) + ", " + fmt.Sprint(g.r.Intn(5)-1) + ")"
	}
	return "(" + g.nexpr(depth-1) + " " + g.pick("+", "-", "*", "/", "%") + " " + g.nexpr(depth-1) + ")"
}
