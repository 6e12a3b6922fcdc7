package shell

import (
	"bufio"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// lineSource supplies input lines without their line terminators. It
// returns io.EOF at the end of input and errCancelled when the user
// discarded the line with Ctrl-C.
type lineSource interface {
	readLine(prompt string) (string, error)
}

// plainSource reads lines from a script or pipe: no prompt, no editing.
type plainSource struct {
	r *bufio.Reader
}

func newPlainSource(r io.Reader) *plainSource { return &plainSource{r: bufio.NewReader(r)} }

func (p *plainSource) readLine(string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil // a last line without a newline
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// termSource reads lines with the line editor. When in is a terminal it is
// switched to raw mode for each line and restored afterwards, so that
// output, and Ctrl-C while a statement runs (SIGINT), behave normally
// between lines. When in is not a terminal (tests) the editor runs on the
// bytes as they come.
type termSource struct {
	r    *bufio.Reader
	out  io.Writer
	fd   int // the terminal's descriptor, or -1
	hist *history
}

func newTermSource(in io.Reader, out io.Writer, hist *history) *termSource {
	t := &termSource{r: bufio.NewReader(in), out: out, fd: -1, hist: hist}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.fd = int(f.Fd())
	}
	return t
}

func (t *termSource) readLine(prompt string) (string, error) {
	cols := 0
	if t.fd >= 0 {
		if st, err := term.MakeRaw(t.fd); err == nil {
			defer term.Restore(t.fd, st)
		}
		if w, _, err := term.GetSize(t.fd); err == nil {
			cols = w
		}
	}
	e := newEditor(t.hist.entries)
	var dec keyDecoder
	t.out.Write(e.render(prompt, cols))
	for {
		c, err := t.r.ReadByte()
		if err != nil {
			if len(e.buf) > 0 && err == io.EOF {
				io.WriteString(t.out, "\r\n")
				return e.line(), nil
			}
			return "", err
		}
		k, ok := dec.feed(c)
		if !ok {
			continue
		}
		switch e.handle(k) {
		case editAccept:
			io.WriteString(t.out, "\r\n")
			return e.line(), nil
		case editCancel:
			io.WriteString(t.out, "^C\r\n")
			return "", errCancelled
		case editEOF:
			return "", io.EOF
		case editClear:
			io.WriteString(t.out, "\x1b[H\x1b[2J")
		}
		t.out.Write(e.render(prompt, cols))
	}
}
