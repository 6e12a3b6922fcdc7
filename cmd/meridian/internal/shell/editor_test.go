package shell

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// feedKeys decodes in and applies the keys to e, returning the actions
// other than editContinue.
func feedKeys(e *editor, in string) []editAction {
	var d keyDecoder
	var acts []editAction
	for i := 0; i < len(in); i++ {
		if k, ok := d.feed(in[i]); ok {
			if a := e.handle(k); a != editContinue {
				acts = append(acts, a)
			}
		}
	}
	return acts
}

func TestKeyDecoder(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []key
	}{
		{"ab", []key{{keyRune, 'a'}, {keyRune, 'b'}}},
		{"é€", []key{{keyRune, 'é'}, {keyRune, '€'}}},
		{"\r\n", []key{{kind: keyEnter}, {kind: keyEnter}}},
		{"\x7f\x08", []key{{kind: keyBackspace}, {kind: keyBackspace}}},
		{"\x1b[A\x1b[B\x1b[C\x1b[D", []key{{kind: keyUp}, {kind: keyDown}, {kind: keyRight}, {kind: keyLeft}}},
		{"\x1bOA\x1bOD\x1bOH\x1bOF", []key{{kind: keyUp}, {kind: keyLeft}, {kind: keyHome}, {kind: keyEnd}}},
		{"\x1b[H\x1b[F\x1b[1~\x1b[4~\x1b[7~\x1b[8~", []key{{kind: keyHome}, {kind: keyEnd}, {kind: keyHome}, {kind: keyEnd}, {kind: keyHome}, {kind: keyEnd}}},
		{"\x1b[3~", []key{{kind: keyDelete}}},
		{"\x1b[1;5C\x1b[1;5D\x1bb\x1bf", []key{{kind: keyWordRight}, {kind: keyWordLeft}, {kind: keyWordLeft}, {kind: keyWordRight}}},
		{"\x1b[15~x", []key{{kind: keyIgnored}, {keyRune, 'x'}}}, // F5
		{"\x01\x05\x02\x06\x10\x0e", []key{{kind: keyHome}, {kind: keyEnd}, {kind: keyLeft}, {kind: keyRight}, {kind: keyUp}, {kind: keyDown}}},
		{"\x03\x04\x0b\x15\x17\x0c", []key{{kind: keyCtrlC}, {kind: keyCtrlD}, {kind: keyCtrlK}, {kind: keyCtrlU}, {kind: keyCtrlW}, {kind: keyCtrlL}}},
		{"\x00\x1f", []key{{kind: keyIgnored}, {kind: keyIgnored}}},
	} {
		var d keyDecoder
		var got []key
		for i := 0; i < len(tc.in); i++ {
			if k, ok := d.feed(tc.in[i]); ok {
				got = append(got, k)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestEditorKeys(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     string
		pos      int
		acts     []editAction
	}{
		{name: "type", in: "select 1", line: "select 1", pos: 8},
		{name: "enter", in: "ab\r", line: "ab", pos: 2, acts: []editAction{editAccept}},
		{name: "left and insert", in: "ac\x1b[Db", line: "abc", pos: 2},
		{name: "left stops at start", in: "a\x1b[D\x1b[D\x1b[Db", line: "ba", pos: 1},
		{name: "right stops at end", in: "ab\x1b[C\x1b[Cc", line: "abc", pos: 3},
		{name: "home end", in: "bc\x01a\x05d", line: "abcd", pos: 4},
		{name: "home end keys", in: "bc\x1b[Ha\x1b[Fd", line: "abcd", pos: 4},
		{name: "backspace", in: "abc\x7f", line: "ab", pos: 2},
		{name: "backspace at start", in: "ab\x01\x7f", line: "ab", pos: 0},
		{name: "backspace in middle", in: "abc\x1b[D\x7f", line: "ac", pos: 1},
		{name: "delete", in: "abc\x01\x1b[3~", line: "bc", pos: 0},
		{name: "delete at end", in: "abc\x1b[3~", line: "abc", pos: 3},
		{name: "ctrl-d deletes", in: "abc\x01\x04", line: "bc", pos: 0},
		{name: "ctrl-d on empty line", in: "\x04", line: "", pos: 0, acts: []editAction{editEOF}},
		{name: "ctrl-u", in: "abc def\x1b[D\x1b[D\x15", line: "ef", pos: 0},
		{name: "ctrl-k", in: "abc def\x01\x1b[C\x0b", line: "a", pos: 1},
		{name: "ctrl-w", in: "select  foo  \x17", line: "select  ", pos: 8},
		{name: "ctrl-w middle", in: "one two three\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x17", line: "one  three", pos: 4},
		{name: "word moves", in: "one two three\x01\x1b[1;5C\x1b[1;5CX\x1bbY", line: "one YtwoX three", pos: 5},
		{name: "ctrl-c", in: "abc\x03", line: "abc", pos: 3, acts: []editAction{editCancel}},
		{name: "ctrl-l", in: "a\x0c", line: "a", pos: 1, acts: []editAction{editClear}},
		{name: "utf8", in: "héllo\x1b[D\x1b[D\x1b[D\x7f", line: "hllo", pos: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEditor(nil)
			acts := feedKeys(e, tc.in)
			if e.line() != tc.line || e.pos != tc.pos {
				t.Errorf("line %q pos %d, want %q pos %d", e.line(), e.pos, tc.line, tc.pos)
			}
			if !reflect.DeepEqual(acts, tc.acts) {
				t.Errorf("actions %v, want %v", acts, tc.acts)
			}
		})
	}
}

func TestEditorHistory(t *testing.T) {
	e := newEditor([]string{"one", "two", "three"})
	up, down := "\x1b[A", "\x1b[B"
	steps := []struct{ in, want string }{
		{"dra", "dra"},
		{up, "three"},
		{up, "two"},
		{up, "one"},
		{up, "one"}, // oldest: stays
		{down, "two"},
		{"X", "twoX"}, // edits a recalled line
		{down, "three"},
		{down, "dra"}, // back to the draft
		{down, "dra"},
		{"\x10", "three"}, // Ctrl-P
		{"\x0e", "dra"},   // Ctrl-N
	}
	for i, st := range steps {
		feedKeys(e, st.in)
		if e.line() != st.want || e.pos != len([]rune(st.want)) {
			t.Fatalf("step %d (%q): line %q pos %d, want %q at end", i, st.in, e.line(), e.pos, st.want)
		}
	}
	// Editing a recalled line does not change the history.
	if got := e.hist; !reflect.DeepEqual(got, []string{"one", "two", "three"}) {
		t.Errorf("history changed: %q", got)
	}
}

func TestEditorRender(t *testing.T) {
	e := newEditor(nil)
	feedKeys(e, "select 1\x1b[D\x1b[D")
	if got, want := string(e.render("db=> ", 0)), "\rdb=> select 1\x1b[K\x1b[2D"; got != want {
		t.Errorf("render = %q, want %q", got, want)
	}
	// A line wider than the terminal scrolls instead of wrapping: with 20
	// columns and a 5-column prompt, 14 runes are shown.
	e = newEditor(nil)
	feedKeys(e, "abcdefghijklmnopqrstuvwxyz")
	if got, want := string(e.render("db=> ", 20)), "\rdb=> mnopqrstuvwxyz\x1b[K"; got != want {
		t.Errorf("render at end = %q, want %q", got, want)
	}
	feedKeys(e, "\x01")
	if got, want := string(e.render("db=> ", 20)), "\rdb=> abcdefghijklmn\x1b[K\x1b[14D"; got != want {
		t.Errorf("render at home = %q, want %q", got, want)
	}
	feedKeys(e, "\t")
	if got := string(e.render("db=> ", 0)); !strings.HasPrefix(got, "\rdb=>  abc") {
		t.Errorf("tab rendered as %q, want a space", got)
	}
}

func TestHistoryFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hist")
	h, err := loadHistory(path, 3)
	if err != nil || len(h.entries) != 0 {
		t.Fatalf("missing file: %v, %q", err, h.entries)
	}
	for _, l := range []string{"a", "a", "  ", "b", "c", "c", "d", "a"} {
		if err := h.add(l); err != nil {
			t.Fatal(err)
		}
	}
	// Bounded to 3, adjacent duplicates and blank lines dropped.
	want := []string{"c", "d", "a"}
	if !reflect.DeepEqual(h.entries, want) {
		t.Errorf("entries %q, want %q", h.entries, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "c\nd\na\n" {
		t.Errorf("file %q", data)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v (%v), want 0600", fi.Mode(), err)
	}
	h2, err := loadHistory(path, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h2.entries, []string{"d", "a"}) {
		t.Errorf("reloaded with max 2: %q", h2.entries)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}
