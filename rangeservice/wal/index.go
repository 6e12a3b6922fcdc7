package wal

import "sync/atomic"

// segment is one segment file.
type segment struct {
	seq  uint64
	name string // full path
	f    File

	// live counts the index's entries located in this segment.
	// Guarded by WAL.mu. A segment other than the active one with live == 0
	// holds nothing any range still needs (the checkpoint at the start of
	// every later segment carries all state and marks) and is deleted.
	live int

	// size is the file's length. Owned by the committer goroutine for the
	// active segment; fixed for older ones.
	size  int64
	start int64 // where batches begin (after header and checkpoint)

	refs     atomic.Int32 // readers between lookup (under WAL.mu) and ReadAt
	obsolete atomic.Bool  // taken out of WAL.segs; remove once refs == 0
	removed  atomic.Bool  // set by whoever closes and removes the file
}

// loc is where an entry lives on disk, plus its ballot so that a
// Ballot(index) lookup needs no I/O.
type loc struct {
	seg  *segment // nil: a hole (only ever during recovery)
	off  int64    // offset of the entry record in the segment file
	bal  uint64
	n    uint32 // record length
	slot uint32 // cache slot + 1; 0: not cached
}

func (l loc) payloadLen() int { return int(l.n) - recordOverhead - entryBodyMin }

// rangeIndex is the durable view of one range: what a read sees. It is
// changed only by the committer (after the records are durable) and by
// recovery, under WAL.mu.
type rangeIndex struct {
	state State
	// Invariant: mark <= first when len(locs) > 0.
	mark  uint64
	first uint64 // index of locs[0]
	// locs[k] is entry first+k. Invariant (outside recovery): no holes.
	locs []loc
}

func (ri *rangeIndex) last() uint64 {
	if len(ri.locs) == 0 {
		return 0
	}
	return ri.first + uint64(len(ri.locs)) - 1
}

// dropLocs discards ls, appending to *dead (if dead is not nil) each
// segment whose live count reaches zero.
func dropLocs(ls []loc, dead *[]*segment) {
	for _, l := range ls {
		if l.seg != nil {
			l.seg.live--
			if l.seg.live == 0 && dead != nil {
				*dead = append(*dead, l.seg)
			}
		}
	}
}

// appendAt applies the overwrite rule: entries at and above i are
// discarded, then l becomes entry i. An index past last+1 leaves holes
// (recovery only: the entries between were in deleted segments and are
// known to be discarded later in the log).
func (ri *rangeIndex) appendAt(i uint64, l loc, dead *[]*segment) {
	switch {
	case len(ri.locs) == 0 || i < ri.first:
		dropLocs(ri.locs, dead)
		ri.first, ri.locs = i, ri.locs[:0]
	case i <= ri.last():
		k := i - ri.first
		dropLocs(ri.locs[k:], dead)
		ri.locs = ri.locs[:k]
	default:
		for ri.last()+1 < i {
			ri.locs = append(ri.locs, loc{})
		}
	}
	ri.locs = append(ri.locs, l)
	l.seg.live++
}

// discardBelow discards the entries below i.
func (ri *rangeIndex) discardBelow(i uint64, dead *[]*segment) {
	if len(ri.locs) == 0 || i <= ri.first {
		return
	}
	if i > ri.last() {
		dropLocs(ri.locs, dead)
		ri.locs, ri.first = nil, 0
		return
	}
	k := i - ri.first
	dropLocs(ri.locs[:k], dead)
	ri.locs = ri.locs[k:]
	ri.first = i
}

// discardAbove discards the entries above i.
func (ri *rangeIndex) discardAbove(i uint64, dead *[]*segment) {
	if len(ri.locs) == 0 || i >= ri.last() {
		return
	}
	if i < ri.first {
		dropLocs(ri.locs, dead)
		ri.locs, ri.first = nil, 0
		return
	}
	k := i - ri.first + 1
	dropLocs(ri.locs[k:], dead)
	ri.locs = ri.locs[:k]
}

// truncate raises the low-water mark to m (never lowers it).
func (ri *rangeIndex) truncate(m uint64, dead *[]*segment) {
	if m <= ri.mark {
		return
	}
	ri.mark = m
	ri.discardBelow(m, dead)
}

// checkpoint applies a checkpoint line: the range's state, mark and extent
// as of the start of a segment.
func (ri *rangeIndex) checkpoint(c ckptRange, dead *[]*segment) {
	ri.state = State{Promised: c.Promised, Commit: c.Commit}
	ri.mark = c.Mark
	ri.discardBelow(max(c.Mark, c.First), dead)
	ri.discardAbove(c.Last, dead) // Last == 0: empty
}

// holes returns the index of the last hole, or 0 if there is none.
func (ri *rangeIndex) lastHole() uint64 {
	for k := len(ri.locs) - 1; k >= 0; k-- {
		if ri.locs[k].seg == nil {
			return ri.first + uint64(k)
		}
	}
	return 0
}

// tail is the committer's view of a range: it includes batches written but
// not yet durable, and decides whether a new batch is valid. It mirrors
// rangeIndex without the locations. Owned by the committer goroutine.
type tail struct {
	state State
	mark  uint64
	first uint64 // 0 when empty
	last  uint64 // 0 when empty
}

// apply validates op o against t and applies it.
func (t *tail) apply(o *op) error {
	switch o.kind {
	case kindEntry:
		i := o.index
		if i < t.mark {
			return invalidf("range %d: append at index %d below truncation mark %d", o.rng, i, t.mark)
		}
		if t.last != 0 && i > t.last+1 {
			return invalidf("range %d: append at index %d leaves a gap after last index %d", o.rng, i, t.last)
		}
		if t.last == 0 || i <= t.first {
			t.first = i
		}
		t.last = i
	case kindState:
		t.state = o.state
	case kindTruncate:
		if o.mark <= t.mark {
			return nil
		}
		t.mark = o.mark
		if t.last != 0 {
			if t.last < o.mark {
				t.first, t.last = 0, 0
			} else if t.first < o.mark {
				t.first = o.mark
			}
		}
	}
	return nil
}

// entryCache keeps the payloads of recently written entries, bounded in
// bytes and in count, in a ring: the oldest is evicted first. An entry's
// loc names its slot; a hit must match the slot's segment and offset, so a
// slot reused for a newer entry, or an entry since overwritten or
// truncated, is never served and nothing needs invalidating. Payloads alias
// the batch buffers the WAL took over from Submit. Guarded by WAL.mu.
type entryCache struct {
	max   int64
	size  int64
	slots []cacheSlot
	head  int // next slot to fill
	tail  int // oldest filled slot
	count int
}

type cacheSlot struct {
	seg     *segment
	off     int64
	payload []byte
}

func newEntryCache(bytes int64) entryCache {
	n := min(max(bytes/128, 16), 1<<20)
	if bytes <= 0 {
		n = 0
	}
	return entryCache{max: bytes, slots: make([]cacheSlot, n)}
}

// add caches payload for the entry at l and returns its slot + 1 (0: not
// cached).
func (c *entryCache) add(l loc, payload []byte) uint32 {
	if len(c.slots) == 0 || int64(len(payload)) > c.max {
		return 0
	}
	if c.count == len(c.slots) {
		c.evict()
	}
	pos := c.head
	c.slots[pos] = cacheSlot{seg: l.seg, off: l.off, payload: payload}
	c.size += int64(len(payload))
	c.count++
	if c.head++; c.head == len(c.slots) {
		c.head = 0
	}
	for c.size > c.max {
		c.evict()
	}
	return uint32(pos) + 1
}

func (c *entryCache) evict() {
	c.size -= int64(len(c.slots[c.tail].payload))
	c.slots[c.tail] = cacheSlot{}
	c.count--
	if c.tail++; c.tail == len(c.slots) {
		c.tail = 0
	}
}

func (c *entryCache) get(l loc) ([]byte, bool) {
	if l.slot == 0 {
		return nil, false
	}
	s := &c.slots[l.slot-1]
	if s.seg != l.seg || s.off != l.off || s.payload == nil {
		return nil, false
	}
	return s.payload, true
}
