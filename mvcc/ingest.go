package mvcc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/meridiandb/meridian/clock"
)

// ingestDirName is the directory, inside the engine's, where IngestWriters
// write their sstables until they are ingested. Open empties it: what is
// left there belongs to a commit the process died before making.
const ingestDirName = "ingest-tmp"

// ingestFileSize is the estimated size at which an IngestWriter finishes
// one sstable and starts the next: smaller files let a later compaction
// work on part of a large commit at a time. A variable for tests.
var ingestFileSize uint64 = 128 << 20

// IngestWriter writes the committed versions of one commit, as CommitWriter
// does, but into sstables that Commit adds to the engine with one
// ingestion instead of a batch. Its memory stays bounded whatever the size
// of the commit: a batch holds every write in memory until it is applied
// (and the memtable then holds it again), while an sstable goes to disk a
// block at a time. A store commits a transaction this large this way (a
// COPY of millions of rows).
//
// Keys must come in strictly ascending order (sstables are sorted). The
// conflict checks are CommitWriter's. Atomicity and durability are
// Pebble's ingestion's: all the sstables become visible at once, with a
// sequence number above every earlier write, and are durable when Commit
// returns; a crash before leaves nothing of them.
//
// Unversioned writes (PutLocal) do not go with the sstables: a caller that
// needs some writes next to the commit makes them in a synced batch before
// Commit, if they are harmless without it (a commit high-water mark is).
type IngestWriter struct {
	eng *Engine
	ts  clock.Timestamp
	chk commitCheck

	w     *sstable.Writer // the sstable being written; nil between files
	paths []string        // every sstable started, in key order
	last  []byte          // the last key written
	count int
	ek, v []byte // scratch
}

// NewIngestWriter returns a writer of committed versions at ts, made
// visible by Commit.
func (e *Engine) NewIngestWriter(ts clock.Timestamp) (*IngestWriter, error) {
	if err := checkTimestamp(ts); err != nil {
		return nil, err
	}
	return &IngestWriter{eng: e, ts: ts, chk: commitCheck{eng: e}}, nil
}

// Put writes value at key, as Put with WriteOptions{} would.
func (w *IngestWriter) Put(key, value []byte) error {
	if len(value) > w.eng.limits.MaxValueSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrValueTooLarge, len(value), w.eng.limits.MaxValueSize)
	}
	return w.write(key, value, false)
}

// Delete writes a deletion tombstone at key, as Delete would.
func (w *IngestWriter) Delete(key []byte) error { return w.write(key, nil, true) }

func (w *IngestWriter) write(key, value []byte, tomb bool) error {
	if err := checkKey(w.eng.limits, key); err != nil {
		return err
	}
	if w.count > 0 && bytes.Compare(key, w.last) <= 0 {
		return invalidf("IngestWriter: key %q after %q: keys must ascend", key, w.last)
	}
	if err := w.chk.check(key, w.ts); err != nil {
		return err
	}
	if w.w == nil {
		if err := w.startFile(); err != nil {
			return err
		}
	}
	// The escaped encoding preserves the order of user keys, so ascending
	// user keys give ascending engine keys.
	w.ek = EncodeKey(w.ek[:0], key, w.ts)
	if tomb {
		w.v = append(w.v[:0], tagTombstone)
	} else {
		w.v = append(append(w.v[:0], tagValue), value...)
	}
	if err := w.w.Set(w.ek, w.v); err != nil {
		return err
	}
	w.last = append(w.last[:0], key...)
	w.count++
	if w.w.Raw().EstimatedSize() >= ingestFileSize {
		return w.finishFile()
	}
	return nil
}

// Count returns the number of versions written so far.
func (w *IngestWriter) Count() int { return w.count }

func (w *IngestWriter) startFile() error {
	fs := w.eng.opts.FS
	if err := fs.MkdirAll(w.eng.ingestDir, 0o755); err != nil {
		return err
	}
	path := fs.PathJoin(w.eng.ingestDir, fmt.Sprintf("%06d.sst", w.eng.ingestSeq.Add(1)))
	f, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	w.paths = append(w.paths, path)
	// Written as the engine writes its own sstables (format, comparer,
	// compression), as ingestion requires.
	opts := w.eng.opts.MakeWriterOptions(0, w.eng.db.TableFormat())
	w.w = sstable.NewWriter(objstorageprovider.NewFileWritable(f), opts)
	return nil
}

// finishFile completes the current sstable; closing the writer syncs the
// file, which ingestion requires of its caller.
func (w *IngestWriter) finishFile() error {
	if w.w == nil {
		return nil
	}
	sw := w.w
	w.w = nil
	return sw.Close()
}

// Commit ingests the versions written, atomically and durably, and closes
// w. A commit without writes does nothing. On error nothing is visible.
func (w *IngestWriter) Commit(ctx context.Context) error {
	defer w.Close()
	if err := w.chk.close(); err != nil {
		return err
	}
	if err := w.finishFile(); err != nil {
		return err
	}
	if len(w.paths) == 0 {
		return nil
	}
	if err := w.eng.db.Ingest(ctx, w.paths); err != nil {
		return fmt.Errorf("mvcc: ingesting %d sstables: %w", len(w.paths), err)
	}
	// Ingest moved the files into the engine and removed these names.
	w.paths = nil
	return nil
}

// Close discards what was written and not ingested (a no-op after
// Commit). Idempotent.
func (w *IngestWriter) Close() {
	_ = w.chk.close()
	if w.w != nil {
		_ = w.w.Close()
		w.w = nil
	}
	for _, p := range w.paths {
		if err := w.eng.opts.FS.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			w.eng.opts.Logger.Errorf("mvcc: removing %s: %v", p, err)
		}
	}
	w.paths = nil
}
