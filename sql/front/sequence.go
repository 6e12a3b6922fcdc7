package front

import (
	"strconv"
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// SequenceStmt is CREATE SEQUENCE or ALTER SEQUENCE with PostgreSQL's
// options, parsed by the front: the TiDB grammar has no OWNED BY, AS type
// or RESTART in PostgreSQL's spelling, and one parser for both statements
// keeps their options in step.
//
//	CREATE SEQUENCE [IF NOT EXISTS] name [options]
//	ALTER SEQUENCE [IF EXISTS] name [options]
//	ALTER SEQUENCE [IF EXISTS] name RENAME TO new_name
//
// options: AS smallint|integer|bigint, INCREMENT [BY] n, MINVALUE n | NO
// MINVALUE, MAXVALUE n | NO MAXVALUE, START [WITH] n, RESTART [[WITH] n]
// (which PostgreSQL takes in CREATE too), CACHE n, [NO] CYCLE, OWNED BY
// table.column | NONE.
type SequenceStmt struct {
	ast.DoStmt
	Alter       bool
	IfExists    bool // ALTER ... IF EXISTS
	IfNotExists bool // CREATE ... IF NOT EXISTS
	Name        string
	Options     SeqOptions
	// RenameTo is ALTER SEQUENCE name RENAME TO RenameTo (no options then).
	RenameTo string
}

// SpecialName implements Special.
func (s *SequenceStmt) SpecialName() string {
	if s.Alter {
		return "ALTER SEQUENCE"
	}
	return "CREATE SEQUENCE"
}

// DropSequenceStmt is DROP SEQUENCE [IF EXISTS] name [, ...] [CASCADE |
// RESTRICT]; CASCADE drops the column defaults that call the sequences.
type DropSequenceStmt struct {
	ast.DoStmt
	IfExists bool
	Names    []string
	Cascade  bool
}

// SpecialName implements Special.
func (*DropSequenceStmt) SpecialName() string { return "DROP SEQUENCE" }

func parseDropSequence(toks []token) (*DropSequenceStmt, error) {
	s := &DropSequenceStmt{}
	i := 2
	if j, ok := matchWords(toks, i, "if", "exists"); ok {
		s.IfExists, i = true, j
	}
	for {
		name, j, err := tableName(toks, i)
		if err != nil {
			return nil, err
		}
		s.Names, i = append(s.Names, name), j
		if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "," {
			i++
			continue
		}
		break
	}
	if i < len(toks) && (toks[i].is("cascade") || toks[i].is("restrict")) {
		s.Cascade = toks[i].is("cascade")
		i++
	}
	if i < len(toks) {
		return nil, unexpected(toks, i)
	}
	return s, nil
}

// SeqOptions are the options a statement gave; nil or false means not
// given, so ALTER keeps the sequence's value.
type SeqOptions struct {
	Type      string // "smallint", "integer" or "bigint"
	Increment *int64
	// Min and Max are set with MinSet/MaxSet; nil is NO MINVALUE/MAXVALUE.
	Min, Max       *int64
	MinSet, MaxSet bool
	Start          *int64
	// Restart is RESTART's value; RestartSet without a value restarts at
	// the start value.
	Restart    *int64
	RestartSet bool
	Cache      *int64
	Cycle      *bool
	// OwnedBy is OWNED BY table.column ({table, column}); OwnedByNone is
	// OWNED BY NONE.
	OwnedBy     []string
	OwnedByNone bool
	// SequenceName is an identity column's SEQUENCE NAME option.
	SequenceName string
}

func parseSequence(toks []token) (*SequenceStmt, error) {
	s := &SequenceStmt{Alter: toks[0].is("alter")}
	i := 2
	if s.Alter && i+1 < len(toks) && toks[i].is("if") && toks[i+1].is("exists") {
		s.IfExists, i = true, i+2
	}
	if !s.Alter && i+2 < len(toks) && toks[i].is("if") && toks[i+1].is("not") && toks[i+2].is("exists") {
		s.IfNotExists, i = true, i+3
	}
	name, i, err := tableName(toks, i)
	if err != nil {
		return nil, err
	}
	s.Name = name
	if s.Alter && i < len(toks) {
		switch {
		case toks[i].is("rename") && i+1 < len(toks) && toks[i+1].is("to"):
			if i+2 >= len(toks) || toks[i+2].kind != tokIdent && toks[i+2].kind != tokQIdent {
				return nil, unexpected(toks, i+2)
			}
			if i+3 < len(toks) {
				return nil, unexpected(toks, i+3)
			}
			s.RenameTo = toks[i+2].text
			return s, nil
		case toks[i].is("owner"), toks[i].is("set"):
			return nil, pgerror.Unsupported("ALTER SEQUENCE ... " + strings.ToUpper(toks[i].text))
		}
	}
	if err := parseSeqOptions(toks[i:], &s.Options); err != nil {
		return nil, err
	}
	if s.Options.SequenceName != "" {
		return nil, pgerror.New(pgerror.CodeSyntaxError, "invalid sequence option SEQUENCE NAME")
	}
	return s, nil
}

// parseSeqOptions reads sequence options (CREATE/ALTER SEQUENCE's, an
// identity column's) from all of toks into o.
func parseSeqOptions(toks []token, o *SeqOptions) error {
	i := 0
	var err error
	seen := map[string]bool{}
	for i < len(toks) {
		opt := toks[i]
		key := opt.text
		if opt.is("no") && i+1 < len(toks) {
			key = toks[i+1].text
		}
		if seen[key] {
			return syntaxErr(opt.pos, "conflicting or redundant options")
		}
		seen[key] = true
		var n int64
		switch {
		case opt.is("as"):
			if i+1 >= len(toks) || toks[i+1].kind != tokIdent {
				return unexpected(toks, i+1)
			}
			switch t := toks[i+1].text; t {
			case "smallint", "int2":
				o.Type = "smallint"
			case "integer", "int", "int4":
				o.Type = "integer"
			case "bigint", "int8":
				o.Type = "bigint"
			default:
				return pgerror.New(pgerror.CodeInvalidParameterValue, "sequence type must be smallint, integer, or bigint")
			}
			i += 2
		case opt.is("increment"):
			i++
			if i < len(toks) && toks[i].is("by") {
				i++
			}
			if n, i, err = seqNumber(toks, i); err != nil {
				return err
			}
			o.Increment = &n
		case opt.is("minvalue"), opt.is("maxvalue"):
			if n, i, err = seqNumber(toks, i+1); err != nil {
				return err
			}
			if opt.is("minvalue") {
				o.Min, o.MinSet = &n, true
			} else {
				o.Max, o.MaxSet = &n, true
			}
		case opt.is("no") && i+1 < len(toks) && toks[i+1].is("minvalue"):
			o.Min, o.MinSet, i = nil, true, i+2
		case opt.is("no") && i+1 < len(toks) && toks[i+1].is("maxvalue"):
			o.Max, o.MaxSet, i = nil, true, i+2
		case opt.is("no") && i+1 < len(toks) && toks[i+1].is("cycle"):
			f := false
			o.Cycle, i = &f, i+2
		case opt.is("cycle"):
			t := true
			o.Cycle, i = &t, i+1
		case opt.is("start"):
			i++
			if i < len(toks) && toks[i].is("with") {
				i++
			}
			if n, i, err = seqNumber(toks, i); err != nil {
				return err
			}
			o.Start = &n
		case opt.is("restart"):
			o.RestartSet = true
			i++
			if i < len(toks) && toks[i].is("with") {
				i++
				if n, i, err = seqNumber(toks, i); err != nil {
					return err
				}
				o.Restart = &n
			} else if i < len(toks) && (toks[i].kind == tokNumber || toks[i].kind == tokOp && (toks[i].text == "-" || toks[i].text == "+")) {
				if n, i, err = seqNumber(toks, i); err != nil {
					return err
				}
				o.Restart = &n
			}
		case opt.is("sequence") && i+2 < len(toks) && toks[i+1].is("name"):
			name, j, err := tableName(toks, i+2)
			if err != nil {
				return err
			}
			o.SequenceName, i = name, j
		case opt.is("cache"):
			if n, i, err = seqNumber(toks, i+1); err != nil {
				return err
			}
			o.Cache = &n
		case opt.is("owned") && i+1 < len(toks) && toks[i+1].is("by"):
			i += 2
			var parts []string
			for i < len(toks) && (toks[i].kind == tokIdent || toks[i].kind == tokQIdent) {
				parts = append(parts, toks[i].text)
				i++
				if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "." {
					i++
					continue
				}
				break
			}
			switch {
			case len(parts) == 1 && parts[0] == "none" && toks[i-1].kind == tokIdent:
				o.OwnedByNone = true
			case len(parts) == 3 && parts[0] == "public":
				o.OwnedBy = parts[1:]
			case len(parts) == 3:
				return pgerror.New(pgerror.CodeInvalidSchemaName, "schema %q does not exist", parts[0])
			case len(parts) == 2:
				o.OwnedBy = parts
			default:
				return pgerror.New(pgerror.CodeSyntaxError, "invalid OWNED BY option").
					WithHint("Specify OWNED BY table.column or OWNED BY NONE.")
			}
		default:
			return unexpected(toks, i)
		}
	}
	return nil
}

// seqNumber reads a signed integer at toks[i].
func seqNumber(toks []token, i int) (int64, int, error) {
	neg := false
	if i < len(toks) && toks[i].kind == tokOp && (toks[i].text == "-" || toks[i].text == "+") {
		neg = toks[i].text == "-"
		i++
	}
	if i >= len(toks) || toks[i].kind != tokNumber {
		return 0, i, unexpected(toks, i)
	}
	text := toks[i].text
	if neg {
		text = "-" + text
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, i, pgerror.New(pgerror.CodeNumericValueOutOfRange, "value %q is out of range for type bigint", text)
		}
		return 0, i, unexpected(toks, i)
	}
	return n, i + 1, nil
}

// IdentityStmt is ALTER TABLE [ONLY] t ALTER [COLUMN] c ADD GENERATED BY
// DEFAULT AS IDENTITY [(sequence options)] (as pg_dump writes identity
// columns) or ... DROP IDENTITY [IF EXISTS], alone in its ALTER TABLE.
type IdentityStmt struct {
	ast.DoStmt
	Table, Column string
	Drop          bool // DROP IDENTITY
	IfExists      bool // DROP IDENTITY IF EXISTS
	Always        bool // ADD GENERATED ALWAYS (else BY DEFAULT)
	Options       SeqOptions
}

// SpecialName implements Special.
func (*IdentityStmt) SpecialName() string { return "ALTER TABLE" }

// parseIdentity recognises an IdentityStmt; ok is false for other ALTER
// TABLE statements.
func parseIdentity(toks []token) (*IdentityStmt, bool, error) {
	i := 2
	if toks[i].is("only") {
		i++
	}
	table, i, err := tableName(toks, i)
	if err != nil {
		return nil, false, nil // the ALTER TABLE translator reports it
	}
	if i >= len(toks) || !toks[i].is("alter") {
		return nil, false, nil
	}
	i++
	if i < len(toks) && toks[i].is("column") {
		i++
	}
	if i+2 >= len(toks) || toks[i].kind != tokIdent && toks[i].kind != tokQIdent {
		return nil, false, nil
	}
	s := &IdentityStmt{Table: table, Column: toks[i].text}
	i++
	switch {
	case toks[i].is("drop") && toks[i+1].is("identity"):
		s.Drop = true
		i += 2
		if j, ok := matchWords(toks, i, "if", "exists"); ok {
			s.IfExists, i = true, j
		}
	case toks[i].is("add") && toks[i+1].is("generated"):
		j, ok := matchWords(toks, i+2, "by", "default", "as", "identity")
		if !ok {
			if j, s.Always = matchWords(toks, i+2, "always", "as", "identity"); !s.Always {
				return nil, true, unexpected(toks, i+2)
			}
		}
		i = j
		if i < len(toks) && toks[i].kind == tokOp && toks[i].text == "(" {
			end := len(toks) - 1
			if toks[end].kind != tokOp || toks[end].text != ")" {
				return nil, true, unexpected(toks, end)
			}
			if err := parseSeqOptions(toks[i+1:end], &s.Options); err != nil {
				return nil, true, err
			}
			o := s.Options
			if o.Type != "" || o.OwnedBy != nil || o.OwnedByNone || o.RestartSet {
				return nil, true, pgerror.New(pgerror.CodeSyntaxError, "invalid sequence option for an identity column")
			}
			i = len(toks)
		}
	default:
		return nil, false, nil
	}
	if i < len(toks) {
		return nil, true, unexpected(toks, i)
	}
	return s, true, nil
}
