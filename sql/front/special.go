package front

import (
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Special is a statement the TiDB grammar lacks, parsed by the front itself
// at token level (COPY, VACUUM, multi-table TRUNCATE, the catalog probe
// pgbench sends). It is a Parsed.AST like any other; it embeds an empty
// ast.DoStmt only to satisfy ast.StmtNode, so visitors see a harmless node.
type Special interface {
	ast.StmtNode
	SpecialName() string
}

// CopyStmt is COPY table [(cols)] FROM STDIN | TO STDOUT [options], or
// COPY (query) TO STDOUT [options].
type CopyStmt struct {
	ast.DoStmt
	Table   string
	Columns []string // empty: every visible column
	// Query is the parsed query of COPY (query) TO STDOUT (Table is empty
	// then); the Parser fills it from query, the translated text.
	Query  *Parsed
	query  *Statement
	From   bool // FROM STDIN; false is TO STDOUT
	CSV    bool
	Binary bool // FORMAT binary (the PGCOPY format)
	Delim  byte
	Null   string
	Header bool
	Quote  byte
	Escape byte
}

// SpecialName implements Special.
func (*CopyStmt) SpecialName() string { return "COPY" }

// NoopStmt is a statement accepted and ignored (VACUUM, ANALYZE,
// CHECKPOINT): Tag is its command tag.
type NoopStmt struct {
	ast.DoStmt
	Tag string
}

// SpecialName implements Special.
func (n *NoopStmt) SpecialName() string { return n.Tag }

// OwnerStmt is ALTER {TABLE | SEQUENCE | VIEW} [ONLY] name OWNER TO role,
// which pg_dump writes after every relation. Meridian models neither
// owners nor privileges, so it changes nothing once the relation is found.
type OwnerStmt struct {
	ast.DoStmt
	Kind         string // "TABLE", "SEQUENCE" or "VIEW"
	Schema, Name string
	Role         string
}

// SpecialName implements Special.
func (o *OwnerStmt) SpecialName() string { return "ALTER " + o.Kind }

// parseOwner parses toks if they are an OwnerStmt; ok is false otherwise.
func parseOwner(toks []token) (*OwnerStmt, bool) {
	n := len(toks)
	if n < 6 || !toks[n-3].is("owner") || !toks[n-2].is("to") ||
		(toks[n-1].kind != tokIdent && toks[n-1].kind != tokQIdent) {
		return nil, false
	}
	o := &OwnerStmt{Role: toks[n-1].text}
	switch {
	case toks[1].is("table"):
		o.Kind = "TABLE"
	case toks[1].is("sequence"):
		o.Kind = "SEQUENCE"
	case toks[1].is("view"):
		o.Kind = "VIEW"
	default:
		return nil, false
	}
	name := toks[2 : n-3]
	if len(name) > 0 && name[0].is("only") && o.Kind == "TABLE" {
		name = name[1:]
	}
	isName := func(t token) bool { return t.kind == tokIdent || t.kind == tokQIdent }
	switch {
	case len(name) == 1 && isName(name[0]):
		o.Name = name[0].text
	case len(name) == 3 && isName(name[0]) && name[1].kind == tokOp && name[1].text == "." && isName(name[2]):
		o.Schema, o.Name = name[0].text, name[2].text
	default:
		return nil, false
	}
	return o, true
}

// TruncateStmt is TRUNCATE [TABLE] t [, ...] [RESTART IDENTITY | CONTINUE
// IDENTITY] [CASCADE | RESTRICT]. CASCADE is RESTRICT: Meridian has no
// foreign keys, so no other table refers to a truncated one.
type TruncateStmt struct {
	ast.DoStmt
	Tables []string
	// RestartIdentity restarts the sequences the tables' columns own.
	RestartIdentity bool
}

// SpecialName implements Special.
func (*TruncateStmt) SpecialName() string { return "TRUNCATE" }

// PartitionProbe is the exact query pgbench (14+) sends at startup to learn
// whether pgbench_accounts is partitioned:
//
//	select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c
//	join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral
//	(select pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n)
//	left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid)
//	left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent)
//	where c.relname = 'NAME' and o.n is not null group by 1, 2 order by 1 asc limit 1
//
// The engine has no general pg_catalog yet, so the front recognises this one
// query (token for token, whitespace and case aside) and the engine answers
// it truthfully from the catalog: one row (1, NULL, 0) when the table exists
// in public (Meridian has no partitioning or inheritance), none otherwise.
type PartitionProbe struct {
	ast.DoStmt
	Table string
}

// SpecialName implements Special.
func (*PartitionProbe) SpecialName() string { return "SELECT" }

const partitionProbe = "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c " +
	"join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral " +
	"(select pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) " +
	"left join pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) " +
	"left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent) " +
	"where c.relname = '?' and o.n is not null group by 1, 2 order by 1 asc limit 1"

var partitionProbeToks = func() []token {
	toks, err := lex(partitionProbe)
	if err != nil {
		panic(err)
	}
	return toks
}()

// matchPartitionProbe reports whether toks are the pgbench probe, and the
// table it asks about.
func matchPartitionProbe(toks []token) (string, bool) {
	if len(toks) != len(partitionProbeToks) {
		return "", false
	}
	name := ""
	for i, want := range partitionProbeToks {
		got := toks[i]
		if want.kind == tokString {
			if got.kind != tokString {
				return "", false
			}
			name = got.text
			continue
		}
		if got.kind != want.kind || got.text != want.text {
			return "", false
		}
	}
	return name, true
}

// special recognises the statements the front parses itself; ok is false
// for everything else.
func special(toks []token) (Special, bool, error) {
	first := toks[0]
	if first.is("alter") {
		if o, ok := parseOwner(toks); ok {
			return o, true, nil
		}
	}
	switch {
	case first.is("copy"):
		s, err := parseCopy(toks)
		return s, true, err
	case first.is("vacuum"):
		return &NoopStmt{Tag: "VACUUM"}, true, nil
	case first.is("analyze") || first.is("analyse"):
		return &NoopStmt{Tag: "ANALYZE"}, true, nil
	case first.is("checkpoint") && len(toks) == 1:
		return &NoopStmt{Tag: "CHECKPOINT"}, true, nil
	case first.is("alter") && len(toks) > 6 && toks[1].is("table") && hasOpt(toks, "identity"):
		if s, ok, err := parseIdentity(toks); ok {
			return s, true, err
		}
	case first.is("drop") && len(toks) > 1 && toks[1].is("sequence"):
		s, err := parseDropSequence(toks)
		return s, true, err
	case (first.is("create") || first.is("alter")) && len(toks) > 1 && toks[1].is("sequence"):
		s, err := parseSequence(toks)
		return s, true, err
	case first.is("create") && len(toks) > 2 && (toks[1].is("temp") || toks[1].is("temporary")) && toks[2].is("sequence"):
		return nil, true, pgerror.Unsupported("temporary sequences")
	case first.is("truncate"):
		s, err := parseTruncate(toks)
		return s, true, err
	case first.is("select") && len(toks) > 10:
		if e, ok := matchEmptyProbe(toks); ok {
			return e, true, nil
		}
		if len(toks) <= 40 {
			break
		}
		if name, ok := matchPartitionProbe(toks); ok {
			return &PartitionProbe{Table: name}, true, nil
		}
	}
	return nil, false, nil
}

// name reads a possibly public-qualified table name at toks[i].
func tableName(toks []token, i int) (string, int, error) {
	if i >= len(toks) || toks[i].kind != tokIdent && toks[i].kind != tokQIdent {
		return "", i, unexpected(toks, i)
	}
	name := toks[i].text
	i++
	if i+1 < len(toks) && toks[i].kind == tokOp && toks[i].text == "." {
		switch name {
		case "public":
		case "pg_catalog", "information_schema":
			return "", i, pgerror.Unsupported("system catalog " + name)
		default:
			return "", i, pgerror.New(pgerror.CodeInvalidSchemaName, "schema %q does not exist", name)
		}
		if toks[i+1].kind != tokIdent && toks[i+1].kind != tokQIdent {
			return "", i, unexpected(toks, i+1)
		}
		name = toks[i+1].text
		i += 2
	}
	return name, i, nil
}

func parseTruncate(toks []token) (*TruncateStmt, error) {
	i := 1
	if i < len(toks) && toks[i].is("table") {
		i++
	}
	s := &TruncateStmt{}
	for {
		if i < len(toks) && toks[i].is("only") {
			i++
		}
		name, j, err := tableName(toks, i)
		if err != nil {
			return nil, err
		}
		s.Tables = append(s.Tables, name)
		i = j
		if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "," {
			i++
			continue
		}
		break
	}
	for i < len(toks) {
		switch {
		case toks[i].is("continue") && i+1 < len(toks) && toks[i+1].is("identity"):
			i += 2
		case toks[i].is("restart") && i+1 < len(toks) && toks[i+1].is("identity"):
			s.RestartIdentity = true
			i += 2
		case toks[i].is("restrict") || toks[i].is("cascade"):
			i++
		default:
			return nil, unexpected(toks, i)
		}
	}
	return s, nil
}

// copyChar reads a one-character string option.
func copyChar(toks []token, i int, what string) (byte, int, error) {
	if i < len(toks) && toks[i].is("as") {
		i++
	}
	if i >= len(toks) || toks[i].kind != tokString {
		return 0, i, unexpected(toks, i)
	}
	if len(toks[i].text) != 1 {
		return 0, i, pgerror.New(pgerror.CodeFeatureNotSupported, "COPY %s must be a single one-byte character", what)
	}
	return toks[i].text[0], i + 1, nil
}

func parseCopy(toks []token) (*CopyStmt, error) {
	s := &CopyStmt{Delim: '\t', Null: `\N`, Quote: '"'}
	i := 1
	if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "(" {
		q, j, err := copyQuery(toks, i)
		if err != nil {
			return nil, err
		}
		s.query, i = q, j
		if i+1 < len(toks) && toks[i].is("from") {
			// PostgreSQL's grammar has no COPY (query) FROM either.
			return nil, unexpected(toks, i)
		}
	} else {
		name, j, err := tableName(toks, i)
		if err != nil {
			return nil, err
		}
		s.Table, i = name, j
	}
	if s.query == nil && i < len(toks) && toks[i].kind == tokOp && toks[i].text == "(" {
		i++
		for {
			if i >= len(toks) || toks[i].kind != tokIdent && toks[i].kind != tokQIdent {
				return nil, unexpected(toks, i)
			}
			s.Columns = append(s.Columns, toks[i].text)
			i++
			if i < len(toks) && toks[i].text == "," && toks[i].kind == tokOp {
				i++
				continue
			}
			if i < len(toks) && toks[i].text == ")" && toks[i].kind == tokOp {
				i++
				break
			}
			return nil, unexpected(toks, i)
		}
	}
	switch {
	case i+1 < len(toks) && toks[i].is("from") && toks[i+1].is("stdin"):
		s.From = true
	case i+1 < len(toks) && toks[i].is("to") && toks[i+1].is("stdout"):
	case i+1 < len(toks) && (toks[i].is("from") || toks[i].is("to")) && (toks[i+1].is("program") || toks[i+1].kind == tokString):
		return nil, pgerror.Unsupported("COPY to or from a file or program (use STDIN/STDOUT, e.g. psql's \\copy)")
	default:
		return nil, unexpected(toks, i)
	}
	i += 2
	if i < len(toks) && toks[i].is("with") {
		i++
	}
	csvSet := false
	if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "(" {
		// The option list: name [value] [, ...].
		i++
		for i < len(toks) && !(toks[i].kind == tokOp && toks[i].text == ")") {
			opt := toks[i]
			if opt.kind != tokIdent {
				return nil, unexpected(toks, i)
			}
			i++
			var val *token
			if i < len(toks) && !(toks[i].kind == tokOp && (toks[i].text == "," || toks[i].text == ")")) {
				if toks[i].kind == tokOp && toks[i].text == "(" {
					return nil, pgerror.Unsupported("COPY option " + opt.text + " with a column list")
				}
				val = &toks[i]
				i++
			}
			boolVal := func() (bool, error) {
				if val == nil {
					return true, nil
				}
				switch strings.ToLower(val.text) {
				case "true", "on", "1", "yes":
					return true, nil
				case "false", "off", "0", "no":
					return false, nil
				}
				return false, pgerror.New(pgerror.CodeSyntaxError, "%s requires a Boolean value", opt.text)
			}
			char := func() (byte, error) {
				if val == nil || val.kind != tokString {
					return 0, pgerror.New(pgerror.CodeSyntaxError, "%s requires a string value", opt.text)
				}
				if len(val.text) != 1 {
					return 0, pgerror.New(pgerror.CodeFeatureNotSupported, "COPY %s must be a single one-byte character", opt.text)
				}
				return val.text[0], nil
			}
			var err error
			switch opt.text {
			case "format":
				if val == nil {
					return nil, pgerror.New(pgerror.CodeSyntaxError, "format requires a value")
				}
				switch strings.ToLower(val.text) {
				case "text":
					s.CSV = false
				case "csv":
					s.CSV = true
				case "binary":
					s.CSV, s.Binary = false, true
				default:
					return nil, pgerror.New(pgerror.CodeInvalidParameterValue, "COPY format %q not recognized", val.text)
				}
				csvSet = true
			case "freeze":
				_, err = boolVal()
			case "header":
				if val != nil && strings.ToLower(val.text) == "match" {
					s.Header = true
				} else {
					s.Header, err = boolVal()
				}
			case "delimiter":
				s.Delim, err = char()
			case "quote":
				s.Quote, err = char()
			case "escape":
				s.Escape, err = char()
			case "null":
				if val == nil || val.kind != tokString {
					return nil, pgerror.New(pgerror.CodeSyntaxError, "null requires a string value")
				}
				s.Null = val.text
			case "encoding":
				if val == nil || !strings.EqualFold(strings.ReplaceAll(val.text, "-", ""), "utf8") {
					return nil, pgerror.Unsupported("COPY encodings other than UTF8")
				}
			default:
				return nil, pgerror.Unsupported("COPY option " + opt.text)
			}
			if err != nil {
				return nil, err
			}
			if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "," {
				i++
			}
		}
		if i >= len(toks) {
			return nil, unexpected(toks, i)
		}
		i++
	} else {
		// The pre-9.0 option spelling psql's \copy still sends.
		for i < len(toks) {
			var err error
			switch {
			case toks[i].is("binary"):
				s.CSV, s.Binary = false, true
				i++
			case toks[i].is("csv"):
				s.CSV, csvSet = true, true
				i++
			case toks[i].is("header"):
				s.Header = true
				i++
			case toks[i].is("freeze"):
				i++
			case toks[i].is("delimiter"):
				s.Delim, i, err = copyChar(toks, i+1, "delimiter")
			case toks[i].is("null"):
				if i+1 < len(toks) && toks[i+1].is("as") {
					i++
				}
				if i+1 >= len(toks) || toks[i+1].kind != tokString {
					return nil, unexpected(toks, i+1)
				}
				s.Null = toks[i+1].text
				i += 2
			case toks[i].is("quote"):
				s.Quote, i, err = copyChar(toks, i+1, "quote")
			case toks[i].is("escape"):
				s.Escape, i, err = copyChar(toks, i+1, "escape")
			case toks[i].is("force"):
				return nil, pgerror.Unsupported("COPY FORCE options")
			default:
				return nil, unexpected(toks, i)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if i < len(toks) {
		return nil, unexpected(toks, i)
	}
	_ = csvSet
	if s.Binary {
		if s.Header {
			return nil, pgerror.New(pgerror.CodeSyntaxError, "cannot specify HEADER in BINARY mode")
		}
		return s, nil
	}
	if s.CSV {
		// CSV's defaults differ from text's where the client left them.
		if !hasOpt(toks, "delimiter") {
			s.Delim = ','
		}
		if !hasOpt(toks, "null") {
			s.Null = ""
		}
		if s.Escape == 0 {
			s.Escape = s.Quote
		}
	}
	if s.Delim == '\n' || s.Delim == '\r' || (!s.CSV && s.Delim == '\\') {
		return nil, pgerror.New(pgerror.CodeInvalidParameterValue, "COPY delimiter cannot be newline, carriage return or backslash")
	}
	return s, nil
}

// copyQuery translates the parenthesised query of COPY (query) TO at
// toks[i]; it returns the index after the closing parenthesis.
func copyQuery(toks []token, i int) (*Statement, int, error) {
	depth, end := 0, -1
	for j := i; j < len(toks) && end < 0; j++ {
		if toks[j].kind != tokOp {
			continue
		}
		switch toks[j].text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				end = j
			}
		}
	}
	if end < 0 {
		return nil, i, syntaxErr(lastPos(toks), "syntax error at end of input")
	}
	inner := toks[i+1 : end]
	if len(inner) == 0 {
		return nil, i, unexpected(toks, end)
	}
	first := inner[0]
	switch {
	case first.is("values"):
		return nil, i, pgerror.Unsupported("VALUES and TABLE statements")
	case first.is("select") || first.is("with") || first.is("table") || first.kind == tokOp && first.text == "(":
	case first.is("insert") || first.is("update") || first.is("delete"):
		return nil, i, pgerror.Unsupported("COPY (" + strings.ToUpper(first.text) + " ... RETURNING) TO")
	default:
		return nil, i, unexpected(toks, i+1)
	}
	st, err := translateStmt(inner)
	if err != nil {
		return nil, i, err
	}
	if st.Special != nil {
		return nil, i, pgerror.Unsupported("COPY of this query")
	}
	if st.NumParams > 0 {
		// As PostgreSQL: COPY takes no parameters, even in the extended protocol.
		for _, tok := range inner {
			if tok.kind == tokParam {
				e := pgerror.New(pgerror.CodeUndefinedParameter, "there is no parameter $%d", tok.num)
				e.Position = int32(tok.pos + 1)
				return nil, i, e
			}
		}
	}
	return &st, end + 1, nil
}

func hasOpt(toks []token, name string) bool {
	for _, t := range toks {
		if t.is(name) {
			return true
		}
	}
	return false
}

// Serial is a SERIAL or identity column of a CREATE TABLE: the column was
// translated to its integer type, NOT NULL, DEFAULT nextval('Sequence'),
// and the engine creates Sequence (owned by the column) with the table.
type Serial struct {
	Column   string
	Sequence string
	Max      int64 // the column type's maximum
	// Identity marks GENERATED {BY DEFAULT | ALWAYS} AS IDENTITY (Always),
	// whose sequence options are Options (nil for SERIAL).
	Identity bool
	Always   bool
	Options  *SeqOptions
}

// serialType returns the integer type name and maximum of a SERIAL type
// name, or ok false.
func serialType(tok token) (typ string, maxVal int64, ok bool) {
	if tok.kind != tokIdent {
		return "", 0, false
	}
	switch tok.text {
	case "serial", "serial4":
		return "int", 1<<31 - 1, true
	case "bigserial", "serial8":
		return "bigint", 1<<63 - 1, true
	case "smallserial", "serial2":
		return "smallint", 1<<15 - 1, true
	}
	return "", 0, false
}

// SeqFuncPrefix is prepended to the sequence functions' names (SeqFuncs),
// which the TiDB grammar would otherwise read as its own syntax.
const SeqFuncPrefix = "meridian_"

// SeqFuncs are the sequence functions renamed with SeqFuncPrefix.
var SeqFuncs = map[string]bool{"nextval": true, "currval": true, "setval": true, "lastval": true}

// UnprefixSeqFunc returns a function name without SeqFuncPrefix, and the
// name of the type a reg* cast function stands for (a result column's
// name, as PostgreSQL names a cast's column by its type).
func UnprefixSeqFunc(name string) string {
	if name == RegclassOIDFunc {
		return "regclass"
	}
	if rest, ok := strings.CutPrefix(name, SeqFuncPrefix); ok && (SeqFuncs[rest] || regTypes[rest]) {
		return rest
	}
	return name
}
