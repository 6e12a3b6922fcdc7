package wal

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
)

// MemFS is an in-memory FS that remembers what has been made durable, so
// that tests (here, and the node-level simulator) can crash it and inject
// faults:
//
//   - every file tracks its synced content (as of its last Sync) apart from
//     its current content; every directory entry change (Create, Remove,
//     Rename) is durable only after SyncDir of its directory;
//   - Crash returns the filesystem as a machine would find it after power
//     loss: only synced bytes and synced directory entries;
//   - CrashTorn returns it as if everything had reached the disk except the
//     most recent Write, which is cut after its first n bytes;
//   - FailSync makes Sync fail; SetSpaceLimit makes writes fail with ENOSPC
//     (after writing what fits); SetSyncHook runs a function at the start
//     of each file Sync (a test can block there to hold a sync open).
//
// A crash returns a new MemFS and leaves the old one running: the engine
// that was using it can be closed afterwards without changing the crashed
// image. The zero value is not usable; call NewMemFS.
type MemFS struct {
	mu      sync.Mutex
	files   map[string]*memInode // current namespace
	durable map[string]*memInode // namespace as of the last SyncDir of each directory
	dirs    map[string]bool

	last      memWrite // most recent Write
	syncErr   error
	space     int64 // bytes that may still be written; <0: unlimited
	syncHook  func(name string)
	syncCount int
}

type memWrite struct {
	ino *memInode
	off int // file offset where the write began
	n   int // bytes written
}

type memInode struct {
	name   string // current name (as of the last Rename)
	data   []byte
	synced []byte // content as of the last Sync; never aliases data
	// dirtyFrom is the lowest offset changed since the last Sync: synced
	// equals data[:dirtyFrom] (when dirtyFrom <= len(synced)).
	dirtyFrom int
}

var _ FS = (*MemFS)(nil)

// NewMemFS returns an empty in-memory filesystem.
func NewMemFS() *MemFS {
	return &MemFS{
		files:   map[string]*memInode{},
		durable: map[string]*memInode{},
		dirs:    map[string]bool{},
		space:   -1,
	}
}

// FailSync makes every later file and directory Sync return err (nil
// restores normal behaviour). Data stays unsynced.
func (m *MemFS) FailSync(err error) {
	m.mu.Lock()
	m.syncErr = err
	m.mu.Unlock()
}

// SetSpaceLimit lets at most n more bytes be written (a disk about to be
// full); the write that crosses the limit writes what fits and fails with
// ENOSPC. A negative n removes the limit.
func (m *MemFS) SetSpaceLimit(n int64) {
	m.mu.Lock()
	m.space = n
	m.mu.Unlock()
}

// SetSyncHook installs f to be called, without locks held, at the start of
// every file Sync with the file's current name. nil removes it.
func (m *MemFS) SetSyncHook(f func(name string)) {
	m.mu.Lock()
	m.syncHook = f
	m.mu.Unlock()
}

// SyncCount returns how many file Syncs have succeeded.
func (m *MemFS) SyncCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.syncCount
}

// LastWrite returns the name of the file the most recent Write went to and
// how many bytes it wrote (0, "" if none).
func (m *MemFS) LastWrite() (name string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last.ino == nil {
		return "", 0
	}
	return m.last.ino.name, m.last.n
}

// Crash returns the image a power loss would leave now: synced bytes of
// files reachable through synced directory entries.
func (m *MemFS) Crash() *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := NewMemFS()
	for d := range m.dirs {
		c.dirs[d] = true
	}
	clones := map[*memInode]*memInode{}
	for name, ino := range m.durable {
		n, ok := clones[ino]
		if !ok {
			n = &memInode{name: ino.name, data: append([]byte(nil), ino.synced...)}
			n.synced = append([]byte(nil), ino.synced...)
			n.dirtyFrom = len(n.data)
			clones[ino] = n
		}
		c.files[name] = n
		c.durable[name] = n
	}
	return c
}

// CrashTorn returns the image of a crash in which every write and directory
// change reached the disk except the most recent Write, of which only the
// first keep bytes did (keep is clamped to the write's length).
func (m *MemFS) CrashTorn(keep int) *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := NewMemFS()
	for d := range m.dirs {
		c.dirs[d] = true
	}
	clones := map[*memInode]*memInode{}
	for name, ino := range m.files {
		n, ok := clones[ino]
		if !ok {
			data := ino.data
			if ino == m.last.ino {
				if keep < 0 {
					keep = 0
				}
				if keep > m.last.n {
					keep = m.last.n
				}
				if end := m.last.off + keep; end < len(data) {
					data = data[:end]
				}
			}
			n = &memInode{name: ino.name, data: append([]byte(nil), data...)}
			n.synced = append([]byte(nil), data...)
			n.dirtyFrom = len(n.data)
			clones[ino] = n
		}
		c.files[name] = n
		c.durable[name] = n
	}
	return c
}

// Create implements FS.
func (m *MemFS) Create(name string) (File, error) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirs[filepath.Dir(name)] {
		return nil, &os.PathError{Op: "create", Path: name, Err: os.ErrNotExist}
	}
	ino := &memInode{name: name}
	m.files[name] = ino
	return &memFile{fs: m, ino: ino, name: name}, nil
}

// Open implements FS.
func (m *MemFS) Open(name string) (File, error) {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	ino, ok := m.files[name]
	if !ok {
		return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
	}
	return &memFile{fs: m, ino: ino, name: name}, nil
}

// Remove implements FS.
func (m *MemFS) Remove(name string) error {
	name = filepath.Clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.files[name]; !ok {
		return &os.PathError{Op: "remove", Path: name, Err: os.ErrNotExist}
	}
	delete(m.files, name)
	return nil
}

// Rename implements FS.
func (m *MemFS) Rename(oldname, newname string) error {
	oldname, newname = filepath.Clean(oldname), filepath.Clean(newname)
	m.mu.Lock()
	defer m.mu.Unlock()
	ino, ok := m.files[oldname]
	if !ok {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: os.ErrNotExist}
	}
	delete(m.files, oldname)
	m.files[newname] = ino
	ino.name = newname
	return nil
}

// List implements FS.
func (m *MemFS) List(dir string) ([]string, error) {
	dir = filepath.Clean(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirs[dir] {
		return nil, &os.PathError{Op: "list", Path: dir, Err: os.ErrNotExist}
	}
	var names []string
	for name := range m.files {
		if filepath.Dir(name) == dir {
			names = append(names, filepath.Base(name))
		}
	}
	sort.Strings(names)
	return names, nil
}

// MkdirAll implements FS. Directories are durable at once.
func (m *MemFS) MkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	for d := dir; !m.dirs[d]; d = filepath.Dir(d) {
		m.dirs[d] = true
		if d == filepath.Dir(d) {
			break
		}
	}
	return nil
}

// SyncDir implements FS.
func (m *MemFS) SyncDir(dir string) error {
	dir = filepath.Clean(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.syncErr != nil {
		return m.syncErr
	}
	for name := range m.durable {
		if filepath.Dir(name) == dir {
			delete(m.durable, name)
		}
	}
	for name, ino := range m.files {
		if filepath.Dir(name) == dir {
			m.durable[name] = ino
		}
	}
	return nil
}

type memFile struct {
	fs     *MemFS
	ino    *memInode
	name   string
	closed bool // guarded by fs.mu
}

var _ File = (*memFile)(nil)

func (f *memFile) Write(p []byte) (int, error) {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return 0, os.ErrClosed
	}
	n := len(p)
	var err error
	if m.space >= 0 && int64(n) > m.space {
		n = int(m.space)
		err = &os.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	if m.space >= 0 {
		m.space -= int64(n)
	}
	ino := f.ino
	off := len(ino.data)
	ino.data = append(ino.data, p[:n]...)
	if off < ino.dirtyFrom {
		ino.dirtyFrom = off
	}
	m.last = memWrite{ino: ino, off: off, n: n}
	return n, err
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return 0, os.ErrClosed
	}
	if off < 0 {
		return 0, &os.PathError{Op: "readat", Path: f.name, Err: os.ErrInvalid}
	}
	if off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.ino.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Sync() error {
	m := f.fs
	m.mu.Lock()
	hook, name := m.syncHook, f.ino.name
	m.mu.Unlock()
	if hook != nil {
		hook(name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return os.ErrClosed
	}
	if m.syncErr != nil {
		return m.syncErr
	}
	ino := f.ino
	from := ino.dirtyFrom
	if from > len(ino.synced) {
		from = len(ino.synced)
	}
	if from > len(ino.data) {
		from = len(ino.data)
	}
	ino.synced = append(ino.synced[:from], ino.data[from:]...)
	ino.dirtyFrom = len(ino.data)
	m.syncCount++
	return nil
}

func (f *memFile) Truncate(size int64) error {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return os.ErrClosed
	}
	ino := f.ino
	if size < 0 || size > int64(len(ino.data)) {
		return fmt.Errorf("memfs: truncate %s to %d: size out of range [0, %d]", f.name, size, len(ino.data))
	}
	ino.data = ino.data[:size:size]
	if int(size) < ino.dirtyFrom {
		ino.dirtyFrom = int(size)
	}
	return nil
}

func (f *memFile) Size() (int64, error) {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return 0, os.ErrClosed
	}
	return int64(len(f.ino.data)), nil
}

func (f *memFile) Close() error {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	f.closed = true
	return nil
}
