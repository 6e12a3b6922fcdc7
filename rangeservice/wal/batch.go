package wal

import "slices"

// RangeID identifies a range (one replicated log) on the node.
type RangeID uint64

// Entry is one log entry of one range.
type Entry struct {
	Range  RangeID
	Index  uint64 // >= 1
	Ballot uint64 // the ballot (generation) it was accepted in
	// Payload is opaque to the WAL. Slices returned by reads are shared
	// with the cache: callers must not modify them.
	Payload []byte
}

// State is a range's consensus state other than its entries. The WAL
// stores the last one written; it does not interpret the fields.
type State struct {
	Promised uint64 // the highest ballot promised (the acceptor's generation)
	Commit   uint64 // the commit index (high-water mark) known to this replica
}

// Batch collects log entries, state records and truncations, of any number
// of ranges, to be made durable together and atomically: after a crash
// either all of a batch is recovered or none of it.
//
// Records are encoded as they are added (in the caller's goroutine, off the
// committer's critical path), so payloads are copied and the caller may reuse
// them at once. A Batch belongs to the WAL from Submit until its Pending is
// done; after that it may be Reset and reused.
type Batch struct {
	// buf is the encoded frame: frameHeaderLen reserved bytes, then the
	// records. Invariant: ops[i] describes buf[ops[i].off:ops[i].off+ops[i].n].
	buf []byte
	ops []op
	err error // first structural error (index 0), reported at Submit
}

type op struct {
	kind  byte
	rng   RangeID
	index uint64 // kindEntry
	bal   uint64 // kindEntry
	state State  // kindState
	mark  uint64 // kindTruncate
	off   int    // record offset within the frame
	n     int    // record length
}

func (b *Batch) init() {
	if b.buf == nil {
		b.buf = make([]byte, frameHeaderLen, 128)
	}
}

// Append adds log entries. Entries of one range must be added in the order
// they are to be applied; appending index i discards the range's entries at
// and above i (the consensus overwrite rule), including ones earlier in the
// same batch.
func (b *Batch) Append(es ...Entry) {
	b.init()
	need := 0
	for _, e := range es {
		need += recordOverhead + entryBodyMin + len(e.Payload)
	}
	b.buf = slices.Grow(b.buf, need)
	for _, e := range es {
		if e.Index == 0 && b.err == nil {
			b.err = invalidf("range %d: entry index 0", e.Range)
		}
		off := len(b.buf)
		b.buf = appendEntryRecord(b.buf, e)
		b.ops = append(b.ops, op{kind: kindEntry, rng: e.Range, index: e.Index, bal: e.Ballot, off: off, n: len(b.buf) - off})
	}
}

// SetState records the range's consensus state; the last one written wins.
func (b *Batch) SetState(r RangeID, s State) {
	b.init()
	off := len(b.buf)
	b.buf = appendStateRecord(b.buf, r, s)
	b.ops = append(b.ops, op{kind: kindState, rng: r, state: s, off: off, n: len(b.buf) - off})
}

// Truncate sets the range's low-water mark: its entries below mark are
// discarded and later appends below it are refused. Marks never move
// down: a mark at or below the current one is a no-op. Truncating past the
// last entry leaves the log empty; the next append may then start at any
// index >= mark (as after installing a snapshot).
func (b *Batch) Truncate(r RangeID, mark uint64) {
	b.init()
	off := len(b.buf)
	b.buf = appendTruncateRecord(b.buf, r, mark)
	b.ops = append(b.ops, op{kind: kindTruncate, rng: r, mark: mark, off: off, n: len(b.buf) - off})
}

// Len returns the number of records in the batch.
func (b *Batch) Len() int { return len(b.ops) }

// Size returns the batch's encoded size in bytes.
func (b *Batch) Size() int { return len(b.buf) }

// Reset empties the batch for reuse.
func (b *Batch) Reset() {
	if b.buf != nil {
		b.buf = b.buf[:frameHeaderLen]
	}
	b.ops = b.ops[:0]
	b.err = nil
}

// payload returns the payload of entry op o, aliasing buf.
func (b *Batch) payload(o *op) []byte {
	return b.buf[o.off+5+entryBodyMin : o.off+o.n-4]
}
