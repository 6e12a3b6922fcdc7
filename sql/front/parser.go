package front

import (
	"sort"
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// SQLMode is the TiDB parser's mode: "x" is an identifier, backslashes in
// '...' are literal, || concatenates.
const SQLMode = mysql.ModeANSIQuotes | mysql.ModeNoBackslashEscapes | mysql.ModePipesAsConcat

// Parsed is one parsed statement.
type Parsed struct {
	AST ast.StmtNode
	// Markers are the statement's ? markers in text order; Markers[i] came
	// from $Params[i].
	Markers []*test_driver.ParamMarkerExpr
	Params  []int
	// NumParams is the highest $n used.
	NumParams int
	// Returning is the RETURNING list of an INSERT, UPDATE or DELETE, or nil.
	Returning []*ast.SelectField
	// OnConflict is INSERT's ON CONFLICT clause, or nil.
	OnConflict *OnConflict
	// Translated is the text the TiDB parser read.
	Translated string
	// Serials are CREATE TABLE's SERIAL columns (see Serial).
	Serials []Serial
	// Notices are NOTICE messages to send when the statement runs.
	Notices []string
	// Tag, if set, is the command tag to complete with (see Statement.Tag).
	Tag string
	// OverridingSystemValue marks INSERT ... OVERRIDING SYSTEM VALUE: it
	// may give GENERATED ALWAYS identity columns values.
	OverridingSystemValue bool
}

// OnConflict is a parsed ON CONFLICT clause. In Set and Where, the
// existing row's columns are plain (or qualified by the table) and the
// proposed row's are qualified by "excluded".
type OnConflict struct {
	Target     []string
	Constraint string
	DoNothing  bool
	Set        []*ast.Assignment
	Where      ast.ExprNode
}

// ParamIndex returns the 0-based parameter ($n-1) a marker stands for.
func (p *Parsed) ParamIndex(m *test_driver.ParamMarkerExpr) int {
	for i, x := range p.Markers {
		if x == m {
			return p.Params[i] - 1
		}
	}
	return -1
}

// Parser parses PostgreSQL-dialect SQL. One per session; not safe for
// concurrent use.
type Parser struct {
	p *parser.Parser
}

// NewParser returns a parser.
func NewParser() *Parser {
	p := parser.New()
	p.SetSQLMode(SQLMode)
	return &Parser{p: p}
}

// Parse translates and parses sql into its statements.
func (p *Parser) Parse(sql string) (_ []Parsed, err error) {
	defer func() {
		// The TiDB parser must not take a session down with it.
		if r := recover(); r != nil {
			err = pgerror.New(pgerror.CodeSyntaxError, "syntax error: the parser failed on this input: %v", r)
		}
	}()
	stmts, err := Translate(sql)
	if err != nil {
		return nil, err
	}
	out := make([]Parsed, 0, len(stmts))
	for _, st := range stmts {
		if st.Special != nil {
			if cs, ok := st.Special.(*CopyStmt); ok && cs.query != nil {
				q, err := p.parseOne(*cs.query, sql)
				if err != nil {
					return nil, err
				}
				cs.Query, cs.query = &q, nil
			}
			out = append(out, Parsed{AST: st.Special})
			continue
		}
		parsed, err := p.parseOne(st, sql)
		if err != nil {
			return nil, err
		}
		out = append(out, parsed)
	}
	return out, nil
}

// parseOne parses one translated statement; src is the client's text.
func (p *Parser) parseOne(st Statement, src string) (Parsed, error) {
	nodes, _, err := p.p.Parse(st.SQL, "", "")
	if err != nil {
		return Parsed{}, syntaxAt(err, st, src)
	}
	if len(nodes) != 1 {
		return Parsed{}, pgerror.New(pgerror.CodeSyntaxError, "syntax error: expected one statement")
	}
	markers := collectMarkers(nodes[0])
	parsed := Parsed{AST: nodes[0], Params: st.Params, NumParams: st.NumParams, Translated: st.SQL, Serials: st.Serials, Notices: st.Notices, Tag: st.Tag,
		OverridingSystemValue: st.OverridingSystemValue}
	if cc := st.OnConflict; cc != nil {
		oc := &OnConflict{Target: cc.Target, Constraint: cc.Constraint, DoNothing: cc.DoNothing}
		if !cc.DoNothing {
			unodes, _, err := p.p.Parse(cc.Update, "", "")
			if err != nil {
				return Parsed{}, syntaxAt(err, Statement{SQL: cc.Update, spans: cc.spans}, src)
			}
			upd, ok := unodes[0].(*ast.UpdateStmt)
			if len(unodes) != 1 || !ok || upd.Order != nil || upd.Limit != nil {
				return Parsed{}, pgerror.New(pgerror.CodeSyntaxError, "syntax error in ON CONFLICT DO UPDATE")
			}
			oc.Set, oc.Where = upd.List, upd.Where
			markers = append(markers, collectMarkers(upd)...)
		}
		parsed.OnConflict = oc
	}
	if st.Returning != "" {
		rnodes, _, err := p.p.Parse(st.Returning, "", "")
		if err != nil {
			return Parsed{}, syntaxAt(err, Statement{SQL: st.Returning, spans: st.retSpans}, src)
		}
		sel, ok := rnodes[0].(*ast.SelectStmt)
		if len(rnodes) != 1 || !ok || sel.From != nil || sel.Where != nil || sel.OrderBy != nil || sel.Limit != nil {
			return Parsed{}, pgerror.New(pgerror.CodeSyntaxError, "syntax error in RETURNING")
		}
		parsed.Returning = sel.Fields.Fields
		markers = append(markers, collectMarkers(sel)...)
	}
	if len(markers) != len(st.Params) {
		return Parsed{}, pgerror.New(pgerror.CodeSyntaxError, "syntax error: parameter markers in an unsupported position")
	}
	parsed.Markers = markers
	return parsed, nil
}

func syntaxFromTiDB(err error) error {
	msg := err.Error()
	// "[parser:1064]You have an error in your SQL syntax; ... near "x" "
	if i := strings.Index(msg, "near "); i >= 0 {
		msg = "syntax error at or " + msg[i:]
	} else if i := strings.Index(msg, "]"); i >= 0 {
		msg = msg[i+1:]
	}
	return pgerror.New(pgerror.CodeSyntaxError, "%s", strings.TrimSpace(msg))
}

// syntaxAt turns a TiDB syntax error into PostgreSQL's "syntax error at or
// near "token"" with the token's position in the client's text.
func syntaxAt(err error, st Statement, src string) error {
	msg := err.Error()
	i := strings.Index(msg, `near "`)
	j := strings.LastIndex(msg, `"`)
	if i < 0 || j < i+6 {
		return syntaxFromTiDB(err)
	}
	rest := msg[i+6 : j]
	if !strings.HasSuffix(st.SQL, rest) {
		return syntaxFromTiDB(err)
	}
	off := len(st.SQL) - len(rest)
	if strings.TrimSpace(rest) == "" {
		e := pgerror.New(pgerror.CodeSyntaxError, "syntax error at end of input")
		if n := len(st.spans); n > 0 {
			e.Position = int32(st.spans[n-1].end + 1)
		}
		return e
	}
	k := sort.Search(len(st.spans), func(k int) bool { return st.spans[k].out > off }) - 1
	if k < 0 {
		return syntaxFromTiDB(err)
	}
	sp := st.spans[k]
	e := pgerror.New(pgerror.CodeSyntaxError, "syntax error at or near %q", src[sp.pos:sp.end])
	e.Position = int32(sp.pos + 1)
	return e
}

// collectMarkers returns the ? markers of n in text order.
func collectMarkers(n ast.Node) []*test_driver.ParamMarkerExpr {
	v := &markerCollector{}
	n.Accept(v)
	sort.Slice(v.markers, func(i, j int) bool { return v.markers[i].Offset < v.markers[j].Offset })
	return v.markers
}

type markerCollector struct {
	markers []*test_driver.ParamMarkerExpr
}

func (v *markerCollector) Enter(n ast.Node) (ast.Node, bool) {
	if m, ok := n.(*test_driver.ParamMarkerExpr); ok {
		v.markers = append(v.markers, m)
	}
	return n, false
}

func (v *markerCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// ParseTranslated parses text already in the TiDB dialect the front
// produces (a stored DEFAULT expression, say). It must hold one statement.
func (p *Parser) ParseTranslated(sql string) (*Parsed, error) {
	nodes, _, err := p.p.Parse(sql, "", "")
	if err != nil {
		return nil, syntaxFromTiDB(err)
	}
	if len(nodes) != 1 {
		return nil, pgerror.New(pgerror.CodeSyntaxError, "syntax error: expected one statement")
	}
	return &Parsed{AST: nodes[0], Translated: sql}, nil
}

// Restore prints a node back in the dialect ParseTranslated reads.
func Restore(n ast.Node) (string, error) {
	var b strings.Builder
	flags := format.RestoreStringSingleQuotes | format.RestoreNameDoubleQuotes |
		format.RestoreKeyWordLowercase | format.RestoreStringWithoutCharset
	if err := n.Restore(format.NewRestoreCtx(flags, &b)); err != nil {
		return "", err
	}
	return b.String(), nil
}
