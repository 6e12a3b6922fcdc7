package types

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

// JSON and JSONB are stored as text (rowenc KindString). JSON keeps the
// input as written (once validated); JSONB keeps PostgreSQL's normalised
// text: keys sorted (shorter first, then bytewise) with the last of
// duplicates kept, ", " and ": " between items, numbers as NUMERIC prints
// them.

const (
	OIDJSON  uint32 = 114
	OIDJSONB uint32 = 3802
)

var (
	// JSON is json.
	JSON = T{OID: OIDJSON}
	// JSONB is jsonb.
	JSONB = T{OID: OIDJSONB}
)

func parseJSON(t T, s string) (rowenc.Value, error) {
	if !json.Valid([]byte(s)) {
		return rowenc.Value{}, pgerror.New(pgerror.CodeInvalidTextRepresentation, "invalid input syntax for type %s", t.Name()).
			WithDetail("The input string ended unexpectedly or is not valid JSON.")
	}
	if t.OID == OIDJSON {
		return rowenc.String(s), nil
	}
	n, err := NormalizeJSONB([]byte(s))
	if err != nil {
		return rowenc.Value{}, err
	}
	return rowenc.String(n), nil
}

// NormalizeJSONB renders valid JSON text as jsonb prints it.
func NormalizeJSONB(b []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", pgerror.New(pgerror.CodeInvalidTextRepresentation, "invalid input syntax for type json")
	}
	var sb strings.Builder
	if err := writeJSONB(&sb, v, b); err != nil {
		return "", err
	}
	return sb.String(), nil
}

func writeJSONB(sb *strings.Builder, v any, _ []byte) error {
	switch v := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		sb.WriteString(strconv.FormatBool(v))
	case json.Number:
		n, err := ParseNumeric(Numeric, string(v))
		if err != nil {
			return err
		}
		sb.WriteString(n.S)
	case string:
		WriteJSONString(sb, v)
	case []any:
		sb.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				sb.WriteString(", ")
			}
			if err := writeJSONB(sb, e, nil); err != nil {
				return err
			}
		}
		sb.WriteByte(']')
	case map[string]any:
		// encoding/json keeps the last of duplicate keys, as jsonb does.
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}
			return keys[i] < keys[j]
		})
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			WriteJSONString(sb, k)
			sb.WriteString(": ")
			if err := writeJSONB(sb, v[k], nil); err != nil {
				return err
			}
		}
		sb.WriteByte('}')
	}
	return nil
}

// WriteJSONString writes s as a JSON string the way PostgreSQL escapes it:
// quote, backslash and control characters only.
func WriteJSONString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			sb.WriteString(`\"`)
		case r == '\\':
			sb.WriteString(`\\`)
		case r == '\b':
			sb.WriteString(`\b`)
		case r == '\f':
			sb.WriteString(`\f`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r < 0x20:
			sb.WriteString(`\u00`)
			sb.WriteByte("0123456789abcdef"[r>>4])
			sb.WriteByte("0123456789abcdef"[r&0xF])
		default:
			sb.WriteString(s[i : i+n])
		}
		i += n
	}
	sb.WriteByte('"')
}
