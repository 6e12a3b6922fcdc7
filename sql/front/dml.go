package front

import (
	"github.com/meridiandb/meridian/sql/pgerror"
)

// ConflictClause is INSERT ... ON CONFLICT, which the TiDB grammar lacks.
type ConflictClause struct {
	// Target lists the conflict columns "(a, b)", or is empty.
	Target []string
	// Constraint is the name in ON CONSTRAINT name, or empty.
	Constraint string
	// DoNothing is DO NOTHING; otherwise Update is DO UPDATE SET ...
	// [WHERE ...] as "update meridian_conflict set ... where ..." for the
	// TiDB parser.
	DoNothing bool
	Update    string
	spans     []span
}

// ConflictTable is the placeholder table name of ConflictClause.Update.
const ConflictTable = "meridian_conflict"

// translateDML splits off the ON CONFLICT and RETURNING clauses of an
// INSERT, UPDATE or DELETE.
func translateDML(toks []token) (Statement, error) {
	toks, overrides, err := overriding(defaultValues(toks))
	if err != nil {
		return Statement{}, err
	}
	depth, conflict, ret := 0, -1, -1
	for i, tok := range toks {
		switch {
		case tok.kind == tokOp && tok.text == "(":
			depth++
		case tok.kind == tokOp && tok.text == ")":
			depth--
		case depth == 0 && tok.is("on") && i+1 < len(toks) && toks[i+1].is("conflict") && conflict < 0 && toks[0].is("insert"):
			conflict = i
		case depth == 0 && tok.is("returning") && ret < 0:
			ret = i
		}
	}
	end := len(toks)
	if ret >= 0 {
		if ret == len(toks)-1 {
			return Statement{}, syntaxErr(lastPos(toks), "syntax error at end of input")
		}
		end = ret
	}
	mainEnd := end
	if conflict >= 0 {
		if conflict > end {
			return Statement{}, unexpected(toks, conflict)
		}
		mainEnd = conflict
	}
	t := &translator{}
	if err := t.general(toks[:mainEnd]); err != nil {
		return Statement{}, err
	}
	st := t.render()
	st.OverridingSystemValue = overrides
	if conflict >= 0 {
		cc, params, maxN, err := translateConflict(toks[conflict+2 : end])
		if err != nil {
			return Statement{}, err
		}
		st.OnConflict = cc
		st.Params = append(st.Params, params...)
		st.NumParams = max(st.NumParams, maxN)
	}
	if ret >= 0 {
		r := &translator{}
		r.raw("select")
		if err := r.general(toks[ret+1:]); err != nil {
			return Statement{}, err
		}
		rs := r.render()
		st.Returning, st.retSpans = rs.SQL, rs.spans
		st.Params = append(st.Params, rs.Params...)
		st.NumParams = max(st.NumParams, rs.NumParams)
	}
	return st, nil
}

// translateConflict reads "[(cols) | ON CONSTRAINT name] DO NOTHING | DO
// UPDATE SET ... [WHERE ...]".
func translateConflict(toks []token) (*ConflictClause, []int, int, error) {
	cc := &ConflictClause{}
	i := 0
	if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "(" {
		i++
		for {
			if i >= len(toks) || toks[i].kind != tokIdent && toks[i].kind != tokQIdent {
				if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "(" {
					return nil, nil, 0, pgerror.Unsupported("expressions in ON CONFLICT targets")
				}
				return nil, nil, 0, unexpected(toks, i)
			}
			cc.Target = append(cc.Target, toks[i].text)
			i++
			if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "," {
				i++
				continue
			}
			if i < len(toks) && toks[i].kind == tokOp && toks[i].text == ")" {
				i++
				break
			}
			if i < len(toks) && (toks[i].is("collate") || toks[i].kind == tokIdent) {
				return nil, nil, 0, pgerror.Unsupported("collations and operator classes in ON CONFLICT targets")
			}
			return nil, nil, 0, unexpected(toks, i)
		}
		if i < len(toks) && toks[i].is("where") {
			return nil, nil, 0, pgerror.Unsupported("ON CONFLICT ... WHERE (partial indexes)")
		}
	} else if j, ok := matchWords(toks, i, "on", "constraint"); ok {
		if j >= len(toks) || toks[j].kind != tokIdent && toks[j].kind != tokQIdent {
			return nil, nil, 0, unexpected(toks, j)
		}
		cc.Constraint = toks[j].text
		i = j + 1
	}
	if j, ok := matchWords(toks, i, "do", "nothing"); ok {
		if j != len(toks) {
			return nil, nil, 0, unexpected(toks, j)
		}
		cc.DoNothing = true
		return cc, nil, 0, nil
	}
	j, ok := matchWords(toks, i, "do", "update", "set")
	if !ok {
		return nil, nil, 0, unexpected(toks, i)
	}
	u := &translator{}
	u.raw("update " + ConflictTable + " set")
	if err := u.general(toks[j:]); err != nil {
		return nil, nil, 0, err
	}
	us := u.render()
	cc.Update, cc.spans = us.SQL, us.spans
	return cc, us.Params, us.NumParams, nil
}

// defaultValues turns INSERT ... DEFAULT VALUES into the TiDB grammar's
// spelling of a row of defaults, () VALUES ().
func defaultValues(toks []token) []token {
	if !toks[0].is("insert") {
		return toks
	}
	depth := 0
	for i, tok := range toks {
		switch {
		case tok.kind == tokOp && tok.text == "(":
			depth++
		case tok.kind == tokOp && tok.text == ")":
			depth--
		case depth == 0 && tok.is("default") && i+1 < len(toks) && toks[i+1].is("values"):
			at := func(kind tokKind, text string) token {
				return token{kind: kind, text: text, space: true, pos: tok.pos, end: toks[i+1].end}
			}
			row := []token{at(tokOp, "("), at(tokOp, ")"), at(tokIdent, "values"), at(tokOp, "("), at(tokOp, ")")}
			return append(append(append([]token(nil), toks[:i]...), row...), toks[i+2:]...)
		}
	}
	return toks
}

// overriding takes INSERT's OVERRIDING SYSTEM VALUE out of toks and
// reports it (it lets the INSERT give GENERATED ALWAYS identity columns
// values), and refuses OVERRIDING USER VALUE.
func overriding(toks []token) ([]token, bool, error) {
	if !toks[0].is("insert") {
		return toks, false, nil
	}
	depth := 0
	for i, tok := range toks {
		switch {
		case tok.kind == tokOp && tok.text == "(":
			depth++
		case tok.kind == tokOp && tok.text == ")":
			depth--
		case depth == 0 && tok.is("overriding") && i+2 < len(toks) && toks[i+2].is("value"):
			switch {
			case toks[i+1].is("system"):
				return append(append([]token(nil), toks[:i]...), toks[i+3:]...), true, nil
			case toks[i+1].is("user"):
				return nil, false, pgerror.Unsupported("OVERRIDING USER VALUE")
			}
		}
	}
	return toks, false, nil
}
