package front

import "github.com/meridiandb/meridian/sql/pgerror"

// AutoIndexName stands for the name of CREATE INDEX ON t (...) without a
// name; the engine replaces it with PostgreSQL's <table>_<cols>_idx.
const AutoIndexName = "meridian_auto_index"

// DropIndexTable is the table name DROP INDEX is given for the TiDB
// grammar (which wants DROP INDEX name ON table); the engine ignores it.
const DropIndexTable = "meridian_index"

func isCreateIndex(toks []token) bool {
	i := 1
	if i < len(toks) && toks[i].is("unique") {
		i++
	}
	return i < len(toks) && toks[i].is("index")
}

// createIndex translates CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT
// EXISTS] [name] ON [ONLY] t [USING btree] (col [ASC|DESC], ...).
func (t *translator) createIndex(toks []token) error {
	out := make([]token, 0, len(toks)+1)
	depth := 0
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		switch {
		case tok.kind == tokOp && tok.text == "(":
			depth++
		case tok.kind == tokOp && tok.text == ")":
			depth--
		case depth > 0:
		case tok.is("concurrently") || tok.is("only"):
			continue
		case tok.is("using"):
			if i+1 < len(toks) && toks[i+1].is("btree") {
				i++
				continue
			}
			return pgerror.Unsupported("index access methods other than btree")
		case tok.is("include"):
			return pgerror.Unsupported("INCLUDE in CREATE INDEX")
		case tok.is("where"):
			return pgerror.Unsupported("partial indexes")
		case tok.is("nulls"):
			return pgerror.Unsupported("NULLS FIRST/LAST in CREATE INDEX")
		case tok.is("on") && len(out) > 0 && (out[len(out)-1].is("index") || out[len(out)-1].is("exists")):
			out = append(out, token{kind: tokIdent, text: AutoIndexName, space: true, pos: tok.pos, end: tok.pos})
		}
		out = append(out, tok)
	}
	return t.general(out)
}

// dropIndex translates DROP INDEX [CONCURRENTLY] [IF EXISTS] name
// [CASCADE | RESTRICT].
func (t *translator) dropIndex(toks []token) error {
	i := 2
	if i < len(toks) && toks[i].is("concurrently") {
		i++
	}
	t.raw("drop index")
	if j, ok := matchWords(toks, i, "if", "exists"); ok {
		t.raw("if exists")
		i = j
	}
	if i >= len(toks) || toks[i].kind != tokIdent && toks[i].kind != tokQIdent {
		return unexpected(toks, i)
	}
	if i+2 < len(toks) && toks[i+1].kind == tokOp && toks[i+1].text == "." && toks[i].is("public") {
		i += 2
	}
	t.emit(toks[i])
	i++
	if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "," {
		return pgerror.Unsupported("DROP INDEX of several indexes")
	}
	if i < len(toks) && toks[i].is("cascade") {
		return pgerror.Unsupported("DROP INDEX ... CASCADE")
	}
	if i < len(toks) && toks[i].is("restrict") {
		i++
	}
	if i < len(toks) {
		return unexpected(toks, i)
	}
	t.raw("on " + DropIndexTable)
	return nil
}
