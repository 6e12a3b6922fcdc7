package front

import (
	"github.com/meridiandb/meridian/sql/types"
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
)

// Statement is one translated statement.
type Statement struct {
	// SQL is the text for the TiDB parser.
	SQL string
	// Params maps the i-th ? marker of SQL (in text order) to n of the $n
	// it came from.
	Params []int
	// NumParams is the highest n of the $n the statement uses.
	NumParams int
	// Returning is "select <list>" for the RETURNING clause of an INSERT,
	// UPDATE or DELETE (which the TiDB grammar lacks), or empty. Its ?
	// markers follow SQL's (and OnConflict's) in Params.
	Returning string
	// OnConflict is INSERT's ON CONFLICT clause, or nil; its ? markers
	// follow SQL's in Params.
	OnConflict *ConflictClause
	// Special is a statement the front parsed itself (SQL is empty), or nil.
	Special Special
	// Serials are CREATE TABLE's SERIAL columns.
	Serials []Serial
	// Notices are NOTICE messages for the client (options ignored).
	Notices []string
	// Tag, if set, is the command tag the statement completes with instead
	// of its parsed form's (RESET, read as SET ... = DEFAULT).
	Tag string
	// OverridingSystemValue marks INSERT ... OVERRIDING SYSTEM VALUE.
	OverridingSystemValue bool
	// spans map byte offsets of SQL back to the input, for error positions.
	spans, retSpans []span
}

// span says that the output token at byte out of SQL came from input bytes
// [pos, end).
type span struct{ out, pos, end int }

// Translate splits sql into statements and translates each (see the package
// doc). Empty statements are dropped, so an empty or all-comment query gives
// none.
func Translate(sql string) ([]Statement, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	var out []Statement
	start := 0
	for i := 0; i <= len(toks); i++ {
		if i < len(toks) && !(toks[i].kind == tokOp && toks[i].text == ";") {
			continue
		}
		if i > start {
			st, err := translateStmt(toks[start:i])
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		}
		start = i + 1
	}
	return out, nil
}

// translator accumulates the output tokens of one statement.
type translator struct {
	out    []token
	params []int
	maxN   int
	// CREATE TABLE: the table's name, its SERIAL columns, notices.
	table   string
	serials []Serial
	notices []string
	tag     string
}

func (t *translator) emit(tok token) { t.out = append(t.out, tok) }
func (t *translator) raw(s string)   { t.out = append(t.out, token{kind: tokRaw, text: s, space: true}) }
func (t *translator) op(s string)    { t.out = append(t.out, token{kind: tokOp, text: s}) }
func (t *translator) str(s string) {
	t.out = append(t.out, token{kind: tokString, text: s, space: true})
}
func (t *translator) ident(s string) {
	t.out = append(t.out, token{kind: tokIdent, text: s, space: true})
}
func (t *translator) quotedIdent(s string) {
	t.out = append(t.out, token{kind: tokQIdent, text: s, space: true})
}

func (t *translator) render() Statement {
	var b strings.Builder
	var spans []span
	pos, end := 0, 0
	for i, tok := range t.out {
		if i > 0 && (tok.space || tok.kind != tokOp && t.out[i-1].kind != tokOp) && !callParen(t.out[i-1], tok) {
			b.WriteByte(' ')
		}
		if tok.end > 0 {
			pos, end = tok.pos, tok.end // inserted tokens inherit the last source span
		}
		spans = append(spans, span{out: b.Len(), pos: pos, end: end})
		switch tok.kind {
		case tokQIdent:
			b.WriteString(`"` + strings.ReplaceAll(tok.text, `"`, `""`) + `"`)
		case tokString:
			b.WriteString(`'` + strings.ReplaceAll(tok.text, `'`, `''`) + `'`)
		case tokParam:
			b.WriteByte('?')
		case tokNumber:
			if strings.HasSuffix(tok.text, ".") {
				// A decimal of scale 0 ("1000.", as written or from 1e3):
				// the TiDB lexer reads "1000. FROM" as a qualified name.
				b.WriteString("(" + tok.text + ")")
			} else {
				b.WriteString(tok.text)
			}
		default:
			b.WriteString(tok.text)
		}
	}
	for _, tok := range t.out {
		if tok.kind == tokParam {
			t.params = append(t.params, tok.num)
			t.maxN = max(t.maxN, tok.num)
		}
	}
	return Statement{SQL: b.String(), Params: t.params, NumParams: t.maxN, spans: spans, Serials: t.serials, Notices: t.notices, Tag: t.tag}
}

func translateStmt(toks []token) (Statement, error) {
	toks = replaceEmptyArrays(toks)
	if sp, ok, err := special(toks); ok {
		if err != nil {
			return Statement{}, err
		}
		return Statement{Special: sp}, nil
	}
	t := &translator{}
	var err error
	first := toks[0]
	switch {
	case first.is("begin") || first.is("start"):
		err = t.begin(toks)
	case first.is("end") || first.is("commit"):
		err = t.endTxn(toks, "commit")
	case first.is("abort") || first.is("rollback"):
		err = t.endTxn(toks, "rollback")
	case first.is("savepoint") || first.is("release"):
		err = pgerror.Unsupported("savepoints")
	case first.is("set"):
		err = t.set(toks)
	case first.is("reset"):
		err = t.reset(toks)
	case first.is("show"):
		err = t.show(toks)
	case first.is("create") && isCreateTable(toks):
		err = t.createTable(toks)
	case first.is("alter") && len(toks) > 1 && toks[1].is("table"):
		err = t.alterTable(toks)
	case first.is("create") && isCreateIndex(toks):
		err = t.createIndex(toks)
	case first.is("drop") && len(toks) > 1 && toks[1].is("index"):
		err = t.dropIndex(toks)
	case first.kind == tokIdent && refusedStatements[first.text]:
		err = pgerror.Unsupported(strings.ToUpper(first.text) + " statements")
	case first.is("insert") || first.is("update") || first.is("delete"):
		return translateDML(toks)
	default:
		err = t.general(toks)
	}
	if err != nil {
		return Statement{}, err
	}
	return t.render(), nil
}

var refusedStatements = map[string]bool{
	"copy": true, "listen": true, "notify": true, "unlisten": true, "discard": true,
	"vacuum": true, "do": true, "declare": true, "fetch": true, "close": true,
	"cluster": true, "comment": true, "reindex": true, "lock": true, "prepare": true,
	"execute": true, "deallocate": true, "checkpoint": true, "move": true,
}

func isCreateTable(toks []token) bool {
	i := 1
	for i < len(toks) && (toks[i].is("temp") || toks[i].is("temporary") || toks[i].is("unlogged") || toks[i].is("global") || toks[i].is("local")) {
		i++
	}
	return i < len(toks) && toks[i].is("table")
}

// general translates an ordinary statement: parameters, casts, and the
// constructs refused at token level.
func (t *translator) general(toks []token) error {
	type frame struct{ cast bool }
	var stack []frame
	limitDepth := -1           // paren depth of an open LIMIT clause
	hasLimit := map[int]bool{} // paren depths whose query has a LIMIT
	autoLimit := map[int]int{} // paren depth -> t.out index of a LIMIT added for OFFSET
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		next := func(w string) bool { return i+1 < len(toks) && toks[i+1].is(w) }
		// PostgreSQL-only row-limiting spellings: LIMIT ALL, OFFSET without
		// LIMIT, FETCH FIRST n ROWS ONLY.
		switch {
		case tok.is("limit") && next("all"):
			i++
			continue
		case (tok.is("row") || tok.is("rows")) && i >= 2 && toks[i-2].is("offset"):
			continue // OFFSET n ROWS
		case tok.is("offset") && !hasLimit[len(stack)]:
			autoLimit[len(stack)] = len(t.out)
			t.raw("limit 9223372036854775807")
		case tok.is("fetch") && (next("first") || next("next")):
			j := i + 2
			n := token{kind: tokNumber, text: "1", space: true}
			if j < len(toks) && (toks[j].kind == tokNumber || toks[j].kind == tokParam) {
				n = toks[j]
				j++
			}
			if j+1 < len(toks) && (toks[j].is("row") || toks[j].is("rows")) && toks[j+1].is("only") {
				if k, ok := autoLimit[len(stack)]; ok {
					// OFFSET m FETCH FIRST n: the limit goes before the offset.
					n.space = true
					t.out[k] = token{kind: tokRaw, text: "limit", space: true}
					t.out = append(t.out[:k+1], append([]token{n}, t.out[k+1:]...)...)
				} else {
					t.raw("limit")
					t.emit(n)
				}
				hasLimit[len(stack)] = true
				i = j + 1
				continue
			}
			return pgerror.Unsupported("this FETCH clause")
		}
		switch {
		case tok.is("limit"):
			limitDepth = len(stack)
			hasLimit[len(stack)] = true
		case tok.is("offset") || tok.is("for") || tok.kind == tokOp && tok.text == ")" && len(stack) <= limitDepth:
			limitDepth = -1
		case tok.kind == tokOp && tok.text == "," && len(stack) == limitDepth:
			e := pgerror.New(pgerror.CodeSyntaxError, "LIMIT #,# syntax is not supported").WithHint("Use separate LIMIT and OFFSET clauses.")
			e.Position = int32(tok.pos + 1)
			return e
		}
		switch {
		case tok.is("cast") && i+1 < len(toks) && toks[i+1].text == "(" && toks[i+1].kind == tokOp:
			t.emit(token{kind: tokIdent, text: CastFunc, space: tok.space})
			t.op("(")
			stack = append(stack, frame{cast: true})
			i++
		case tok.kind == tokOp && tok.text == "(":
			stack = append(stack, frame{})
			t.emit(tok)
		case tok.kind == tokOp && tok.text == ")":
			delete(hasLimit, len(stack))
			delete(autoLimit, len(stack))
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			t.emit(tok)
		case tok.is("as") && len(stack) > 0 && stack[len(stack)-1].cast:
			typ, j, err := parseType(toks, i+1)
			if err != nil {
				return err
			}
			if j >= len(toks) || toks[j].text != ")" {
				return syntaxErr(tokPos(toks, j), "syntax error at or near %s", tokText(toks, j))
			}
			t.op(",")
			t.str(TypeName(typ))
			i = j - 1
		case tok.kind == tokOp && tok.text == "::" && isRegCastAt(toks, i+1):
			name, j, _ := regCast(toks, i+1)
			fn := RegFuncPrefix + name
			if name == "regclass" && t.comparedAt(j, toks) {
				fn = RegclassOIDFunc
			}
			if err := t.wrapOperand(fn, "::", tok.pos); err != nil {
				return err
			}
			t.op(")")
			i = j - 1
		case tok.kind == tokOp && (tok.text == "~" || tok.text == "!~"):
			j, err := t.regexOp(toks, i, tok.text)
			if err != nil {
				return err
			}
			i = j
		case tok.is("operator") && i+1 < len(toks) && toks[i+1].kind == tokOp && toks[i+1].text == "(":
			j, err := t.operatorCall(toks, i)
			if err != nil {
				return err
			}
			i = j
		case tok.is("pg_catalog") && i+3 < len(toks) && toks[i+1].kind == tokOp && toks[i+1].text == "." && toks[i+2].kind == tokIdent && toks[i+3].kind == tokOp && toks[i+3].text == "(":
			// pg_catalog.f(...) is f(...).
			fn := toks[i+2]
			fn.space = tok.space
			toks[i+2] = fn
			i++
		case tok.is("collate"):
			j, err := skipCollate(toks, i)
			if err != nil {
				return err
			}
			i = j - 1
		case tok.kind == tokOp && tok.text == "::":
			start, ok := operandStart(t.out)
			if !ok {
				return syntaxErr(tok.pos, "syntax error at or near \"::\"")
			}
			typ, j, err := parseType(toks, i+1)
			if k, ok := oidTypeAt(toks, i+1); ok {
				// Meridian's OIDs are bigints: x::oid reads as x::bigint
				// (x::regclass::oid is a relation's OID).
				typ, j, err = types.Int8, k, nil
			}
			if err != nil {
				return err
			}
			rest := append([]token(nil), t.out[start:]...)
			t.out = append(t.out[:start], token{kind: tokIdent, text: CastFunc, space: true}, token{kind: tokOp, text: "("})
			t.out = append(t.out, rest...)
			t.op(",")
			t.str(TypeName(typ))
			t.op(")")
			i = j - 1
		case tok.kind == tokIdent && SeqFuncs[tok.text] && i+1 < len(toks) && toks[i+1].kind == tokOp && toks[i+1].text == "(":
			// The TiDB grammar reads nextval(t) and friends as its own
			// sequence syntax; PostgreSQL's take a text argument.
			tok.text = SeqFuncPrefix + tok.text
			t.emit(tok)
		case tok.is("is") && (next("distinct") || next("not") && i+2 < len(toks) && toks[i+2].is("distinct")):
			// x IS [NOT] DISTINCT FROM y: the null-safe <=>, negated for
			// IS DISTINCT FROM by a NOT in front of x (MySQL's NOT binds
			// looser than <=>, as PostgreSQL's IS binds looser than + and
			// tighter than NOT/AND).
			not := next("not")
			j := i + 2
			if not {
				j++
			}
			if j >= len(toks) || !toks[j].is("from") {
				return syntaxErr(tokPos(toks, j), "syntax error at or near %s", tokText(toks, j))
			}
			if !not {
				start, ok := operandStart(t.out)
				if !ok || start > 0 && !distinctOperandBoundary(t.out[start-1]) {
					return pgerror.Unsupported("IS DISTINCT FROM on a compound left operand (parenthesize it)")
				}
				rest := append([]token(nil), t.out[start:]...)
				t.out = append(t.out[:start], token{kind: tokRaw, text: "not", space: true})
				t.out = append(t.out, rest...)
			}
			t.op("<=>")
			i = j
		case tok.kind == tokIdent && tok.text == "concat" && i+1 < len(toks) && toks[i+1].kind == tokOp && toks[i+1].text == "(":
			// The parser reads || as concat(a, b); a call of concat() keeps
			// its own name, as its NULL rule differs.
			tok.text = ConcatFunc
			t.emit(tok)
		case tok.is("full") && (next("join") || next("outer")):
			// The TiDB grammar would read "a FULL JOIN b" as "a AS full
			// JOIN b".
			return pgerror.Unsupported("FULL JOIN")
		case tok.kind == tokOp && (tok.text == "->" || tok.text == "->>"):
			// x -> k and x ->> k (JSON): a call on the operand before and
			// the one literal or parameter after.
			start, ok := operandStart(t.out)
			if !ok || i+1 >= len(toks) {
				return syntaxErr(tok.pos, "syntax error at or near %q", tok.text)
			}
			k := toks[i+1]
			neg := k.kind == tokOp && k.text == "-" && i+2 < len(toks) && toks[i+2].kind == tokNumber
			if neg {
				i++
				k = toks[i+1]
			}
			if k.kind != tokString && k.kind != tokNumber && k.kind != tokParam {
				return pgerror.Unsupported("operator " + tok.text + " with other than a literal or parameter on its right")
			}
			fn := JSONGetFunc
			if tok.text == "->>" {
				fn = JSONGetTextFunc
			}
			rest := append([]token(nil), t.out[start:]...)
			t.out = append(t.out[:start], token{kind: tokIdent, text: fn, space: true}, token{kind: tokOp, text: "("})
			t.out = append(t.out, rest...)
			t.op(",")
			if neg {
				t.op("-")
			}
			t.emit(k)
			t.op(")")
			i++
		case tok.kind == tokOp && (tok.text == "[" || tok.text == "]"):
			return pgerror.Unsupported("arrays and subscripts")
		case tok.is("returning"):
			return pgerror.Unsupported("RETURNING here")
		case tok.is("on") && next("conflict"):
			return pgerror.Unsupported("ON CONFLICT")
		case tok.is("nulls") && (next("first") || next("last")):
			if err := t.nullsOrder(toks[i+1].text); err != nil {
				return err
			}
			i++
		case tok.is("array") && i+1 < len(toks) && (toks[i+1].text == "[" || toks[i+1].text == "("):
			return pgerror.Unsupported("arrays")
		case tok.is("interval") && i+1 < len(toks) && toks[i+1].kind == tokString:
			return pgerror.Unsupported("type interval")
		case (tok.is("timestamp") || tok.is("timestamptz") || tok.is("date")) && i+1 < len(toks) && toks[i+1].kind == tokString:
			// timestamp 'literal' (and date, timestamptz) is a cast of the literal.
			typ := timestampT
			switch {
			case tok.is("date"):
				typ = types.Date
			case tok.is("timestamptz"):
				typ = types.Timestamptz
			}
			t.emit(token{kind: tokIdent, text: CastFunc, space: tok.space})
			t.op("(")
			t.emit(toks[i+1])
			t.op(",")
			t.str(TypeName(typ))
			t.op(")")
			i++
		case tok.kind == tokIdent && tidbFuncWords[tok.text] && !(i+1 < len(toks) && toks[i+1].kind == tokOp && toks[i+1].text == "("):
			// A window function's name used as a name (a column "rank",
			// pg_sequences.last_value): the TiDB grammar reserves these
			// words, PostgreSQL does not.
			tok.kind = tokQIdent
			t.emit(tok)
		default:
			t.emit(tok)
		}
	}
	return nil
}

// tidbFuncWords are words the TiDB grammar reserves for its window
// functions that PostgreSQL takes as ordinary identifiers.
var tidbFuncWords = map[string]bool{
	"last_value": true, "first_value": true, "nth_value": true, "lead": true, "lag": true, "rank": true,
	"dense_rank": true, "row_number": true, "cume_dist": true, "percent_rank": true, "ntile": true,
}

func tokPos(toks []token, i int) int {
	if i < len(toks) {
		return toks[i].pos
	}
	return lastPos(toks)
}

func tokText(toks []token, i int) string {
	if i < len(toks) {
		return `"` + toks[i].text + `"`
	}
	return "end of input"
}

// notFunctions are words that may stand before a parenthesis without
// making it a function call.
var notFunctions = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "exists": true, "select": true,
	"where": true, "values": true, "on": true, "as": true, "from": true, "by": true,
	"having": true, "when": true, "then": true, "else": true, "case": true, "any": true,
	"all": true, "some": true, "like": true, "ilike": true, "between": true, "set": true,
	"using": true, "is": true, "distinct": true, "limit": true, "offset": true, "return": true,
	"join": true, "into": true, "table": true, "default": true, "with": true,
}

// operandStart finds where the operand of a :: that follows out begins.
func operandStart(out []token) (int, bool) {
	j := len(out) - 1
	if j < 0 {
		return 0, false
	}
	chain := func(j int) int {
		for j >= 2 && out[j-1].kind == tokOp && out[j-1].text == "." && (out[j-2].kind == tokIdent || out[j-2].kind == tokQIdent) {
			j -= 2
		}
		return j
	}
	switch tok := out[j]; tok.kind {
	case tokString, tokNumber, tokParam:
		return j, true
	case tokIdent:
		if notFunctions[tok.text] {
			return 0, false
		}
		return chain(j), true
	case tokQIdent:
		return chain(j), true
	case tokOp:
		if tok.text != ")" {
			return 0, false
		}
		depth := 0
		for k := j; k >= 0; k-- {
			if out[k].kind != tokOp {
				continue
			}
			switch out[k].text {
			case ")":
				depth++
			case "(":
				depth--
			}
			if depth == 0 {
				if k > 0 && (out[k-1].kind == tokIdent && !notFunctions[out[k-1].text] || out[k-1].kind == tokQIdent) {
					return chain(k - 1), true
				}
				return k, true
			}
		}
	}
	return 0, false
}

// nullsOrder rewrites the ORDER BY item just emitted, "x [ASC|DESC]", as
// "meridian_nulls(x, 'first'|'last') [ASC|DESC]" (the TiDB grammar has no
// NULLS FIRST/LAST).
func (t *translator) nullsOrder(which string) error {
	var dir []token
	if n := len(t.out); n > 0 && (t.out[n-1].is("asc") || t.out[n-1].is("desc")) {
		dir = []token{t.out[n-1]}
		t.out = t.out[:n-1]
	}
	depth := 0
	start := -1
	for k := len(t.out) - 1; k >= 0; k-- {
		tok := t.out[k]
		if tok.kind == tokOp && tok.text == ")" {
			depth++
		} else if tok.kind == tokOp && tok.text == "(" {
			if depth == 0 {
				break
			}
			depth--
		} else if depth == 0 && (tok.kind == tokOp && tok.text == "," || tok.is("by")) {
			start = k + 1
			break
		}
	}
	if start < 0 || start >= len(t.out) {
		return syntaxErr(0, "syntax error at or near \"nulls\"")
	}
	rest := append([]token(nil), t.out[start:]...)
	t.out = append(t.out[:start], token{kind: tokIdent, text: NullsFunc, space: true}, token{kind: tokOp, text: "("})
	t.out = append(t.out, rest...)
	t.op(",")
	t.str(which)
	t.op(")")
	t.out = append(t.out, dir...)
	return nil
}

// spaceSensitiveFuncs are the built-ins the TiDB lexer recognises only
// when "(" follows the name directly (MySQL without IGNORE_SPACE);
// PostgreSQL allows "count (*)", so render drops the space.
var spaceSensitiveFuncs = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true, "cast": true,
	"substring": true, "substr": true, "trim": true, "position": true, "extract": true,
	"now": true, "bit_and": true, "bit_or": true, "bit_xor": true, "std": true, "stddev": true,
	"stddev_pop": true, "stddev_samp": true, "variance": true, "var_pop": true, "var_samp": true,
	"group_concat": true, "curdate": true, "curtime": true, "date_add": true, "date_sub": true,
	"translate": true, "mid": true, "sysdate": true,
}

func callParen(prev, tok token) bool {
	return tok.kind == tokOp && tok.text == "(" && prev.kind == tokIdent && spaceSensitiveFuncs[prev.text]
}

// distinctOperandBoundary reports whether tok ends what comes before the
// left operand of IS DISTINCT FROM, so that the operand found by
// operandStart is all of it.
func distinctOperandBoundary(tok token) bool {
	if tok.kind == tokOp {
		return tok.text == "(" || tok.text == ","
	}
	switch tok.text {
	case "select", "where", "and", "or", "not", "on", "when", "then", "else", "having", "by", "set":
		return true
	}
	return false
}
