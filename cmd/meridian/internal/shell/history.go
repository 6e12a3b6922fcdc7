package shell

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxHistory bounds the history kept in memory and on disk.
const maxHistory = 1000

// history is the list of lines entered at the interactive prompt, oldest
// first, persisted to a file (one entry per line) after every addition so
// that a killed shell loses nothing.
//
// Invariant: len(entries) <= max, and no two adjacent entries are equal.
type history struct {
	path    string // "" keeps history in memory only
	max     int
	entries []string
}

// loadHistory reads path; a missing file is an empty history.
func loadHistory(path string, max int) (*history, error) {
	h := &history{path: path, max: max}
	if path == "" {
		return h, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return h, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		h.push(sc.Text())
	}
	return h, sc.Err()
}

// push appends line unless it is blank or repeats the last entry, and
// reports whether it did.
func (h *history) push(line string) bool {
	if strings.TrimSpace(line) == "" || strings.ContainsAny(line, "\r\n") {
		return false
	}
	if n := len(h.entries); n > 0 && h.entries[n-1] == line {
		return false
	}
	h.entries = append(h.entries, line)
	if over := len(h.entries) - h.max; over > 0 {
		h.entries = append(h.entries[:0:0], h.entries[over:]...)
	}
	return true
}

// add pushes line and rewrites the file if the history changed. The file
// is replaced atomically (write a temporary file, then rename) and is
// readable only by its owner: it may hold passwords typed in statements.
func (h *history) add(line string) error {
	if !h.push(line) || h.path == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(h.path), ".meridian_sql_history-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	w := bufio.NewWriter(tmp)
	for _, e := range h.entries {
		w.WriteString(e)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), h.path)
}
