package wal

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// FS is the small filesystem the WAL needs. Paths are full paths (the WAL
// joins Config.Dir and a file name). The interface exists so tests can
// inject crashes and faults (MemFS); OSFS is the real disk.
type FS interface {
	// Create creates name empty for reading and writing, truncating it if it
	// exists. The new directory entry is durable only after SyncDir.
	Create(name string) (File, error)
	// Open opens an existing file for reading and writing (Truncate).
	Open(name string) (File, error)
	// Remove deletes name; durable only after SyncDir.
	Remove(name string) error
	// Rename renames oldname to newname, replacing it; durable only after
	// SyncDir.
	Rename(oldname, newname string) error
	// List returns the base names of the files in dir, sorted.
	List(dir string) ([]string, error)
	// MkdirAll creates dir and its parents if missing.
	MkdirAll(dir string) error
	// SyncDir makes the directory's entries (creations, removals, renames)
	// durable.
	SyncDir(dir string) error
}

// File is an open file. Write appends at the end of the file (the WAL only
// ever appends); ReadAt may run concurrently with Write and Sync.
type File interface {
	io.Writer
	io.ReaderAt
	// Sync makes the file's data durable (fdatasync).
	Sync() error
	// Truncate cuts the file to size bytes.
	Truncate(size int64) error
	// Size returns the current size in bytes.
	Size() (int64, error)
	Close() error
}

// OSFS is the real filesystem. Sync uses fdatasync on Linux and
// (*os.File).Sync elsewhere.
type OSFS struct{}

var _ FS = OSFS{}

// Create implements FS.
func (OSFS) Create(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &osFile{f: f}, nil
}

// Open implements FS.
func (OSFS) Open(name string) (File, error) {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, err
	}
	return &osFile{f: f}, nil
}

// Remove implements FS.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// Rename implements FS.
func (OSFS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }

// List implements FS.
func (OSFS) List(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// MkdirAll implements FS.
func (OSFS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

// SyncDir implements FS.
func (OSFS) SyncDir(dir string) error {
	d, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

type osFile struct {
	f *os.File
}

var _ File = (*osFile)(nil)

func (o *osFile) Write(p []byte) (int, error)             { return o.f.Write(p) }
func (o *osFile) ReadAt(p []byte, off int64) (int, error) { return o.f.ReadAt(p, off) }
func (o *osFile) Truncate(size int64) error {
	if err := o.f.Truncate(size); err != nil {
		return err
	}
	_, err := o.f.Seek(size, io.SeekStart)
	return err
}
func (o *osFile) Sync() error { return fdatasync(o.f) }
func (o *osFile) Close() error {
	err := o.f.Close()
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}
func (o *osFile) Size() (int64, error) {
	st, err := o.f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
