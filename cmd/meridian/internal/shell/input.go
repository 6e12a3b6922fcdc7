package shell

import (
	"bufio"
	"context"
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

// newTermSource reads from in, which is the terminal if fd >= 0.
func newTermSource(in io.Reader, fd int, out io.Writer, hist *history) *termSource {
	return &termSource{r: bufio.NewReader(in), out: out, fd: fd, hist: hist}
}

// terminalFD returns r's descriptor if r is a terminal, else -1.
func terminalFD(r io.Reader) int {
	if f, ok := r.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return int(f.Fd())
	}
	return -1
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

// ctxReader reads from r in a goroutine, so that a read blocked on a
// terminal or pipe is abandoned when ctx is cancelled (SIGTERM, or SIGINT
// for a script on a pipe) instead of holding the session open. Read returns
// ctx.Err() then. The goroutine exits at the end of r or when done is
// closed; a read already blocked in r outlives both until r returns, which
// for standard input is at process exit.
type ctxReader struct {
	ctx     context.Context
	r       io.Reader
	done    <-chan struct{}
	ch      chan readChunk
	pending []byte
	err     error // from r, once pending is drained
}

type readChunk struct {
	b   []byte
	err error
}

func newCtxReader(ctx context.Context, r io.Reader, done <-chan struct{}) *ctxReader {
	return &ctxReader{ctx: ctx, r: r, done: done}
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if c.ch == nil {
			c.ch = make(chan readChunk)
			go c.pump()
		}
		select {
		case ch := <-c.ch:
			c.pending, c.err = ch.b, ch.err
		case <-c.ctx.Done():
			return 0, c.ctx.Err()
		}
		if len(c.pending) == 0 {
			return 0, c.err
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *ctxReader) pump() {
	for {
		buf := make([]byte, 4096)
		n, err := c.r.Read(buf)
		if n == 0 && err == nil {
			continue
		}
		select {
		case c.ch <- readChunk{b: buf[:n], err: err}:
		case <-c.done:
			return
		}
		if err != nil {
			return
		}
	}
}
