package shell

import "strings"

// lexState is where the splitter is inside SQL text.
type lexState uint8

const (
	lexNormal       lexState = iota
	lexSingleQuote           // '...' or E'...' (see splitter.escapes)
	lexDoubleQuote           // "..."
	lexDollarQuote           // $tag$...$tag$ (see splitter.tag)
	lexBlockComment          // /* ... */, nested (see splitter.depth)
	lexLineComment           // -- to the end of the line
)

// splitter accumulates input lines and cuts them into statements at each
// semicolon that is outside quotes, dollar quotes, comments and parentheses,
// as psql does. It is a pure state machine: feed it lines, it returns the
// statements they complete.
//
// Invariant: buf is empty or ends with '\n' between calls, so every
// one-character lookahead the scanner needs (a doubled quote inside a
// string, the second character of -- and /*) is inside buf.
type splitter struct {
	buf   []byte
	i     int // next byte of buf to scan
	state lexState
	// escapes is set in lexSingleQuote when the string is an E'' string, in
	// which a backslash escapes the next character.
	escapes bool
	tag     string // the opening $tag$ in lexDollarQuote
	depth   int    // nesting of /* */ in lexBlockComment
	parens  int    // open parentheses in lexNormal text
	// content is set once the current statement has text other than
	// whitespace and comments.
	content bool
}

// feed adds one line (without its newline) and returns the statements it
// completes, trimmed and without their terminating semicolons. Empty
// statements (a lone ";") are dropped.
func (s *splitter) feed(line string) []string {
	s.buf = append(s.buf, line...)
	s.buf = append(s.buf, '\n')
	var out []string
	for ; s.i < len(s.buf); s.i++ {
		c := s.buf[s.i]
		switch s.state {
		case lexNormal:
			if c == ';' && s.parens == 0 {
				if s.content {
					out = append(out, strings.TrimSpace(string(s.buf[:s.i])))
				}
				s.buf = s.buf[s.i+1:]
				s.i = -1
				s.content = false
				continue
			}
			s.scanNormal(c)
		case lexSingleQuote:
			switch {
			case c == '\\' && s.escapes:
				s.i++
			case c == '\'' && s.peek(1) == '\'':
				s.i++
			case c == '\'':
				s.state = lexNormal
			}
		case lexDoubleQuote:
			switch {
			case c == '"' && s.peek(1) == '"':
				s.i++
			case c == '"':
				s.state = lexNormal
			}
		case lexDollarQuote:
			if c == '$' && strings.HasPrefix(string(s.buf[s.i:]), s.tag) {
				s.i += len(s.tag) - 1
				s.state = lexNormal
			}
		case lexBlockComment:
			switch {
			case c == '/' && s.peek(1) == '*':
				s.depth++
				s.i++
			case c == '*' && s.peek(1) == '/':
				s.depth--
				s.i++
				if s.depth == 0 {
					s.state = lexNormal
				}
			}
		case lexLineComment:
			if c == '\n' {
				s.state = lexNormal
			}
		}
	}
	if !s.content && s.state == lexNormal {
		// Only whitespace and finished comments: nothing to keep.
		s.reset()
	}
	return out
}

// scanNormal handles byte c at s.i outside quotes and comments.
func (s *splitter) scanNormal(c byte) {
	switch {
	case c == '-' && s.peek(1) == '-':
		s.state = lexLineComment
		s.i++
	case c == '/' && s.peek(1) == '*':
		s.state = lexBlockComment
		s.depth = 1
		s.i++
	case c == '\'':
		s.state = lexSingleQuote
		s.content = true
		// E'...' (or e'...'): the E must not end a longer identifier.
		s.escapes = s.i > 0 && (s.buf[s.i-1] == 'E' || s.buf[s.i-1] == 'e') &&
			(s.i == 1 || !isIdentByte(s.buf[s.i-2]))
	case c == '"':
		s.state = lexDoubleQuote
		s.content = true
	case c == '$':
		s.content = true
		if s.i > 0 && isIdentByte(s.buf[s.i-1]) {
			return // part of an identifier such as a$b
		}
		if tag, ok := dollarTag(s.buf[s.i:]); ok {
			s.state = lexDollarQuote
			s.tag = tag
			s.i += len(tag) - 1
		}
	case c == '(':
		s.parens++
		s.content = true
	case c == ')':
		if s.parens > 0 {
			s.parens--
		}
		s.content = true
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
	default:
		s.content = true
	}
}

// dollarTag returns the $tag$ (or $$) that b starts with, if any. A $
// followed by digits is a parameter ($1), not a quote.
func dollarTag(b []byte) (string, bool) {
	for j := 1; j < len(b); j++ {
		c := b[j]
		switch {
		case c == '$':
			return string(b[:j+1]), true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
		case c >= '0' && c <= '9' && j > 1:
		default:
			return "", false
		}
	}
	return "", false
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func (s *splitter) peek(n int) byte {
	if s.i+n < len(s.buf) {
		return s.buf[s.i+n]
	}
	return 0
}

// pending reports whether part of a statement is buffered, i.e. whether the
// next prompt is a continuation prompt.
func (s *splitter) pending() bool { return len(s.buf) > 0 }

// atTopLevel reports whether the next line starts outside quotes and
// comments, where a backslash begins a meta-command.
func (s *splitter) atTopLevel() bool { return s.state == lexNormal }

// flush returns the buffered partial statement, if it has content, and
// resets. It is used at end of input and by \g.
func (s *splitter) flush() (string, bool) {
	stmt, ok := strings.TrimSpace(string(s.buf)), s.content
	s.reset()
	return stmt, ok
}

// reset discards everything buffered.
func (s *splitter) reset() { *s = splitter{} }

// promptChar is psql's %R for a continuation prompt: what the next line
// continues.
func (s *splitter) promptChar() byte {
	switch s.state {
	case lexSingleQuote:
		return '\''
	case lexDoubleQuote:
		return '"'
	case lexDollarQuote:
		return '$'
	case lexBlockComment:
		return '*'
	}
	if s.parens > 0 {
		return '('
	}
	return '-'
}
