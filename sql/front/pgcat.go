package front

import (
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// The spellings of psql's describe queries (\dt, \d, \di, \l, \dn):
//
//   - x ~ 'pattern' and x !~ 'pattern' (also OPERATOR(pg_catalog.~)) become
//     meridian_regex(x, 'pattern') and NOT meridian_regex(...); the right
//     operand is one literal or parameter, optionally followed by
//     COLLATE pg_catalog.default (dropped).
//   - pg_catalog.f(...) becomes f(...).
//   - x::regclass, x::regtype and x::regnamespace become
//     meridian_regclass(x), meridian_regtype(x), meridian_regnamespace(x):
//     a name gives the OID, an OID gives the name (as text).
//   - COLLATE pg_catalog.default / "default" / "C" is dropped (every
//     string compares bytewise); other collations are refused.
//
// A handful of psql queries that need arrays, LATERAL or catalogs Meridian
// has no counterpart for (row security policies, extended statistics,
// publications, inheritance) are recognised by their text and answered
// with no rows (EmptyProbe), which is the truth for Meridian.

// RegexFunc is what x ~ 'pattern' becomes: meridian_regex(x, 'pattern').
const RegexFunc = "meridian_regex"

// RegFuncPrefix prefixes the reg* casts: meridian_regclass(x).
const RegFuncPrefix = "meridian_"

// RegclassOIDFunc is what x::regclass becomes as an operand of a
// comparison: the relation's OID, whatever the other operand. Elsewhere
// meridian_regclass(x) is the OID where an integer is wanted
// (x::regclass::oid, a function taking an OID) and the relation's name
// otherwise (x::regclass::text, a select list, nextval's argument), which
// is how a regclass value reads in PostgreSQL.
const RegclassOIDFunc = "meridian_regclass_oid"

// comparedAt reports whether the cast whose type ends before toks[j], on
// the operand just emitted, is an operand of a comparison.
func (t *translator) comparedAt(j int, toks []token) bool {
	isCmp := func(tok token) bool {
		if tok.kind != tokOp {
			return false
		}
		switch tok.text {
		case "=", "<>", "!=", "<", ">", "<=", ">=":
			return true
		}
		return false
	}
	if j < len(toks) && isCmp(toks[j]) {
		return true
	}
	start, ok := operandStart(t.out)
	return ok && start > 0 && isCmp(t.out[start-1])
}

// regTypes are the object identifier types a cast may name.
var regTypes = map[string]bool{"regclass": true, "regtype": true, "regnamespace": true}

// regCast reports whether toks[i:] name a reg* type, and its name and the
// index after it.
func regCast(toks []token, i int) (string, int, bool) {
	if i+2 < len(toks) && toks[i].is("pg_catalog") && toks[i+1].text == "." {
		i += 2
	}
	if i < len(toks) && toks[i].kind == tokIdent && regTypes[toks[i].text] {
		return toks[i].text, i + 1, true
	}
	return "", i, false
}

// wrapOperand wraps the operand just emitted in fn( ... ).
func (t *translator) wrapOperand(fn string, opText string, pos int) error {
	start, ok := operandStart(t.out)
	if !ok {
		return syntaxErr(pos, "syntax error at or near %q", opText)
	}
	rest := append([]token(nil), t.out[start:]...)
	t.out = append(t.out[:start], token{kind: tokIdent, text: fn, space: true}, token{kind: tokOp, text: "("})
	t.out = append(t.out, rest...)
	return nil
}

// skipCollate returns the index after a COLLATE clause at toks[i], or i
// when there is none; collations other than the default and "C" are
// refused.
func skipCollate(toks []token, i int) (int, error) {
	if i >= len(toks) || !toks[i].is("collate") {
		return i, nil
	}
	j := i + 1
	if j+2 < len(toks) && toks[j].is("pg_catalog") && toks[j+1].text == "." {
		j += 2
	}
	if j < len(toks) && (toks[j].is("default") || toks[j].kind == tokQIdent && (toks[j].text == "default" || toks[j].text == "C")) {
		return j + 1, nil
	}
	return i, pgerror.Unsupported("COLLATE")
}

// regexOp translates x ~ 'p' / x !~ 'p' with the operator at toks[i] (op
// is its spelling); it returns the index of the last token consumed.
func (t *translator) regexOp(toks []token, i int, op string) (int, error) {
	if i+1 >= len(toks) {
		return i, syntaxErr(lastPos(toks), "syntax error at end of input")
	}
	r := toks[i+1]
	if r.kind != tokString && r.kind != tokParam {
		return i, pgerror.Unsupported("operator " + op + " with other than a literal or parameter on its right")
	}
	if err := t.wrapOperand(RegexFunc, op, toks[i].pos); err != nil {
		return i, err
	}
	if op == "!~" {
		// NOT binds looser than the call; put it before the call.
		for k := len(t.out) - 1; k >= 0; k-- {
			if t.out[k].kind == tokIdent && t.out[k].text == RegexFunc {
				t.out = append(t.out[:k], append([]token{{kind: tokRaw, text: "not", space: true}}, t.out[k:]...)...)
				break
			}
		}
	}
	t.op(",")
	t.emit(r)
	t.op(")")
	j, err := skipCollate(toks, i+2)
	if err != nil {
		return i, err
	}
	return j - 1, nil
}

// operatorCall translates OPERATOR(pg_catalog.op) at toks[i]; it returns
// the index of the last token consumed.
func (t *translator) operatorCall(toks []token, i int) (int, error) {
	j := i + 2
	if j+1 < len(toks) && toks[j].is("pg_catalog") && toks[j].text != "" && toks[j+1].text == "." {
		j += 2
	}
	var op []string
	for j < len(toks) && !(toks[j].kind == tokOp && toks[j].text == ")") {
		op = append(op, toks[j].text)
		j++
	}
	if j >= len(toks) {
		return i, syntaxErr(lastPos(toks), "syntax error at end of input")
	}
	name := strings.Join(op, "")
	switch name {
	case "~", "!~":
		toks[j].text = name
		toks[j].kind = tokOp
		return t.regexOp(toks, j, name)
	case "=", "<>", "<", ">", "<=", ">=", "+", "-", "*", "/":
		t.op(name)
		return j, nil
	}
	return i, pgerror.Unsupported("OPERATOR(" + name + ")")
}

// EmptyProbe is a catalog query of psql whose answer is always empty in
// Meridian (see emptyProbes); the engine returns Columns (all text) and
// no rows.
type EmptyProbe struct {
	ast.DoStmt
	Columns []string
}

// SpecialName implements Special.
func (*EmptyProbe) SpecialName() string { return "SELECT" }

// emptyProbes are psql 15's \d queries about row security policies,
// extended statistics, publications and inheritance, by the start of their
// text (tokens joined by single spaces, lower case) and a fragment that
// must follow, with their result columns.
var emptyProbes = []struct {
	prefix, contains string
	columns          []string
}{
	{"select pol . polname , pol . polpermissive ,", "from pg_catalog . pg_policy pol where pol . polrelid =",
		[]string{"polname", "polpermissive", "array_to_string", "pg_get_expr", "pg_get_expr", "cmd"}},
	{"select oid , stxrelid :: pg_catalog . regclass ,", "from pg_catalog . pg_statistic_ext where stxrelid =",
		[]string{"oid", "stxrelid", "nsp", "stxname", "columns", "ndist_enabled", "deps_enabled", "mcv_enabled", "stxstattarget"}},
	{"select pubname , null , null from pg_catalog . pg_publication p join pg_catalog . pg_publication_namespace pn", "where p . puballtables and pg_catalog . pg_relation_is_publishable (",
		[]string{"pubname", "?column?", "?column?"}},
	{"select pubname from pg_catalog . pg_publication p join pg_catalog . pg_publication_rel pr", "",
		[]string{"pubname"}},
	{"select c . oid :: pg_catalog . regclass from pg_catalog . pg_class c , pg_catalog . pg_inherits i where c . oid = i . inhparent and i . inhrelid =", "",
		[]string{"oid"}},
	{"select c . oid :: pg_catalog . regclass , c . relkind , inhdetachpending , pg_catalog . pg_get_expr ( c . relpartbound , c . oid ) from pg_catalog . pg_class c , pg_catalog . pg_inherits i where c . oid = i . inhrelid and i . inhparent =", "",
		[]string{"oid", "relkind", "inhdetachpending", "pg_get_expr"}},
	{"select c . oid :: pg_catalog . regclass , c . relkind , false as inhdetachpending , pg_catalog . pg_get_expr ( c . relpartbound , c . oid ) from pg_catalog . pg_class c , pg_catalog . pg_inherits i where c . oid = i . inhrelid and i . inhparent =", "",
		[]string{"oid", "relkind", "inhdetachpending", "pg_get_expr"}},
}

// matchEmptyProbe recognises the queries of emptyProbes.
func matchEmptyProbe(toks []token) (*EmptyProbe, bool) {
	if len(toks) < 10 || !toks[0].is("select") {
		return nil, false
	}
	var sb strings.Builder
	for i, tok := range toks {
		if i > 0 {
			sb.WriteByte(' ')
		}
		if tok.kind == tokString {
			sb.WriteString("'" + tok.text + "'")
		} else {
			sb.WriteString(tok.text)
		}
	}
	s := sb.String()
	for _, p := range emptyProbes {
		if rest, ok := strings.CutPrefix(s, p.prefix); ok && strings.Contains(rest, p.contains) {
			return &EmptyProbe{Columns: p.columns}, true
		}
	}
	return nil, false
}

// emptyArrays are array expressions of psql's describe queries whose value
// Meridian knows without arrays, replaced by their text form: \du's and
// \dg's memberships (Meridian has no role membership) and \d+'s storage
// options (Meridian keeps none: WITH options are ignored).
var emptyArrays = []struct {
	toks []token
	text string
}{
	{mustLex("array ( select b . rolname from pg_catalog . pg_auth_members m " +
		"join pg_catalog . pg_roles b on ( m . roleid = b . oid ) where m . member = r . oid )"), "{}"},
	{mustLex("pg_catalog . array_to_string ( c . reloptions || array ( select 'toast.' || x " +
		"from pg_catalog . unnest ( tc . reloptions ) x ) , ', ' )"), ""},
}

func mustLex(s string) []token {
	toks, err := lex(s)
	if err != nil {
		panic(err)
	}
	return toks
}

// replaceEmptyArrays replaces the emptyArrays expressions in toks with
// their text.
func replaceEmptyArrays(toks []token) []token {
	for i := 0; i < len(toks); i++ {
		if !toks[i].is("array") && !toks[i].is("pg_catalog") {
			continue
		}
		for _, ea := range emptyArrays {
			n := len(ea.toks)
			if i+n > len(toks) || !sameTokens(toks[i:i+n], ea.toks) {
				continue
			}
			lit := token{kind: tokString, text: ea.text, space: true, pos: toks[i].pos, end: toks[i+n-1].end}
			toks = append(append(append([]token(nil), toks[:i]...), lit), toks[i+n:]...)
			break
		}
	}
	return toks
}

func sameTokens(a, b []token) bool {
	for k := range b {
		if a[k].kind != b[k].kind || a[k].text != b[k].text {
			return false
		}
	}
	return true
}

// oidTypeAt reports whether toks[i:] name the type oid ([pg_catalog.]oid),
// and the index after it.
func oidTypeAt(toks []token, i int) (int, bool) {
	if i+2 < len(toks) && toks[i].is("pg_catalog") && toks[i+1].text == "." {
		i += 2
	}
	if i < len(toks) && toks[i].is("oid") {
		return i + 1, true
	}
	return i, false
}

func isRegCastAt(toks []token, i int) bool {
	_, _, ok := regCast(toks, i)
	return ok
}
