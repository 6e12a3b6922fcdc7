package sql

import (
	"strconv"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
	ptypes "github.com/pingcap/tidb/pkg/parser/types"

	"github.com/meridiandb/meridian/sql/front"
)

// Simple-protocol clients send the same statement again and again with
// different constants (pgbench -S: SELECT abalance FROM pgbench_accounts
// WHERE aid = 48213). Parsing was a fifth of such a query's cost, so a
// session keeps, per statement shape (the text with its integer literals
// blanked out), a parsed template whose literal nodes it overwrites with
// the constants of each new query.
//
// A template is made only when that is provably the same as parsing:
// the shape is parsed with distinct sentinel values in place of the
// literals; each sentinel must come out as exactly one integer literal
// node, and the template, with the query's own values put in those
// nodes, must print back (front.Restore) exactly as the query's own parse
// does. A literal the translator turns into something else (ORDER BY 1,
// varchar(10), a folded -1) fails that check and the shape is parsed
// every time. Only single SELECTs without parameters are templated: their
// Parsed carries nothing but the AST that could depend on a literal.
//
// Reusing an AST across executions is what prepared statements already
// do: planning does not change the AST it reads.

// maxShapes bounds a session's templates and its shapes seen once; when
// full they start over.
const maxShapes = 128

// maxTemplated bounds the literals of a templated statement (and so the
// sentinel values, which must stay distinct int4 values).
const maxTemplated = 64

// sentinelBase is the first sentinel value: an int4 literal, like every
// literal a template takes, so the sentinel parses to the same kind of
// node.
const sentinelBase = 1_000_000_000

type stmtCache struct {
	// prepared are the parses of statements prepared before, by text:
	// drivers prepare the same text again and again (pgbench -M extended
	// before every execution, pgx for every new connection-level cache
	// miss), and a prepared statement's AST is only read.
	prepared  map[string]front.Parsed
	templates map[string]*stmtTemplate
	// seen are shapes parsed once: a template is made at the second
	// sighting, so one-off statements do not pay for the sentinel parse.
	seen map[string]struct{}
	// key, vals and offs are scratch space for literalShape.
	key  []byte
	vals []int64
	offs []int
}

type stmtTemplate struct {
	parsed front.Parsed
	// lits are the literal nodes of parsed.AST, in text order.
	lits []*test_driver.ValueExpr
}

// bind puts vals in the template's literal nodes.
func (t *stmtTemplate) bind(vals []int64) {
	for i, n := range t.lits {
		n.SetInt64(vals[i])
		var ft ptypes.FieldType
		test_driver.DefaultTypeForValue(vals[i], &ft, "", "")
		n.Type = ft
	}
}

// parseSimple parses a simple-protocol query, through the session's
// templates when its shape has one.
func (s *session) parseSimple(query string) ([]front.Parsed, error) {
	c := &s.stmtCache
	var ok bool
	c.key, c.vals, c.offs, ok = literalShape(c.key[:0], c.vals[:0], c.offs[:0], query)
	if !ok || len(c.vals) == 0 {
		return s.parser.Parse(query)
	}
	if t := c.templates[string(c.key)]; t != nil {
		t.bind(c.vals)
		return []front.Parsed{t.parsed}, nil
	}
	stmts, err := s.parser.Parse(query)
	if err != nil || !templatable(stmts) {
		return stmts, err
	}
	key := string(c.key)
	if _, ok := c.seen[key]; !ok {
		if c.seen == nil || len(c.seen) >= maxShapes {
			c.seen = make(map[string]struct{})
		}
		c.seen[key] = struct{}{}
		return stmts, nil
	}
	delete(c.seen, key)
	if t := s.makeTemplate(query, c.offs, c.vals, stmts[0]); t != nil {
		if c.templates == nil || len(c.templates) >= maxShapes {
			c.templates = make(map[string]*stmtTemplate)
		}
		c.templates[key] = t
	}
	return stmts, nil
}

// parsePrepared parses the text of a statement to prepare, reusing the
// parse of the same text prepared before. The caller must not change the
// AST it gets.
func (s *session) parsePrepared(query string) ([]front.Parsed, error) {
	c := &s.stmtCache
	if st, ok := c.prepared[query]; ok {
		return []front.Parsed{st}, nil
	}
	stmts, err := s.parser.Parse(query)
	if err != nil || len(stmts) != 1 {
		return stmts, err
	}
	switch stmts[0].AST.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		if c.prepared == nil || len(c.prepared) >= maxShapes {
			c.prepared = make(map[string]front.Parsed)
		}
		c.prepared[query] = stmts[0]
	}
	return stmts, nil
}

// templatable reports whether a parse is one a template can stand for.
func templatable(stmts []front.Parsed) bool {
	if len(stmts) != 1 {
		return false
	}
	st := &stmts[0]
	_, sel := st.AST.(*ast.SelectStmt)
	return sel && st.NumParams == 0 && len(st.Params) == 0 && len(st.Markers) == 0 &&
		st.Returning == nil && st.OnConflict == nil && len(st.Serials) == 0 && len(st.Notices) == 0
}

// makeTemplate parses query's shape with sentinels at the literals (at
// byte offsets offs) and checks it against orig, query's own parse with
// literal values vals. It returns nil when the shape cannot be templated.
func (s *session) makeTemplate(query string, offs []int, vals []int64, orig front.Parsed) *stmtTemplate {
	if len(vals) > maxTemplated {
		return nil
	}
	var b []byte
	last := 0
	want := make(map[int64]int, len(vals))
	for i, off := range offs {
		end := off
		for end < len(query) && isDigit(query[end]) {
			end++
		}
		sv := int64(sentinelBase + i)
		want[sv] = i
		b = append(b, query[last:off]...)
		b = strconv.AppendInt(b, sv, 10)
		last = end
	}
	b = append(b, query[last:]...)
	stmts, err := s.parser.Parse(string(b))
	if err != nil || !templatable(stmts) {
		return nil
	}
	f := &literalFinder{want: want, nodes: make([]*test_driver.ValueExpr, len(vals)), count: make([]int, len(vals))}
	stmts[0].AST.Accept(f)
	for _, n := range f.count {
		if n != 1 {
			return nil
		}
	}
	t := &stmtTemplate{parsed: stmts[0], lits: f.nodes}
	t.bind(vals)
	got, err1 := front.Restore(t.parsed.AST)
	exp, err2 := front.Restore(orig.AST)
	if err1 != nil || err2 != nil || got != exp {
		return nil
	}
	return t
}

// literalFinder collects the integer literal nodes holding wanted values.
type literalFinder struct {
	want  map[int64]int
	nodes []*test_driver.ValueExpr
	count []int
}

func (f *literalFinder) Enter(n ast.Node) (ast.Node, bool) {
	if v, ok := n.(*test_driver.ValueExpr); ok && v.Kind() == test_driver.KindInt64 {
		if i, ok := f.want[v.GetInt64()]; ok {
			f.nodes[i] = v
			f.count[i]++
		}
	}
	return n, false
}

func (f *literalFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isIdentByte(c byte) bool {
	return c == '_' || c >= 0x80 || isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'z'
}

// literalShape appends to key the shape of query: its text with every
// plain integer literal below 2^31 replaced by a NUL byte, and to vals
// their values (offs are their byte offsets). ok is false when the query
// holds anything this scanner does not follow exactly (comments, dollar
// quotes, escape strings, parameters, NUL bytes), or a number that is not
// a plain integer (1.5, 1e3, 0x1F, 1_000): such a query is just parsed.
func literalShape(key []byte, vals []int64, offs []int, query string) (_ []byte, _ []int64, _ []int, ok bool) {
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == 0 || c == '$' || c == '\\':
			return key, vals, offs, false
		case c == '-' && i+1 < len(query) && query[i+1] == '-',
			c == '/' && i+1 < len(query) && query[i+1] == '*':
			return key, vals, offs, false
		case c == '\'' || c == '"':
			// A string or quoted identifier, doubled quotes inside. A prefix
			// (E'', B'', U&"") was consumed as an identifier just before.
			if c == '\'' && i > 0 && isIdentByte(query[i-1]) {
				return key, vals, offs, false
			}
			j := i + 1
			for {
				if j >= len(query) {
					return key, vals, offs, false
				}
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			key = append(key, query[i:j+1]...)
			i = j + 1
		case isDigit(c):
			j := i
			for j < len(query) && isDigit(query[j]) {
				j++
			}
			if i > 0 && query[i-1] == '.' || j < len(query) && (query[j] == '.' || isIdentByte(query[j])) {
				return key, vals, offs, false
			}
			v, err := strconv.ParseInt(query[i:j], 10, 64)
			if err != nil || v >= 1<<31 {
				key = append(key, query[i:j]...)
			} else {
				key = append(key, 0)
				vals = append(vals, v)
				offs = append(offs, i)
			}
			i = j
		case isIdentByte(c):
			j := i
			for j < len(query) && isIdentByte(query[j]) {
				j++
			}
			key = append(key, query[i:j]...)
			i = j
		default:
			key = append(key, c)
			i++
		}
	}
	return key, vals, offs, true
}
