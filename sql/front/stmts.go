package front

import (
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/types"
)

// words reads the lower-case words of toks[i:] while they match.
func matchWords(toks []token, i int, words ...string) (int, bool) {
	for _, w := range words {
		if i >= len(toks) || !toks[i].is(w) {
			return i, false
		}
		i++
	}
	return i, true
}

func unexpected(toks []token, i int) error {
	return syntaxErr(tokPos(toks, i), "syntax error at or near %s", tokText(toks, i))
}

// txnModes reads PostgreSQL transaction modes from toks[i:] to the end and
// reports whether READ ONLY was among them. Every isolation level is
// accepted: Meridian always runs SERIALIZABLE, which is at least as strong.
func txnModes(toks []token, i int) (readOnly bool, err error) {
	for i < len(toks) {
		if toks[i].kind == tokOp && toks[i].text == "," {
			i++
			continue
		}
		if j, ok := matchWords(toks, i, "isolation", "level"); ok {
			i = j
			switch {
			case toks[min(i, len(toks)-1)].is("serializable") && i < len(toks):
				i++
			default:
				if j, ok := matchWords(toks, i, "repeatable", "read"); ok {
					i = j
				} else if j, ok := matchWords(toks, i, "read", "committed"); ok {
					i = j
				} else if j, ok := matchWords(toks, i, "read", "uncommitted"); ok {
					i = j
				} else {
					return false, unexpected(toks, i)
				}
			}
			continue
		}
		if j, ok := matchWords(toks, i, "read", "only"); ok {
			i, readOnly = j, true
			continue
		}
		if j, ok := matchWords(toks, i, "read", "write"); ok {
			i, readOnly = j, false
			continue
		}
		if j, ok := matchWords(toks, i, "not", "deferrable"); ok {
			i = j
			continue
		}
		if j, ok := matchWords(toks, i, "deferrable"); ok {
			i = j
			continue
		}
		return false, unexpected(toks, i)
	}
	return readOnly, nil
}

func (t *translator) begin(toks []token) error {
	i := 1
	if toks[0].is("start") {
		if !(i < len(toks) && toks[i].is("transaction")) {
			return unexpected(toks, i)
		}
		i++
	} else if i < len(toks) && (toks[i].is("transaction") || toks[i].is("work")) {
		i++
	}
	readOnly, err := txnModes(toks, i)
	if err != nil {
		return err
	}
	t.raw("start transaction")
	if readOnly {
		t.raw("read only")
	}
	return nil
}

func (t *translator) endTxn(toks []token, verb string) error {
	i := 1
	if i < len(toks) && (toks[i].is("work") || toks[i].is("transaction")) {
		i++
	}
	if j, ok := matchWords(toks, i, "and", "no", "chain"); ok {
		i = j
	}
	if i < len(toks) {
		switch {
		case toks[i].is("and"):
			return pgerror.Unsupported(strings.ToUpper(verb) + " AND CHAIN")
		case toks[i].is("to"):
			return pgerror.Unsupported("savepoints")
		case toks[i].is("prepared"):
			return pgerror.Unsupported("two-phase commit statements")
		}
		return unexpected(toks, i)
	}
	t.raw(verb)
	return nil
}

// setValue renders the value list of SET as one string, the way
// PostgreSQL's flatten_set_variable_args does.
func setValue(toks []token, i int) (string, error) {
	var parts []string
	for i < len(toks) {
		neg := ""
		if toks[i].kind == tokOp && (toks[i].text == "-" || toks[i].text == "+") && i+1 < len(toks) && toks[i+1].kind == tokNumber {
			if toks[i].text == "-" {
				neg = "-"
			}
			i++
		}
		tok := toks[i]
		switch tok.kind {
		case tokString, tokIdent, tokQIdent:
			parts = append(parts, tok.text)
		case tokNumber:
			parts = append(parts, neg+tok.text)
		default:
			return "", unexpected(toks, i)
		}
		i++
		if i < len(toks) {
			if toks[i].kind != tokOp || toks[i].text != "," {
				return "", unexpected(toks, i)
			}
			i++
			if i == len(toks) {
				return "", unexpected(toks, i)
			}
		}
	}
	if len(parts) == 0 {
		return "", unexpected(toks, i)
	}
	return strings.Join(parts, ", "), nil
}

func (t *translator) emitSet(name, value string, isDefault bool) {
	t.raw("set")
	t.quotedIdent(name)
	t.op("=")
	if isDefault {
		t.raw("default")
	} else {
		t.str(value)
	}
}

func (t *translator) set(toks []token) error {
	i := 1
	if i < len(toks) && toks[i].is("session") && !(i+1 < len(toks) && toks[i+1].is("characteristics")) && !(i+1 < len(toks) && toks[i+1].is("authorization")) {
		i++
	}
	if i < len(toks) && toks[i].is("local") {
		return pgerror.Unsupported("SET LOCAL")
	}
	if i >= len(toks) {
		return unexpected(toks, i)
	}
	if j, ok := matchWords(toks, i, "time", "zone"); ok {
		if j < len(toks) && (toks[j].is("local") || toks[j].is("default")) {
			t.emitSet("timezone", "", true)
			return nil
		}
		v, err := setValue(toks, j)
		if err != nil {
			return err
		}
		t.emitSet("timezone", v, false)
		return nil
	}
	if j, ok := matchWords(toks, i, "transaction"); ok {
		readOnly, err := txnModes(toks, j)
		if err != nil {
			return err
		}
		if readOnly {
			return pgerror.Unsupported("SET TRANSACTION READ ONLY (use BEGIN READ ONLY)")
		}
		t.emitSet("transaction_isolation", "serializable", false)
		return nil
	}
	if j, ok := matchWords(toks, i, "names"); ok {
		v, err := setValue(toks, j)
		if err != nil {
			return err
		}
		t.emitSet("client_encoding", v, false)
		return nil
	}
	switch {
	case toks[i].is("characteristics") || toks[i].is("session") || toks[i].is("role") || toks[i].is("constraints"):
		return pgerror.Unsupported("SET " + strings.ToUpper(toks[i].text))
	}
	name, j, err := varName(toks, i)
	if err != nil {
		return err
	}
	if j >= len(toks) || !(toks[j].is("to") || toks[j].kind == tokOp && toks[j].text == "=") {
		return unexpected(toks, j)
	}
	j++
	if j < len(toks) && toks[j].is("default") && j+1 == len(toks) {
		t.emitSet(name, "", true)
		return nil
	}
	v, err := setValue(toks, j)
	if err != nil {
		return err
	}
	t.emitSet(name, v, false)
	return nil
}

// varName reads a configuration parameter name (possibly dotted).
func varName(toks []token, i int) (string, int, error) {
	if i >= len(toks) || toks[i].kind != tokIdent && toks[i].kind != tokQIdent {
		return "", i, unexpected(toks, i)
	}
	name := strings.ToLower(toks[i].text)
	i++
	for i+1 < len(toks) && toks[i].kind == tokOp && toks[i].text == "." && (toks[i+1].kind == tokIdent || toks[i+1].kind == tokQIdent) {
		name += "." + strings.ToLower(toks[i+1].text)
		i += 2
	}
	return name, i, nil
}

func (t *translator) reset(toks []token) error {
	name, j, err := varName(toks, 1)
	if err != nil {
		return err
	}
	if j != len(toks) {
		return unexpected(toks, j)
	}
	t.emitSet(name, "", true)
	t.tag = "RESET"
	return nil
}

func (t *translator) show(toks []token) error {
	var name string
	j := 1
	if k, ok := matchWords(toks, 1, "time", "zone"); ok {
		name, j = "timezone", k
	} else if k, ok := matchWords(toks, 1, "transaction", "isolation", "level"); ok {
		name, j = "transaction_isolation", k
	} else if k, ok := matchWords(toks, 1, "session", "authorization"); ok {
		name, j = "session_authorization", k
	} else {
		var err error
		name, j, err = varName(toks, 1)
		if err != nil {
			return err
		}
	}
	if j != len(toks) {
		return unexpected(toks, j)
	}
	t.raw("show session variables")
	if name != "all" {
		t.raw("like")
		t.str(name)
	}
	return nil
}

// columnConstraintWords end a DEFAULT expression in a column definition.
var columnConstraintWords = map[string]bool{
	"not": true, "null": true, "primary": true, "unique": true, "references": true,
	"check": true, "constraint": true, "collate": true, "generated": true, "default": true,
}

// tableConstraintWords start a table element that is not a column.
var tableConstraintWords = map[string]bool{
	"constraint": true, "primary": true, "unique": true, "foreign": true, "check": true,
	"exclude": true, "like": true,
}

func (t *translator) createTable(toks []token) error {
	i := 1
	for !toks[i].is("table") {
		if toks[i].is("temp") || toks[i].is("temporary") || toks[i].is("global") || toks[i].is("local") {
			return pgerror.Unsupported("temporary tables")
		}
		if toks[i].is("unlogged") {
			return pgerror.Unsupported("unlogged tables")
		}
		i++
	}
	// Up to the element list: CREATE TABLE [IF NOT EXISTS] name (
	open := -1
	for k := i; k < len(toks); k++ {
		if toks[k].kind == tokOp && toks[k].text == "(" {
			open = k
			break
		}
		if toks[k].is("as") {
			return pgerror.Unsupported("CREATE TABLE AS")
		}
	}
	if open < 0 {
		return t.general(toks)
	}
	if err := t.general(toks[:open+1]); err != nil {
		return err
	}
	if open > 0 && (toks[open-1].kind == tokIdent || toks[open-1].kind == tokQIdent) {
		t.table = toks[open-1].text
	}
	i = open + 1
	for {
		// One element: toks[i:end], end at ',' or ')' at depth 0.
		end, depth := i, 0
		for ; end < len(toks); end++ {
			if toks[end].kind != tokOp {
				continue
			}
			if toks[end].text == "(" {
				depth++
			} else if toks[end].text == ")" {
				if depth == 0 {
					break
				}
				depth--
			} else if toks[end].text == "," && depth == 0 {
				break
			}
		}
		if end >= len(toks) {
			return syntaxErr(lastPos(toks), "syntax error at end of input")
		}
		if err := t.tableElement(toks[i:end]); err != nil {
			return err
		}
		t.emit(toks[end])
		if toks[end].text == ")" {
			rest := toks[end+1:]
			if len(rest) >= 2 && rest[0].is("with") && rest[1].kind == tokOp && rest[1].text == "(" {
				// Storage parameters (fillfactor, ...) mean nothing to
				// Meridian's storage: accepted and ignored.
				k, depth := 1, 0
				for ; k < len(rest); k++ {
					if rest[k].kind == tokOp && rest[k].text == "(" {
						depth++
					} else if rest[k].kind == tokOp && rest[k].text == ")" {
						depth--
						if depth == 0 {
							break
						}
					}
				}
				if k >= len(rest) {
					return syntaxErr(lastPos(toks), "syntax error at end of input")
				}
				t.notices = append(t.notices, "storage parameters are ignored")
				rest = rest[k+1:]
			}
			return t.general(rest)
		}
		i = end + 1
	}
}

func (t *translator) tableElement(el []token) error {
	if len(el) == 0 {
		return nil
	}
	if el[0].kind == tokIdent && tableConstraintWords[el[0].text] {
		if el[0].is("like") {
			return pgerror.Unsupported("CREATE TABLE ... (LIKE ...)")
		}
		return t.general(el)
	}
	if el[0].kind != tokIdent && el[0].kind != tokQIdent {
		return unexpected(el, 0)
	}
	// The column name is quoted so that words MySQL reserves but
	// PostgreSQL does not (by, key, status, ...) stay names.
	t.quotedIdent(el[0].text)
	if len(el) > 1 {
		if typName, maxVal, ok := serialType(el[1]); ok {
			seq := t.table + "_" + el[0].text + "_seq"
			t.serials = append(t.serials, Serial{Column: el[0].text, Sequence: seq, Max: maxVal})
			t.raw(typName + " not null default")
			t.op("(")
			t.raw(SeqFuncPrefix + "nextval")
			t.op("(")
			t.str(seq)
			t.op(")")
			t.op(")")
			return t.general(el[2:])
		}
	}
	typ, i, err := parseType(el, 1)
	if err != nil {
		return err
	}
	t.raw(ddlSpelling(typ))
	hasDefault, identity := false, false
	for i < len(el) {
		switch {
		case el[i].is("generated"):
			j, err := t.identity(el, i, typ)
			if err != nil {
				return err
			}
			if identity {
				return pgerror.New(pgerror.CodeSyntaxError, "multiple identity specifications for column %q of table %q", el[0].text, t.table)
			}
			identity, i = true, j
		case el[i].is("default"):
			hasDefault = true
			t.emit(el[i])
			j, depth := i+1, 0
			for ; j < len(el); j++ {
				if el[j].kind == tokOp && el[j].text == "(" {
					depth++
				} else if el[j].kind == tokOp && el[j].text == ")" {
					depth--
				} else if depth == 0 && el[j].kind == tokIdent && columnConstraintWords[el[j].text] && j > i+1 {
					break
				}
			}
			t.ident(DefaultFunc)
			t.op("(")
			if err := t.general(el[i+1 : j]); err != nil {
				return err
			}
			t.op(")")
			i = j
		default:
			j := i + 1
			for j < len(el) && !el[j].is("default") && !el[j].is("generated") {
				j++
			}
			if err := t.general(el[i:j]); err != nil {
				return err
			}
			i = j
		}
	}
	if hasDefault && identity {
		return pgerror.New(pgerror.CodeSyntaxError, "both default and identity specified for column %q of table %q", el[0].text, t.table)
	}
	return nil
}

// identity translates GENERATED {BY DEFAULT | ALWAYS} AS IDENTITY
// [(sequence options)] at el[i], of a column of type typ, as a SERIAL with
// the options (its sequence may be named by SEQUENCE NAME); it returns the
// index after it. The executor refuses explicit values for ALWAYS.
func (t *translator) identity(el []token, i int, typ types.T) (int, error) {
	j, ok := matchWords(el, i+1, "by", "default", "as", "identity")
	always := false
	if !ok {
		if j, always = matchWords(el, i+1, "always", "as", "identity"); !always {
			return i, pgerror.Unsupported("generated columns")
		}
	}
	var maxVal int64
	switch typ.OID {
	case types.OIDInt2:
		maxVal = 1<<15 - 1
	case types.OIDInt4:
		maxVal = 1<<31 - 1
	case types.OIDInt8:
		maxVal = 1<<63 - 1
	default:
		return i, pgerror.New(pgerror.CodeInvalidParameterValue, "identity column type must be smallint, integer, or bigint")
	}
	opts := &SeqOptions{}
	if j < len(el) && el[j].kind == tokOp && el[j].text == "(" {
		end, depth := j, 0
		for ; end < len(el); end++ {
			if el[end].kind == tokOp && el[end].text == "(" {
				depth++
			} else if el[end].kind == tokOp && el[end].text == ")" {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if end >= len(el) {
			return i, syntaxErr(lastPos(el), "syntax error at end of input")
		}
		if err := parseSeqOptions(el[j+1:end], opts); err != nil {
			return i, err
		}
		if opts.Type != "" || opts.OwnedBy != nil || opts.OwnedByNone || opts.RestartSet {
			return i, pgerror.New(pgerror.CodeSyntaxError, "invalid sequence option for an identity column")
		}
		j = end + 1
	}
	seq := opts.SequenceName
	if seq == "" {
		seq = t.table + "_" + el[0].text + "_seq"
	}
	t.serials = append(t.serials, Serial{Column: el[0].text, Sequence: seq, Max: maxVal, Identity: true, Always: always, Options: opts})
	t.raw("not null default")
	t.op("(")
	t.raw(SeqFuncPrefix + "nextval")
	t.op("(")
	t.str(seq)
	t.op(")")
	t.op(")")
	return j, nil
}

// alterTable translates ALTER TABLE name action[, ...], each action in its
// MySQL spelling; column definitions as in CREATE TABLE.
func (t *translator) alterTable(toks []token) error {
	i := 2
	if _, ok := matchWords(toks, i, "if", "exists"); ok {
		return pgerror.Unsupported("ALTER TABLE IF EXISTS")
	}
	if i < len(toks) && toks[i].is("only") {
		i++
	}
	// The table name: ident [. ident].
	if i >= len(toks) || toks[i].kind != tokIdent && toks[i].kind != tokQIdent {
		return unexpected(toks, i)
	}
	end := i + 1
	if end+1 < len(toks) && toks[end].kind == tokOp && toks[end].text == "." {
		end += 2
	}
	t.raw("alter table")
	if err := t.general(toks[i:end]); err != nil {
		return err
	}
	if end >= len(toks) {
		return unexpected(toks, end)
	}
	t.table = toks[end-1].text
	for k, action := range splitTopLevel(toks[end:]) {
		if len(action) == 0 {
			return syntaxErr(lastPos(toks), "syntax error at or near \",\"")
		}
		if k > 0 {
			t.op(",")
		}
		if err := t.alterAction(action); err != nil {
			return err
		}
	}
	return nil
}

// splitTopLevel splits toks at the commas outside parentheses.
func splitTopLevel(toks []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for j, tok := range toks {
		if tok.kind != tokOp {
			continue
		}
		switch tok.text {
		case "(":
			depth++
		case ")":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, toks[start:j])
				start = j + 1
			}
		}
	}
	return append(out, toks[start:])
}

func (t *translator) alterAction(a []token) error {
	word := func(i int, w string) bool { return i < len(a) && a[i].is(w) }
	switch {
	case word(0, "add"):
		i := 1
		if word(i, "column") {
			i++
		}
		if i == 1 && word(1, "primary") && word(2, "key") {
			// ADD PRIMARY KEY (cols): the engine rebuilds the table.
			return t.general(a)
		}
		if i == 1 && word(1, "constraint") && len(a) > 4 && word(3, "primary") && word(4, "key") {
			// ADD CONSTRAINT name PRIMARY KEY (cols), as pg_dump writes
			// it: the engine names a primary key table_pkey, so only that
			// name can be kept.
			if a[2].text != t.table+"_pkey" {
				return pgerror.Unsupported("a primary key constraint not named " + t.table + "_pkey")
			}
			t.raw("add")
			return t.general(a[3:])
		}
		// ADD [CONSTRAINT name] UNIQUE (cols), as pg_dump writes unique
		// constraints: a unique index of that name.
		if j := i; word(j, "unique") || (word(j, "constraint") && word(j+2, "unique")) {
			if word(j, "constraint") {
				j += 2
			}
			if j+1 >= len(a) || a[j+1].kind != tokOp || a[j+1].text != "(" {
				return pgerror.Unsupported("this UNIQUE constraint (only a list of columns)")
			}
			return t.general(a)
		}
		if i < len(a) && a[i].kind == tokIdent && tableConstraintWords[a[i].text] {
			return pgerror.Unsupported("ALTER TABLE ADD CONSTRAINT")
		}
		t.raw("add column")
		if word(i, "if") && word(i+1, "not") && word(i+2, "exists") {
			t.raw("if not exists")
			i += 3
		}
		n := len(t.serials)
		if err := t.tableElement(a[i:]); err != nil {
			return err
		}
		if len(t.serials) > n {
			// Its sequence would have to exist before the backfill.
			return pgerror.Unsupported("ALTER TABLE ADD COLUMN of a SERIAL or identity column (add an integer column, " +
				"CREATE SEQUENCE ... OWNED BY it, then ALTER COLUMN ... SET DEFAULT nextval(...))")
		}
		return nil
	case word(0, "drop"):
		i := 1
		if word(i, "constraint") {
			// DROP CONSTRAINT [IF EXISTS] name [RESTRICT | CASCADE], read
			// by the engine as DROP INDEX (which PostgreSQL's ALTER TABLE
			// does not have): a unique constraint is an index, a CHECK is
			// found by name. Without foreign keys nothing depends on a
			// constraint, so CASCADE is RESTRICT.
			t.raw("drop index")
			i++
			if word(i, "if") && word(i+1, "exists") {
				t.raw("if exists")
				i += 2
			}
			if i >= len(a) || a[i].kind != tokIdent && a[i].kind != tokQIdent {
				return unexpected(a, i)
			}
			t.emit(a[i])
			i++
			if word(i, "restrict") || word(i, "cascade") {
				i++
			}
			if i != len(a) {
				return unexpected(a, i)
			}
			return nil
		}
		if word(i, "column") {
			i++
		}
		t.raw("drop column")
		if word(i, "if") && word(i+1, "exists") {
			t.raw("if exists")
			i += 2
		}
		if i >= len(a) {
			return unexpected(a, i)
		}
		t.emit(a[i])
		i++
		if word(i, "restrict") {
			i++
		} else if word(i, "cascade") {
			return pgerror.Unsupported("DROP COLUMN ... CASCADE")
		}
		if i != len(a) {
			return unexpected(a, i)
		}
		return nil
	case word(0, "alter"):
		i := 1
		if word(i, "column") {
			i++
		}
		if i >= len(a) {
			return unexpected(a, i)
		}
		col := a[i]
		i++
		switch {
		case word(i, "set") && word(i+1, "default"):
			t.raw("alter column")
			t.emit(col)
			t.raw("set default")
			t.op("(")
			if err := t.general(a[i+2:]); err != nil {
				return err
			}
			t.op(")")
			return nil
		case word(i, "drop") && word(i+1, "default") && i+2 == len(a):
			t.raw("alter column")
			t.emit(col)
			t.raw("drop default")
			return nil
		}
		return pgerror.Unsupported("ALTER TABLE ALTER COLUMN other than SET/DROP DEFAULT")
	case word(0, "rename"):
		i := 1
		if word(i, "to") {
			t.raw("rename to")
			return t.general(a[2:])
		}
		if word(i, "constraint") {
			return pgerror.Unsupported("ALTER TABLE RENAME CONSTRAINT")
		}
		if word(i, "column") {
			i++
		}
		if !word(i+1, "to") || i+3 != len(a) {
			return unexpected(a, min(i+1, len(a)))
		}
		t.raw("rename column")
		t.emit(a[i])
		t.raw("to")
		t.emit(a[i+2])
		return nil
	}
	if len(a) > 0 && a[0].kind == tokIdent {
		return pgerror.Unsupported("ALTER TABLE " + strings.ToUpper(a[0].text))
	}
	return unexpected(a, 0)
}
