package front

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/meridiandb/meridian/sql/pgerror"
)

// tokKind classifies a PostgreSQL token.
type tokKind uint8

const (
	tokIdent  tokKind = iota // unquoted identifier or keyword, lower-cased
	tokQIdent                // "quoted identifier"; text is the raw name
	tokString                // string literal; text is the value
	tokNumber                // numeric literal
	tokParam                 // $n; num is n
	tokOp                    // operator or punctuation
	tokRaw                   // already-translated text emitted verbatim
)

// token is one lexical token. space records whether whitespace or a comment
// preceded it, so that the output keeps the tokens apart.
type token struct {
	kind  tokKind
	text  string
	num   int
	space bool
	pos   int // byte offset in the input
	end   int // byte offset after the token in the input
}

func (t token) is(word string) bool { return t.kind == tokIdent && t.text == word }

func syntaxErr(pos int, format string, args ...any) error {
	e := pgerror.New(pgerror.CodeSyntaxError, format, args...)
	e.Position = int32(pos + 1)
	return e
}

// lex splits s into tokens with PostgreSQL's lexical rules.
func lex(s string) ([]token, error) {
	var toks []token
	space := false
	i := 0
	for i < len(s) {
		c := s[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			space = true
			i++
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			space = true
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			depth := 0
			for {
				if i+1 >= len(s) {
					return nil, syntaxErr(start, "unterminated /* comment at or near %q", s[start:min(len(s), start+10)])
				}
				if s[i] == '/' && s[i+1] == '*' {
					depth++
					i += 2
					continue
				}
				if s[i] == '*' && s[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
					continue
				}
				i++
			}
			space = true
			continue
		case c == '\'':
			v, n, err := lexString(s[i:], false)
			if err != nil {
				return nil, syntaxErr(start, "%s", err.Error())
			}
			toks = append(toks, token{kind: tokString, text: v, space: space, pos: start})
			i += n
		case (c == 'e' || c == 'E') && i+1 < len(s) && s[i+1] == '\'':
			v, n, err := lexString(s[i+1:], true)
			if err != nil {
				return nil, syntaxErr(start, "%s", err.Error())
			}
			if !utf8.ValidString(v) {
				return nil, pgerror.New(pgerror.CodeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
			}
			toks = append(toks, token{kind: tokString, text: v, space: space, pos: start})
			i += n + 1
		case (c == 'b' || c == 'B' || c == 'x' || c == 'X') && i+1 < len(s) && s[i+1] == '\'':
			return nil, pgerror.Unsupported("bit string constants (B'...' and X'...')")
		case (c == 'u' || c == 'U') && i+2 < len(s) && s[i+1] == '&' && (s[i+2] == '\'' || s[i+2] == '"'):
			return nil, pgerror.Unsupported("Unicode escape strings (U&'...')")
		case (c == 'n' || c == 'N') && i+1 < len(s) && s[i+1] == '\'':
			// National character strings are ordinary strings in PostgreSQL.
			v, n, err := lexString(s[i+1:], false)
			if err != nil {
				return nil, syntaxErr(start, "%s", err.Error())
			}
			toks = append(toks, token{kind: tokString, text: v, space: space, pos: start})
			i += n + 1
		case c == '"':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(s) {
					return nil, syntaxErr(start, "unterminated quoted identifier at or near %q", s[start:min(len(s), start+10)])
				}
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					j++
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if b.Len() == 0 {
				return nil, syntaxErr(start, "zero-length delimited identifier at or near \"\"\"\"")
			}
			toks = append(toks, token{kind: tokQIdent, text: b.String(), space: space, pos: start})
			i = j
		case c == '$':
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j == i+1 {
				if j < len(s) && (isIdentStart(s[j]) || s[j] == '$') {
					// $tag$...$tag$: a string taken literally. The tag is
					// an identifier without $ (or empty).
					k := j
					for k < len(s) && s[k] != '$' && (isIdentStart(s[k]) || isDigit(s[k])) {
						k++
					}
					if k >= len(s) || s[k] != '$' {
						return nil, syntaxErr(start, "syntax error at or near \"$\"")
					}
					delim := s[i : k+1]
					end := strings.Index(s[k+1:], delim)
					if end < 0 {
						return nil, syntaxErr(start, "unterminated dollar-quoted string at or near %q", s[i:min(len(s), i+10)])
					}
					toks = append(toks, token{kind: tokString, text: s[k+1 : k+1+end], space: space, pos: start})
					i = k + 1 + end + len(delim)
					break // out of the switch
				}
				return nil, syntaxErr(start, "syntax error at or near \"$\"")
			}
			n, err := strconv.Atoi(s[i+1 : j])
			if err != nil || n < 1 || n > 65535 {
				return nil, syntaxErr(start, "there is no parameter %s", s[i:j])
			}
			toks = append(toks, token{kind: tokParam, num: n, space: space, pos: start})
			i = j
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '.' && !(j+1 < len(s) && s[j+1] == '.') {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k < len(s) && isDigit(s[k]) {
					for k < len(s) && isDigit(s[k]) {
						k++
					}
					j = k
				}
			}
			if j < len(s) && isIdentStart(s[j]) {
				return nil, syntaxErr(start, "trailing junk after numeric literal at or near %q", s[start:j+1])
			}
			num := s[i:j]
			if strings.ContainsAny(num, "eE") {
				// PostgreSQL types 1e3 numeric, as 1000; the TiDB parser
				// would read a double, so the exponent is written out
				// where the decimal type holds the result.
				// The written-out length is known before writing it out:
				// a huge exponent must not make a huge string.
				if d, _, err := apd.NewFromString(num); err == nil && d.Form == apd.Finite &&
					d.Exponent > -maxDecimalDigits && int64(d.Exponent)+d.NumDigits() < maxDecimalDigits {
					if f := d.Text('f'); len(f) < maxDecimalDigits {
						if !strings.Contains(f, ".") {
							f += "." // a decimal, not an integer, of scale 0
						}
						num = f
					}
				}
			}
			if len(num) > maxDecimalDigits && !strings.ContainsAny(num, "eE") {
				// The TiDB parser's decimal type cannot hold it; PostgreSQL
				// would make it numeric, which Meridian reads as a float.
				num += "e0"
			}
			toks = append(toks, token{kind: tokNumber, text: num, space: space, pos: start})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentCont(s[j]) {
				j++
			}
			word := s[i:j]
			if !utf8.ValidString(word) {
				return nil, pgerror.New(pgerror.CodeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
			}
			toks = append(toks, token{kind: tokIdent, text: strings.ToLower(word), space: space, pos: start})
			i = j
		default:
			op, err := lexOp(s[i:])
			if err != nil {
				if pe, ok := err.(*pgerror.Error); ok && pe.Code == pgerror.CodeSyntaxError {
					pe.Position = int32(start + 1)
				}
				return nil, err
			}
			toks = append(toks, token{kind: tokOp, text: op, space: space, pos: start})
			i += len(op)
		}
		space = false
		if n := len(toks); n > 0 && toks[n-1].end == 0 {
			toks[n-1].end = i
		}
	}
	return toks, nil
}

// maxDecimalDigits is the longest integer or decimal literal passed to the
// TiDB parser as such (its decimal type holds 65 digits).
const maxDecimalDigits = 60

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isIdentCont(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '$' }

// lexString reads a '...' literal at the start of s. With escapes it
// resolves PostgreSQL's E” backslash escapes. It returns the value and the
// number of bytes consumed.
func lexString(s string, escapes bool) (string, int, error) {
	var b strings.Builder
	i := 1
	for {
		if i >= len(s) {
			return "", 0, errString("unterminated quoted string")
		}
		c := s[i]
		switch {
		case c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			return b.String(), i + 1, nil
		case c == '\\' && escapes:
			if i+1 >= len(s) {
				return "", 0, errString("unterminated quoted string")
			}
			i++
			switch e := s[i]; e {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'x':
				j := i + 1
				for j < len(s) && j < i+3 && isHex(s[j]) {
					j++
				}
				if j == i+1 {
					b.WriteByte('x')
					break
				}
				v, _ := strconv.ParseUint(s[i+1:j], 16, 8)
				b.WriteByte(byte(v))
				i = j - 1
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if i+1+n > len(s) {
					return "", 0, errString("invalid Unicode escape")
				}
				v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
				if err != nil || !utf8.ValidRune(rune(v)) || v == 0 {
					return "", 0, errString("invalid Unicode escape value")
				}
				b.WriteRune(rune(v))
				i += n
			default:
				if e >= '0' && e <= '7' {
					j := i
					for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
						j++
					}
					v, _ := strconv.ParseUint(s[i:j], 8, 16)
					b.WriteByte(byte(v))
					i = j - 1
				} else {
					b.WriteByte(e)
				}
			}
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// ops are the operators the front passes through, longest first.
var ops = []string{"->>", "->", "::", "!~", "~", "<=", ">=", "<>", "!=", "||", "(", ")", ",", ";", ".", "+", "-", "*", "/", "%", "<", ">", "=", "[", "]"}

// refusedOps are operators whose meaning differs between PostgreSQL and
// MySQL, or that Meridian does not implement.
var refusedOps = []string{"<=>", "<<", ">>", "&&", "#>>", "#>", "@>", "<@", "!~~*", "!~~", "~~*", "~~", "!~*", "~*", "@@", ":=", "=>", "^", "#", "&", "|", "?", "!", "@", "`", ":", "{", "}"}

func lexOp(s string) (string, error) {
	for _, op := range refusedOps {
		if strings.HasPrefix(s, op) {
			// <= and >= share a prefix with nothing refused; check the
			// passed-through spellings first where they overlap.
			if pass := passOp(s); pass != "" && len(pass) >= len(op) {
				return pass, nil
			}
			if op == "`" {
				return "", syntaxErr(0, "syntax error at or near \"`\"")
			}
			return "", pgerror.Unsupported("operator " + op)
		}
	}
	if op := passOp(s); op != "" {
		return op, nil
	}
	r, _ := utf8.DecodeRuneInString(s)
	return "", syntaxErr(0, "syntax error at or near %q", string(r))
}

func passOp(s string) string {
	for _, op := range ops {
		if strings.HasPrefix(s, op) {
			return op
		}
	}
	return ""
}
