package shell

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// keyKind names a decoded key press.
type keyKind uint8

const (
	keyRune keyKind = iota // a printable character, in key.r
	keyEnter
	keyBackspace
	keyDelete
	keyLeft
	keyRight
	keyHome
	keyEnd
	keyUp
	keyDown
	keyWordLeft  // Ctrl-Left, Alt-B
	keyWordRight // Ctrl-Right, Alt-F
	keyCtrlC
	keyCtrlD
	keyCtrlK
	keyCtrlU
	keyCtrlW
	keyCtrlL
	keyIgnored // an unknown control character or escape sequence
)

type key struct {
	kind keyKind
	r    rune
}

// keyDecoder turns the bytes a terminal in raw mode sends into key presses:
// UTF-8 characters, control characters and the ANSI/xterm escape sequences
// for the cursor and editing keys. It is a pure state machine; feed it one
// byte at a time.
type keyDecoder struct {
	pending []byte // an incomplete UTF-8 character or escape sequence
}

// feed adds byte c and returns the key it completes, if any.
func (d *keyDecoder) feed(c byte) (key, bool) {
	if len(d.pending) == 0 {
		switch {
		case c == 0x1b:
			d.pending = append(d.pending, c)
			return key{}, false
		case c < utf8.RuneSelf:
			return controlKey(c), true
		}
	}
	d.pending = append(d.pending, c)
	if d.pending[0] == 0x1b {
		return d.escape()
	}
	if !utf8.FullRune(d.pending) {
		return key{}, false
	}
	r, _ := utf8.DecodeRune(d.pending)
	d.pending = d.pending[:0]
	if r == utf8.RuneError || !unicode.IsPrint(r) {
		return key{kind: keyIgnored}, true
	}
	return key{kind: keyRune, r: r}, true
}

func controlKey(c byte) key {
	switch c {
	case '\r', '\n':
		return key{kind: keyEnter}
	case 0x7f, 0x08: // DEL, Ctrl-H
		return key{kind: keyBackspace}
	case 0x01: // Ctrl-A
		return key{kind: keyHome}
	case 0x05: // Ctrl-E
		return key{kind: keyEnd}
	case 0x02: // Ctrl-B
		return key{kind: keyLeft}
	case 0x06: // Ctrl-F
		return key{kind: keyRight}
	case 0x10: // Ctrl-P
		return key{kind: keyUp}
	case 0x0e: // Ctrl-N
		return key{kind: keyDown}
	case 0x03:
		return key{kind: keyCtrlC}
	case 0x04:
		return key{kind: keyCtrlD}
	case 0x0b:
		return key{kind: keyCtrlK}
	case 0x15:
		return key{kind: keyCtrlU}
	case 0x17:
		return key{kind: keyCtrlW}
	case 0x0c:
		return key{kind: keyCtrlL}
	case '\t':
		return key{kind: keyRune, r: '\t'}
	}
	if c < 0x20 {
		return key{kind: keyIgnored}
	}
	return key{kind: keyRune, r: rune(c)}
}

// escape decodes d.pending, which starts with ESC.
func (d *keyDecoder) escape() (key, bool) {
	p := d.pending
	if len(p) < 2 {
		return key{}, false
	}
	done := func(k keyKind) (key, bool) {
		d.pending = d.pending[:0]
		return key{kind: k}, true
	}
	switch p[1] {
	case '[': // CSI: parameters and intermediates, then a final byte 0x40-0x7e
		if len(p) < 3 {
			return key{}, false
		}
		last := p[len(p)-1]
		if last < 0x40 || last > 0x7e {
			if len(p) > 16 {
				return done(keyIgnored) // not a sequence we know; give up
			}
			return key{}, false
		}
		params := string(p[2 : len(p)-1])
		mod := ""
		if i := strings.IndexByte(params, ';'); i >= 0 {
			params, mod = params[:i], params[i+1:]
		}
		switch last {
		case 'A':
			return done(keyUp)
		case 'B':
			return done(keyDown)
		case 'C':
			if mod != "" {
				return done(keyWordRight)
			}
			return done(keyRight)
		case 'D':
			if mod != "" {
				return done(keyWordLeft)
			}
			return done(keyLeft)
		case 'H':
			return done(keyHome)
		case 'F':
			return done(keyEnd)
		case '~':
			switch n, _ := strconv.Atoi(params); n {
			case 1, 7:
				return done(keyHome)
			case 4, 8:
				return done(keyEnd)
			case 3:
				return done(keyDelete)
			}
		}
		return done(keyIgnored)
	case 'O': // SS3: ESC O x
		if len(p) < 3 {
			return key{}, false
		}
		switch p[2] {
		case 'A':
			return done(keyUp)
		case 'B':
			return done(keyDown)
		case 'C':
			return done(keyRight)
		case 'D':
			return done(keyLeft)
		case 'H':
			return done(keyHome)
		case 'F':
			return done(keyEnd)
		}
		return done(keyIgnored)
	case 'b', 'B':
		return done(keyWordLeft)
	case 'f', 'F':
		return done(keyWordRight)
	case 0x7f:
		return done(keyCtrlW) // Alt-Backspace
	}
	return done(keyIgnored)
}

// editAction is what the caller of editor.handle does next.
type editAction uint8

const (
	editContinue editAction = iota // redraw and read more keys
	editAccept                     // the line is complete: editor.line()
	editCancel                     // Ctrl-C: discard the line
	editEOF                        // Ctrl-D on an empty line
	editClear                      // Ctrl-L: clear the screen, then redraw
)

// editor is the state of one line being edited: a pure state machine over
// key presses, with history browsing. Rendering is separate (render), so
// tests drive it without a terminal.
//
// Invariant: 0 <= pos <= len(buf).
// Invariant: 0 <= histPos <= len(hist); histPos == len(hist) means the
// line being typed (saved in draft while browsing).
type editor struct {
	buf     []rune
	pos     int
	hist    []string
	histPos int
	draft   []rune
	off     int // first rune shown when the line scrolls (render)
}

func newEditor(hist []string) *editor {
	return &editor{hist: hist, histPos: len(hist)}
}

func (e *editor) line() string { return string(e.buf) }

// handle applies one key press.
func (e *editor) handle(k key) editAction {
	switch k.kind {
	case keyRune:
		e.buf = append(e.buf, 0)
		copy(e.buf[e.pos+1:], e.buf[e.pos:])
		e.buf[e.pos] = k.r
		e.pos++
	case keyEnter:
		return editAccept
	case keyBackspace:
		if e.pos > 0 {
			e.buf = append(e.buf[:e.pos-1], e.buf[e.pos:]...)
			e.pos--
		}
	case keyDelete:
		if e.pos < len(e.buf) {
			e.buf = append(e.buf[:e.pos], e.buf[e.pos+1:]...)
		}
	case keyCtrlD:
		if len(e.buf) == 0 {
			return editEOF
		}
		return e.handle(key{kind: keyDelete})
	case keyLeft:
		e.pos = max(e.pos-1, 0)
	case keyRight:
		e.pos = min(e.pos+1, len(e.buf))
	case keyHome:
		e.pos = 0
	case keyEnd:
		e.pos = len(e.buf)
	case keyWordLeft:
		e.pos = e.wordStart()
	case keyWordRight:
		for e.pos < len(e.buf) && unicode.IsSpace(e.buf[e.pos]) {
			e.pos++
		}
		for e.pos < len(e.buf) && !unicode.IsSpace(e.buf[e.pos]) {
			e.pos++
		}
	case keyCtrlU:
		e.buf = append(e.buf[:0], e.buf[e.pos:]...)
		e.pos = 0
	case keyCtrlK:
		e.buf = e.buf[:e.pos]
	case keyCtrlW:
		start := e.wordStart()
		e.buf = append(e.buf[:start], e.buf[e.pos:]...)
		e.pos = start
	case keyUp:
		if e.histPos > 0 {
			if e.histPos == len(e.hist) {
				e.draft = append(e.draft[:0], e.buf...)
			}
			e.histPos--
			e.setLine([]rune(e.hist[e.histPos]))
		}
	case keyDown:
		if e.histPos < len(e.hist) {
			e.histPos++
			if e.histPos == len(e.hist) {
				e.setLine(e.draft)
			} else {
				e.setLine([]rune(e.hist[e.histPos]))
			}
		}
	case keyCtrlC:
		return editCancel
	case keyCtrlL:
		return editClear
	}
	return editContinue
}

// wordStart is where Ctrl-W deletes back to: the start of the
// whitespace-delimited word before the cursor.
func (e *editor) wordStart() int {
	i := e.pos
	for i > 0 && unicode.IsSpace(e.buf[i-1]) {
		i--
	}
	for i > 0 && !unicode.IsSpace(e.buf[i-1]) {
		i--
	}
	return i
}

func (e *editor) setLine(r []rune) {
	e.buf = append(e.buf[:0:0], r...)
	e.pos = len(e.buf)
}

// render returns the bytes that redraw the line: carriage return, prompt,
// the visible part of the buffer, clear to end of line, and the cursor moved
// back to pos. cols is the terminal width (0 if unknown); a line longer than
// the space after the prompt scrolls horizontally around the cursor, so the
// drawing never wraps. Tabs are shown as spaces.
func (e *editor) render(prompt string, cols int) []byte {
	start, end := 0, len(e.buf)
	if avail := cols - width(prompt) - 1; cols > 0 && avail >= 8 && len(e.buf) > avail {
		if e.pos < e.off {
			e.off = e.pos
		}
		if e.pos > e.off+avail {
			e.off = e.pos - avail
		}
		e.off = min(e.off, len(e.buf)-avail)
		start, end = e.off, e.off+avail
	} else {
		e.off = 0
	}
	var b strings.Builder
	b.WriteByte('\r')
	b.WriteString(prompt)
	for _, r := range e.buf[start:end] {
		if r == '\t' {
			r = ' '
		}
		b.WriteRune(r)
	}
	b.WriteString("\x1b[K")
	if back := end - e.pos; back > 0 {
		b.WriteString("\x1b[" + strconv.Itoa(back) + "D")
	}
	return []byte(b.String())
}
