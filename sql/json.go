package sql

import (
	"bytes"
	"encoding/json"

	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// x -> k and x ->> k on json and jsonb: the object field named k (text)
// or the array element k (integer, negative counting from the end), as
// json(b) or as text; NULL when there is none. ->> of a JSON null is
// NULL, of a string its unescaped contents.

func isJSON(t types.T) bool { return t.OID == types.OIDJSON || t.OID == types.OIDJSONB }

func init() {
	get := func(asText bool) *builtin {
		return &builtin{min: 2, max: 2, strict: true, text: true,
			result: func(a []types.T) (types.T, bool) {
				ok := isJSON(a[0]) && (isStringy(a[1]) || a[1].IsInteger())
				if asText {
					return types.Text, ok
				}
				return a[0], ok
			},
			fn: func(t types.T, a []rowenc.Value) (rowenc.Value, error) {
				raw, ok := jsonGet([]byte(a[0].S), a[1])
				if !ok {
					return rowenc.Null(), nil
				}
				if !asText {
					// (The parts of a normalised jsonb are normalised.)
					return rowenc.String(string(raw)), nil
				}
				switch {
				case string(raw) == "null":
					return rowenc.Null(), nil
				case len(raw) > 0 && raw[0] == '"':
					var s string
					if err := json.Unmarshal(raw, &s); err == nil {
						return rowenc.String(s), nil
					}
				}
				return rowenc.String(string(raw)), nil
			}}
	}
	builtins[front.JSONGetFunc] = get(false)
	builtins[front.JSONGetTextFunc] = get(true)
}

// jsonGet returns the text of a field or element of the JSON document doc.
func jsonGet(doc []byte, k rowenc.Value) ([]byte, bool) {
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 {
		return nil, false
	}
	if k.Kind == rowenc.KindInt {
		if doc[0] != '[' {
			return nil, false
		}
		var arr []json.RawMessage
		if json.Unmarshal(doc, &arr) != nil {
			return nil, false
		}
		i := k.I
		if i < 0 {
			i += int64(len(arr))
		}
		if i < 0 || i >= int64(len(arr)) {
			return nil, false
		}
		return bytes.TrimSpace(arr[i]), true
	}
	if doc[0] != '{' {
		return nil, false
	}
	// Walk the object's members in order: the last of duplicate keys wins
	// (jsonb has none left; json's -> takes the last one too).
	d := json.NewDecoder(bytes.NewReader(doc))
	if _, err := d.Token(); err != nil {
		return nil, false
	}
	var found []byte
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, false
		}
		if ks, _ := kt.(string); ks == k.S {
			found = v
		}
	}
	if found == nil {
		return nil, false
	}
	return bytes.TrimSpace(found), true
}
