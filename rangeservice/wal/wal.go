package wal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// WAL is the node's log engine. See the package documentation for the
// contract. All methods are safe for concurrent use.
//
// The commit pipeline, and its ordering invariants:
//
//		callers: encode batch, Submit --> queue --> committer: take group,
//		validate, one Write, one fdatasync, apply to index, acknowledge
//
//	 1. Callers encode their batches (records and checksums) in their own
//	    goroutines and append them to the queue, the singular update queue.
//	    While the committer is in fdatasync for group N, group N+1 forms in
//	    the queue: that is the pipeline.
//	 2. The committer alone takes from the queue: everything queued (up to
//	    MaxGroupBytes), validated against its tail view, written with one
//	    Write and made durable with one fdatasync. Groups are written in
//	    queue order, so file offsets grow in that order.
//	 3. A batch is applied to the durable index and acknowledged only after
//	    the fdatasync that covers all of its bytes returned nil; batches are
//	    acknowledged in Submit order (rejected ones, ErrInvalid or a done
//	    context, included). So an acknowledged batch is durable, and reads
//	    see only durable entries.
//	 4. A write or sync error sets the sticky failure before anything else
//	    is acknowledged; that group and every later batch fail with
//	    ErrFailed. (After a failed fdatasync the kernel may have dropped the
//	    dirty pages, and a later sync could succeed without them: the error
//	    must be sticky.)
//	 5. A new segment is created (header and checkpoint written to a
//	    temporary file, synced, renamed, directory synced) only between
//	    groups, when every byte of the old segment is synced: only the last
//	    segment can ever have a torn tail.
//	 6. After acknowledging a group the committer yields once before taking
//	    the next, so that callers woken by the acknowledgements can queue
//	    their next batch into it.
//
// Tried and measured on this machine's ext4 disk (256 appenders, in
// multiples of the disk's plain fdatasync rate): a separate syncer that
// fdatasyncs while the writer appends the next group to the same file,
// about 22x (an overlapping write mostly waits for the sync anyway, and
// writing each small group as soon as it appears costs a syscall per
// handful of entries); write+sync in one goroutine with a separate
// notifier acknowledging group N while group N+1 syncs, 30-40x (appenders
// split into two cohorts, each group held about half of them); the
// committer acknowledging inline and yielding, 45-60x (groups about 140
// entries). Rejected without building: a timer-based group window (adds
// latency under light load; the sync itself is the window).
//
// Lock order: qmu and mu are never held together; mu is held only for
// in-memory work, never across I/O.
type WAL struct {
	cfg Config
	fs  FS
	dir string

	// The queue. Guarded by qmu.
	qmu    sync.Mutex
	queue  []*request
	closed bool
	wake   chan struct{} // capacity 1: "the queue may be non-empty"

	// Owned by the committer goroutine (and by Open before it starts).
	active   *segment
	tails    map[RangeID]*tail
	nextSeq  uint64
	groupBuf []byte
	overlay  []rangeTail

	committerDone chan struct{}

	failure atomic.Pointer[error] // the sticky error, wrapping ErrFailed

	// mu guards the durable view: ranges, segs, cache, activeSeg and
	// segment.live.
	mu        sync.RWMutex
	ranges    map[RangeID]*rangeIndex
	segs      map[uint64]*segment
	activeSeg *segment // the durable view's active segment, for collection
	cache     entryCache
	candidate []*segment // segments whose live count reached 0
	isClosed  atomic.Bool

	stats struct {
		groups, batches, bytes, syncNanos atomic.Int64
	}

	closeOnce sync.Once
	closeErr  error
}

type rangeTail struct {
	r RangeID
	t tail
}

// job is a finished group (synced, or failed), or the switch to a new
// segment, for notify.
type job struct {
	reqs   []*request
	err    error    // non-nil: the group failed; fail its requests
	newSeg *segment // non-nil: the active segment changes to newSeg
}

// Pending is a submitted batch and, once Done is closed, its outcome.
type Pending struct {
	done chan struct{}
	err  error

	ctx context.Context
	b   *Batch
	// Set by the committer: where the batch's frame went, or why it was
	// not written.
	seg      *segment
	off      int64
	rejected error
}

// request is the WAL's side of a Pending.
type request = Pending

// Done is closed when the batch is durable or has failed.
func (p *Pending) Done() <-chan struct{} { return p.done }

// Err waits until the batch is done and returns nil if it is durable.
func (p *Pending) Err() error {
	<-p.done
	return p.err
}

// Wait waits until the batch is done or ctx ends. If ctx ends first it
// returns ctx's error and the batch's fate is unknown: it may still become
// durable.
func (p *Pending) Wait(ctx context.Context) error {
	if ctx.Done() == nil {
		<-p.done
		return p.err
	}
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		select {
		case <-p.done:
			return p.err
		default:
		}
		return ctx.Err()
	}
}

func (p *Pending) finish(err error) {
	p.err = err
	close(p.done)
}

func donePending(err error) *Pending {
	p := &Pending{done: make(chan struct{})}
	p.finish(err)
	return p
}

func (w *WAL) failed() error {
	if e := w.failure.Load(); e != nil {
		return *e
	}
	return nil
}

func (w *WAL) fail(cause error) error {
	err := failed(cause)
	if !w.failure.CompareAndSwap(nil, &err) {
		return *w.failure.Load()
	}
	return err
}

// Submit queues b to be made durable and returns at once. The Pending
// completes after an fdatasync covers the batch, or with an error: ErrInvalid
// (the batch breaks a rule; nothing of it was written), ErrFailed (sticky),
// ErrClosed, or ctx's error if ctx ended before the committer reached the
// batch (then nothing of it was written). Batches are applied in Submit
// order. The batch must not be touched until the Pending is done.
func (w *WAL) Submit(ctx context.Context, b *Batch) *Pending {
	if b.err != nil {
		return donePending(b.err)
	}
	if len(b.ops) == 0 {
		return donePending(invalidf("empty batch"))
	}
	if body := len(b.buf) - frameHeaderLen; body > w.cfg.MaxBatchBytes {
		return donePending(invalidf("batch of %d bytes exceeds MaxBatchBytes %d", body, w.cfg.MaxBatchBytes))
	}
	if err := w.failed(); err != nil {
		return donePending(err)
	}
	putFrameHeader(b.buf, len(b.buf)-frameHeaderLen)
	req := &Pending{ctx: ctx, b: b, done: make(chan struct{})}
	w.qmu.Lock()
	if w.closed {
		w.qmu.Unlock()
		return donePending(ErrClosed)
	}
	w.queue = append(w.queue, req)
	w.qmu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return req
}

// Write submits b and waits until it is durable (nil) or failed. If ctx
// ends first, it returns ctx's error and the batch may or may not become
// durable.
func (w *WAL) Write(ctx context.Context, b *Batch) error {
	return w.Submit(ctx, b).Wait(ctx)
}

// Append makes entries durable (one batch) and returns when they are.
func (w *WAL) Append(ctx context.Context, es ...Entry) error {
	var b Batch
	b.Append(es...)
	return w.Write(ctx, &b)
}

// SetState makes a range's state durable.
func (w *WAL) SetState(ctx context.Context, r RangeID, s State) error {
	var b Batch
	b.SetState(r, s)
	return w.Write(ctx, &b)
}

// Truncate durably raises a range's low-water mark to mark (see
// Batch.Truncate). Segments left holding nothing above any range's mark are
// deleted.
func (w *WAL) Truncate(ctx context.Context, r RangeID, mark uint64) error {
	var b Batch
	b.Truncate(r, mark)
	return w.Write(ctx, &b)
}

// ---- the committer ----

// takeQueue waits for queued requests and takes up to MaxGroupBytes of them
// (at least one). It returns nil when the WAL is closed and the queue empty.
func (w *WAL) takeQueue() []*request {
	for {
		w.qmu.Lock()
		if len(w.queue) > 0 {
			n, size := 0, 0
			for n < len(w.queue) && (n == 0 || size+len(w.queue[n].b.buf) <= w.cfg.MaxGroupBytes) {
				size += len(w.queue[n].b.buf)
				n++
			}
			reqs := w.queue[:n:n]
			if n == len(w.queue) {
				w.queue = nil
			} else {
				w.queue = w.queue[n:]
				select {
				case w.wake <- struct{}{}:
				default:
				}
			}
			w.qmu.Unlock()
			return reqs
		}
		closed := w.closed
		w.qmu.Unlock()
		if closed {
			return nil
		}
		<-w.wake
	}
}

func (w *WAL) commitLoop() {
	defer close(w.committerDone)
	for {
		reqs := w.takeQueue()
		if reqs == nil {
			return
		}
		w.commitGroup(reqs)
		runtime.Gosched() // invariant 6
	}
}

// tailFor returns the overlay copy of r's tail for validating one batch.
func (w *WAL) tailFor(r RangeID) *tail {
	for k := range w.overlay {
		if w.overlay[k].r == r {
			return &w.overlay[k].t
		}
	}
	rt := rangeTail{r: r}
	if t := w.tails[r]; t != nil {
		rt.t = *t
	}
	w.overlay = append(w.overlay, rt)
	return &w.overlay[len(w.overlay)-1].t
}

// validate checks b against the tail view and, if it is valid, applies it.
func (w *WAL) validate(b *Batch) error {
	w.overlay = w.overlay[:0]
	for k := range b.ops {
		o := &b.ops[k]
		if err := w.tailFor(o.rng).apply(o); err != nil {
			return err
		}
	}
	for _, rt := range w.overlay {
		t := w.tails[rt.r]
		if t == nil {
			t = new(tail)
			w.tails[rt.r] = t
		}
		*t = rt.t
	}
	return nil
}

// commitGroup validates, writes, syncs and acknowledges one group.
func (w *WAL) commitGroup(reqs []*request) {
	if err := w.failed(); err != nil {
		w.notify(&job{reqs: reqs, err: err})
		return
	}
	// Rotate before validating, so the new segment's checkpoint reflects
	// the state before this group.
	est := 0
	for _, r := range reqs {
		est += len(r.b.buf)
	}
	if w.active.size > w.active.start && w.active.size+int64(est) > w.cfg.SegmentSize {
		if err := w.rotate(); err != nil {
			w.notify(&job{reqs: reqs, err: err})
			return
		}
	}
	buf := w.groupBuf[:0]
	accepted := 0
	for _, r := range reqs {
		if r.ctx != nil && r.ctx.Err() != nil {
			r.rejected = r.ctx.Err()
			continue
		}
		if err := w.validate(r.b); err != nil {
			r.rejected = err
			continue
		}
		r.seg, r.off = w.active, w.active.size+int64(len(buf))
		buf = append(buf, r.b.buf...)
		accepted++
	}
	if cap(buf) <= 2*w.cfg.MaxGroupBytes {
		w.groupBuf = buf
	}
	if accepted == 0 {
		w.notify(&job{reqs: reqs})
		return
	}
	groupStart := w.active.size
	if _, err := w.active.f.Write(buf); err != nil {
		err = w.fail(fmt.Errorf("writing %s: %w", w.active.name, err))
		w.cutFailedGroup(groupStart)
		w.notify(&job{reqs: reqs, err: err})
		return
	}
	w.active.size += int64(len(buf))
	t0 := time.Now()
	serr := w.active.f.Sync()
	w.stats.syncNanos.Add(int64(time.Since(t0)))
	w.stats.groups.Add(1)
	w.stats.batches.Add(int64(accepted))
	w.stats.bytes.Add(int64(len(buf)))
	if err := serr; err != nil {
		err = w.fail(fmt.Errorf("syncing %s: %w", w.active.name, err))
		w.cutFailedGroup(groupStart)
		w.notify(&job{reqs: reqs, err: err})
		return
	}
	w.notify(&job{reqs: reqs})
}

// cutFailedGroup cuts the active segment back to off, where the failed
// group began. After a failed fdatasync the kernel may have dropped the
// group's dirty pages yet still serve them from its cache, so a process
// that reopens the WAL (without a power loss) would read back, as if it
// were durable, a group that is not on disk and was never acknowledged.
// Cutting the file discards the cached bytes. Best effort: if the cut
// fails too, or the process dies first, that window remains (recovery
// cannot tell such bytes from durable ones).
func (w *WAL) cutFailedGroup(off int64) {
	_ = w.active.f.Truncate(off)
	w.active.size = off
}

// rotate starts a new segment. Every group written so far is synced (the
// committer syncs each group before taking the next).
func (w *WAL) rotate() error {
	seg, err := w.createSegment()
	if err != nil {
		return w.fail(err)
	}
	w.active = seg
	w.notify(&job{newSeg: seg})
	return nil
}

func segmentName(seq uint64) string { return fmt.Sprintf("%020d.log", seq) }

// createSegment writes a new segment with the committer's checkpoint under a
// temporary name, syncs it and renames it into place.
func (w *WAL) createSegment() (*segment, error) {
	seq := w.nextSeq
	w.nextSeq++
	name := filepath.Join(w.dir, segmentName(seq))
	tmp := name + ".tmp"
	ck := make([]ckptRange, 0, len(w.tails))
	for r, t := range w.tails {
		if *t == (tail{}) {
			continue
		}
		ck = append(ck, ckptRange{Range: r, Promised: t.state.Promised, Commit: t.state.Commit, Mark: t.mark, First: t.first, Last: t.last})
	}
	sort.Slice(ck, func(i, j int) bool { return ck[i].Range < ck[j].Range })
	b := appendSegmentHeader(nil, seq)
	b = append(b, make([]byte, frameHeaderLen)...)
	b = appendCheckpointRecord(b, ck)
	putFrameHeader(b[segmentHeaderLen:], len(b)-segmentHeaderLen-frameHeaderLen)

	f, err := w.fs.Create(tmp)
	if err != nil {
		return nil, fmt.Errorf("creating segment %s: %w", tmp, err)
	}
	fail := func(err error) (*segment, error) {
		f.Close()
		_ = w.fs.Remove(tmp)
		return nil, err
	}
	if _, err := f.Write(b); err != nil {
		return fail(fmt.Errorf("writing segment %s: %w", tmp, err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("syncing segment %s: %w", tmp, err))
	}
	if err := w.fs.Rename(tmp, name); err != nil {
		return fail(fmt.Errorf("renaming segment %s: %w", tmp, err))
	}
	if err := w.fs.SyncDir(w.dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("syncing directory %s: %w", w.dir, err)
	}
	s := &segment{seq: seq, name: name, f: f, size: int64(len(b)), start: int64(len(b))}
	return s, nil
}

// ---- acknowledging ----

// notify applies finished groups to the index and acknowledges them, in
// order.
func (w *WAL) notify(jobs ...*job) {
	w.mu.Lock()
	for _, j := range jobs {
		if j.newSeg != nil {
			old := w.activeSeg
			w.segs[j.newSeg.seq] = j.newSeg
			w.activeSeg = j.newSeg
			if old != nil && old.live == 0 {
				w.candidate = append(w.candidate, old)
			}
			continue
		}
		if j.err == nil {
			for _, r := range j.reqs {
				if r.rejected == nil {
					w.applyLocked(r)
				}
			}
		}
	}
	dead := w.collectLocked()
	w.mu.Unlock()
	// Remove before acknowledging, so that a Truncate returns with its
	// segments gone (rare: at most once per segment).
	w.removeSegments(dead)
	for _, j := range jobs {
		for _, r := range j.reqs {
			if r.rejected != nil {
				r.finish(r.rejected)
			} else {
				r.finish(j.err)
			}
		}
	}
}

func (w *WAL) rangeLocked(r RangeID) *rangeIndex {
	ri := w.ranges[r]
	if ri == nil {
		ri = &rangeIndex{}
		w.ranges[r] = ri
	}
	return ri
}

// applyLocked applies a durable request to the index and the cache.
func (w *WAL) applyLocked(r *request) {
	b := r.b
	for k := range b.ops {
		o := &b.ops[k]
		ri := w.rangeLocked(o.rng)
		switch o.kind {
		case kindEntry:
			l := loc{seg: r.seg, off: r.off + int64(o.off), n: uint32(o.n), bal: o.bal}
			l.slot = w.cache.add(l, b.payload(o))
			ri.appendAt(o.index, l, &w.candidate)
		case kindState:
			ri.state = o.state
		case kindTruncate:
			ri.truncate(o.mark, &w.candidate)
		}
	}
	if len(w.cache.slots) > 0 {
		// The cache may alias the buffer now: it is the WAL's. The caller
		// gets a fresh one on reuse.
		b.buf = nil
	}
}

// collectLocked takes the segments that hold nothing live (other than the
// active one) out of the index and returns them for removal.
func (w *WAL) collectLocked() []*segment {
	var dead []*segment
	for _, s := range w.candidate {
		if s.live != 0 || s == w.activeSeg || w.segs[s.seq] != s {
			continue
		}
		delete(w.segs, s.seq)
		s.obsolete.Store(true)
		dead = append(dead, s)
	}
	w.candidate = w.candidate[:0]
	return dead
}

func (w *WAL) removeSegments(dead []*segment) {
	removed := false
	for _, s := range dead {
		if s.refs.Load() == 0 && s.removed.CompareAndSwap(false, true) {
			w.removeFile(s)
			removed = true
		}
	}
	if removed {
		// Best effort: a removal that is lost in a crash only leaves a
		// segment whose records recovery replays harmlessly.
		_ = w.fs.SyncDir(w.dir)
	}
}

func (w *WAL) removeFile(s *segment) {
	s.f.Close()
	_ = w.fs.Remove(s.name)
}

func (w *WAL) release(s *segment) {
	if s.refs.Add(-1) == 0 && s.obsolete.Load() && s.removed.CompareAndSwap(false, true) {
		w.removeFile(s)
		_ = w.fs.SyncDir(w.dir)
	}
}

// ---- reads ----

// RangeInfo describes a range's durable log.
type RangeInfo struct {
	State State
	Mark  uint64 // low-water mark: entries below it are gone
	First uint64 // first entry held; 0 if the log is empty
	Last  uint64 // last entry held; 0 if the log is empty
}

// Range returns the durable state of range r, and whether the WAL holds
// anything for it.
func (w *WAL) Range(r RangeID) (RangeInfo, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	ri := w.ranges[r]
	if ri == nil {
		return RangeInfo{}, false
	}
	info := RangeInfo{State: ri.state, Mark: ri.mark}
	if len(ri.locs) > 0 {
		info.First, info.Last = ri.first, ri.last()
	}
	return info, true
}

// Ranges returns the ids of the ranges the WAL holds anything for, sorted.
func (w *WAL) Ranges() []RangeID {
	w.mu.RLock()
	ids := make([]RangeID, 0, len(w.ranges))
	for r, ri := range w.ranges {
		if len(ri.locs) > 0 || ri.mark != 0 || ri.state != (State{}) {
			ids = append(ids, r)
		}
	}
	w.mu.RUnlock()
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// checkRangeLocked checks that [lo, hi) is readable.
func checkRange(ri *rangeIndex, r RangeID, lo, hi uint64) error {
	var first, last uint64
	if ri != nil {
		first, last = ri.first, ri.last()
		if len(ri.locs) == 0 {
			first = ri.mark
		}
	}
	if lo < first || lo == 0 {
		return fmt.Errorf("%w: range %d index %d (first is %d)", ErrCompacted, r, lo, first)
	}
	if hi > last+1 {
		return fmt.Errorf("%w: range %d index %d (last is %d)", ErrUnavailable, r, hi-1, last)
	}
	return nil
}

// Ballot returns the ballot of range r's durable entry i.
func (w *WAL) Ballot(r RangeID, i uint64) (uint64, error) {
	if w.isClosed.Load() {
		return 0, ErrClosed
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	ri := w.ranges[r]
	if err := checkRange(ri, r, i, i+1); err != nil {
		return 0, err
	}
	return ri.locs[i-ri.first].bal, nil
}

type pendingRead struct {
	k int // position in the result
	l loc
}

// Entries returns range r's durable entries [lo, hi), stopping early (after
// at least one entry) once their payloads exceed maxBytes (0: no limit).
// It fails with ErrCompacted if lo is below the range's first entry and
// ErrUnavailable if hi-1 is past its last. Payloads may be shared with the
// cache: callers must not modify them.
func (w *WAL) Entries(r RangeID, lo, hi uint64, maxBytes uint64) ([]Entry, error) {
	if w.isClosed.Load() {
		return nil, ErrClosed
	}
	if lo >= hi {
		return nil, nil
	}
	var out []Entry
	var misses []pendingRead
	w.mu.RLock()
	ri := w.ranges[r]
	if err := checkRange(ri, r, lo, hi); err != nil {
		w.mu.RUnlock()
		return nil, err
	}
	var size uint64
	for i := lo; i < hi; i++ {
		l := ri.locs[i-ri.first]
		size += uint64(l.payloadLen())
		if maxBytes > 0 && size > maxBytes && len(out) > 0 {
			break
		}
		e := Entry{Range: r, Index: i, Ballot: l.bal}
		if p, ok := w.cache.get(l); ok {
			e.Payload = p
		} else {
			l.seg.refs.Add(1)
			misses = append(misses, pendingRead{k: len(out), l: l})
		}
		out = append(out, e)
	}
	w.mu.RUnlock()
	var err error
	for _, m := range misses {
		if err == nil {
			out[m.k].Payload, err = w.readEntry(&out[m.k], m.l)
		}
		w.release(m.l.seg)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readEntry reads and checks one entry record from disk.
func (w *WAL) readEntry(e *Entry, l loc) ([]byte, error) {
	buf := make([]byte, l.n)
	if _, err := l.seg.f.ReadAt(buf, l.off); err != nil && !(errors.Is(err, io.EOF) && len(buf) == int(l.n)) {
		if w.isClosed.Load() {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("wal: reading %s at %d: %w", l.seg.name, l.off, err)
	}
	rec, reason := decodeRecord(buf)
	if reason == "" && (rec.kind != kindEntry || rec.n != len(buf) || rec.entry.Range != e.Range || rec.entry.Index != e.Index || rec.entry.Ballot != e.Ballot) {
		reason = fmt.Sprintf("record is not range %d entry %d", e.Range, e.Index)
	}
	if reason != "" {
		return nil, &CorruptionError{File: l.seg.name, Offset: l.off, Reason: reason}
	}
	return rec.entry.Payload, nil
}

// Stats are counters since Open, for metrics and benchmarks.
type Stats struct {
	Groups   int64         // group commits: one Write and one fdatasync each
	Batches  int64         // batches made durable
	Bytes    int64         // bytes written in groups
	SyncTime time.Duration // total time spent in group fdatasyncs
}

// Stats returns the counters.
func (w *WAL) Stats() Stats {
	return Stats{
		Groups:   w.stats.groups.Load(),
		Batches:  w.stats.batches.Load(),
		Bytes:    w.stats.bytes.Load(),
		SyncTime: time.Duration(w.stats.syncNanos.Load()),
	}
}

// ---- close ----

// Close waits for the batches already submitted to finish, closes the
// files and stops the goroutines. Later calls return the same result. It
// returns the sticky failure, if the engine had one.
func (w *WAL) Close() error {
	w.closeOnce.Do(func() {
		w.qmu.Lock()
		w.closed = true
		w.qmu.Unlock()
		select {
		case w.wake <- struct{}{}:
		default:
		}
		<-w.committerDone
		w.isClosed.Store(true)
		w.mu.Lock()
		for _, s := range w.segs {
			s.f.Close()
		}
		w.mu.Unlock()
		w.closeErr = w.failed()
	})
	return w.closeErr
}
