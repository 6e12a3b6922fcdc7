package wal

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Open opens (creating if needed) the WAL in cfg.Dir and recovers it:
//
//  1. Leftover temporary segment files (a crash during rotation) are
//     removed.
//  2. Every segment is decoded in sequence order and its records replayed
//     into the index: entries (overwrite rule), states, marks, and the
//     checkpoint that opens each segment.
//  3. An invalid frame at the tail of the last segment is a torn write
//     that was never acknowledged: the file is cut there. An invalid frame
//     in an older segment (whose bytes were all synced before the next
//     segment was created) is corruption: Open fails with a
//     *CorruptionError naming the file and offset, unless cfg.Repair is
//     set, in which case that segment is cut there too.
//  4. A new segment is started (old segments are never appended to), and
//     segments holding no live entry are deleted.
func Open(cfg Config) (*WAL, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	w := &WAL{
		cfg:           cfg,
		fs:            cfg.FS,
		dir:           filepath.Clean(cfg.Dir),
		wake:          make(chan struct{}, 1),
		tails:         map[RangeID]*tail{},
		committerDone: make(chan struct{}),
		ranges:        map[RangeID]*rangeIndex{},
		segs:          map[uint64]*segment{},
		nextSeq:       1,
	}
	w.cache = newEntryCache(cfg.CacheBytes)
	if err := w.recover(); err != nil {
		for _, s := range w.segs {
			s.f.Close()
		}
		return nil, err
	}
	go w.commitLoop()
	return w, nil
}

func parseSegmentName(name string) (uint64, bool) {
	base, ok := strings.CutSuffix(name, ".log")
	if !ok || len(base) != 20 {
		return 0, false
	}
	seq, err := strconv.ParseUint(base, 10, 64)
	return seq, err == nil
}

func (w *WAL) recover() error {
	fs := w.fs
	if err := fs.MkdirAll(w.dir); err != nil {
		return fmt.Errorf("wal: creating %s: %w", w.dir, err)
	}
	names, err := fs.List(w.dir)
	if err != nil {
		return fmt.Errorf("wal: listing %s: %w", w.dir, err)
	}
	var seqs []uint64
	removedTmp := false
	for _, name := range names {
		if strings.HasSuffix(name, ".log.tmp") {
			if err := fs.Remove(filepath.Join(w.dir, name)); err != nil {
				return fmt.Errorf("wal: removing %s: %w", name, err)
			}
			removedTmp = true
			continue
		}
		if seq, ok := parseSegmentName(name); ok {
			seqs = append(seqs, seq)
		}
	}
	if removedTmp {
		if err := fs.SyncDir(w.dir); err != nil {
			return fmt.Errorf("wal: syncing %s: %w", w.dir, err)
		}
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })

	for k, seq := range seqs {
		if err := w.replaySegment(seq, k == len(seqs)-1); err != nil {
			return err
		}
		w.nextSeq = seq + 1
	}

	// Holes can only remain if a segment was cut by Repair.
	for r, ri := range w.ranges {
		h := ri.lastHole()
		if h == 0 {
			continue
		}
		if !w.cfg.Repair {
			return &CorruptionError{File: w.dir, Offset: -1, Reason: fmt.Sprintf("range %d: entry %d is missing", r, h)}
		}
		ri.truncate(h+1, nil)
	}
	for r, ri := range w.ranges {
		t := &tail{state: ri.state, mark: ri.mark}
		if len(ri.locs) > 0 {
			t.first, t.last = ri.first, ri.last()
		}
		w.tails[r] = t
	}

	seg, err := w.createSegment()
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	w.active, w.activeSeg = seg, seg
	w.segs[seg.seq] = seg
	for _, s := range w.segs {
		if s.live == 0 {
			w.candidate = append(w.candidate, s)
		}
	}
	w.removeSegments(w.collectLocked())
	return nil
}

// replaySegment decodes one segment file and applies its records.
func (w *WAL) replaySegment(seq uint64, last bool) error {
	fs := w.fs
	path := filepath.Join(w.dir, segmentName(seq))
	f, err := fs.Open(path)
	if err != nil {
		return fmt.Errorf("wal: opening %s: %w", path, err)
	}
	size, err := f.Size()
	if err != nil {
		f.Close()
		return fmt.Errorf("wal: size of %s: %w", path, err)
	}
	data := make([]byte, size)
	if n, err := f.ReadAt(data, 0); err != nil && !(errors.Is(err, io.EOF) && int64(n) == size) {
		f.Close()
		return fmt.Errorf("wal: reading %s: %w", path, err)
	}
	img := decodeSegment(data)
	if img.reason == "" || img.validEnd > 0 {
		if img.seq != seq {
			img.validEnd, img.frames = 0, nil
			img.reason = fmt.Sprintf("header names segment %d", img.seq)
		}
	}
	if img.validEnd == 0 {
		// No valid header: the rename protocol makes this impossible short
		// of corruption.
		if !w.cfg.Repair {
			f.Close()
			return &CorruptionError{File: path, Offset: 0, Reason: img.reason}
		}
		f.Close()
		if err := fs.Remove(path); err != nil {
			return fmt.Errorf("wal: removing %s: %w", path, err)
		}
		return nil
	}
	seg := &segment{seq: seq, name: path, f: f, size: int64(img.validEnd)}
	w.segs[seq] = seg
	for _, recs := range img.frames {
		for i := range recs {
			w.replayRecord(seg, &recs[i])
		}
	}
	if img.reason != "" {
		if !last && !w.cfg.Repair {
			return &CorruptionError{File: path, Offset: int64(img.validEnd), Reason: img.reason}
		}
		if err := f.Truncate(int64(img.validEnd)); err != nil {
			return fmt.Errorf("wal: cutting %s at %d: %w", path, img.validEnd, err)
		}
	}
	// The last segment's tail may have been written by a process that
	// died before its fdatasync: readable from the page cache, not yet
	// durable. Recovery reports it (the caller restarts from it and acts
	// on it), so make it durable first. Older segments were synced before
	// their successor was created.
	if img.reason != "" || last {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("wal: syncing %s: %w", path, err)
		}
	}
	return nil
}

func (w *WAL) replayRecord(seg *segment, rec *record) {
	switch rec.kind {
	case kindEntry:
		l := loc{seg: seg, off: int64(rec.off), n: uint32(rec.n), bal: rec.entry.Ballot}
		w.rangeLocked(rec.rng).appendAt(rec.entry.Index, l, nil)
	case kindState:
		w.rangeLocked(rec.rng).state = rec.state
	case kindTruncate:
		w.rangeLocked(rec.rng).truncate(rec.mark, nil)
	case kindCheckpoint:
		listed := make(map[RangeID]bool, len(rec.ckpt))
		for _, c := range rec.ckpt {
			listed[c.Range] = true
			w.rangeLocked(c.Range).checkpoint(c, nil)
		}
		for r, ri := range w.ranges {
			if !listed[r] {
				dropLocs(ri.locs, nil)
				delete(w.ranges, r)
			}
		}
	}
}
