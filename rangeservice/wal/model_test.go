package wal

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
)

// model is the reference the WAL is checked against: per range, the state,
// the mark and the contiguous log, applied with the same rules.
type model struct {
	ranges map[RangeID]*modelRange
}

type modelRange struct {
	state   State
	mark    uint64
	first   uint64
	entries []Entry // entries[k] has index first+k
}

func newModel() *model { return &model{ranges: map[RangeID]*modelRange{}} }

func (m *model) clone() *model {
	c := newModel()
	for r, mr := range m.ranges {
		cr := *mr
		cr.entries = append([]Entry(nil), mr.entries...)
		c.ranges[r] = &cr
	}
	return c
}

func (m *model) rng(r RangeID) *modelRange {
	mr := m.ranges[r]
	if mr == nil {
		mr = &modelRange{}
		m.ranges[r] = mr
	}
	return mr
}

func (mr *modelRange) last() uint64 {
	if len(mr.entries) == 0 {
		return 0
	}
	return mr.first + uint64(len(mr.entries)) - 1
}

// modelOp is one record of a test batch.
type modelOp struct {
	kind  byte
	entry Entry
	r     RangeID
	state State
	mark  uint64
}

func (o modelOp) String() string {
	switch o.kind {
	case kindEntry:
		return fmt.Sprintf("append r%d i%d b%d (%dB)", o.entry.Range, o.entry.Index, o.entry.Ballot, len(o.entry.Payload))
	case kindState:
		return fmt.Sprintf("state r%d %+v", o.r, o.state)
	default:
		return fmt.Sprintf("truncate r%d below %d", o.r, o.mark)
	}
}

func toBatch(ops []modelOp) *Batch {
	b := new(Batch)
	for _, o := range ops {
		switch o.kind {
		case kindEntry:
			b.Append(o.entry)
		case kindState:
			b.SetState(o.r, o.state)
		case kindTruncate:
			b.Truncate(o.r, o.mark)
		}
	}
	return b
}

// apply applies a batch atomically; it reports whether the batch is valid
// (an invalid batch changes nothing).
func (m *model) apply(ops []modelOp) bool {
	c := m.clone()
	for _, o := range ops {
		switch o.kind {
		case kindEntry:
			e := o.entry
			mr := c.rng(e.Range)
			if e.Index == 0 || e.Index < mr.mark || (len(mr.entries) > 0 && e.Index > mr.last()+1) {
				return false
			}
			e.Payload = append([]byte(nil), e.Payload...)
			switch {
			case len(mr.entries) == 0 || e.Index < mr.first:
				mr.first, mr.entries = e.Index, []Entry{e}
			default:
				mr.entries = append(mr.entries[:e.Index-mr.first], e)
			}
		case kindState:
			c.rng(o.r).state = o.state
		case kindTruncate:
			mr := c.rng(o.r)
			if o.mark <= mr.mark {
				continue
			}
			mr.mark = o.mark
			switch {
			case len(mr.entries) == 0:
			case mr.last() < o.mark:
				mr.first, mr.entries = 0, nil
			case mr.first < o.mark:
				mr.entries = mr.entries[o.mark-mr.first:]
				mr.first = o.mark
			}
		}
	}
	*m = *c
	return true
}

func (mr *modelRange) info() RangeInfo {
	if mr == nil {
		return RangeInfo{}
	}
	info := RangeInfo{State: mr.state, Mark: mr.mark}
	if len(mr.entries) > 0 {
		info.First, info.Last = mr.first, mr.last()
	}
	return info
}

// diff compares the WAL's durable contents with the model and describes
// the first difference ("" if none).
func (m *model) diff(w *WAL) string {
	ids := map[RangeID]bool{}
	for r := range m.ranges {
		ids[r] = true
	}
	for _, r := range w.Ranges() {
		ids[r] = true
	}
	sorted := make([]RangeID, 0, len(ids))
	for r := range ids {
		sorted = append(sorted, r)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	for _, r := range sorted {
		mr := m.ranges[r]
		want := mr.info()
		got, _ := w.Range(r)
		if got != want {
			return fmt.Sprintf("range %d: info %+v, model %+v", r, got, want)
		}
		if want.Last == 0 {
			continue
		}
		es, err := w.Entries(r, want.First, want.Last+1, 0)
		if err != nil {
			return fmt.Sprintf("range %d: Entries: %v", r, err)
		}
		if len(es) != len(mr.entries) {
			return fmt.Sprintf("range %d: %d entries, model %d", r, len(es), len(mr.entries))
		}
		for k, e := range es {
			me := mr.entries[k]
			if e.Range != me.Range || e.Index != me.Index || e.Ballot != me.Ballot || !bytes.Equal(e.Payload, me.Payload) {
				return fmt.Sprintf("range %d: entry %d is %+v, model %+v", r, me.Index, e, me)
			}
			if b, err := w.Ballot(r, me.Index); err != nil || b != me.Ballot {
				return fmt.Sprintf("range %d: Ballot(%d) = %d, %v; model %d", r, me.Index, b, err, me.Ballot)
			}
		}
	}
	return ""
}

// checkInvariants checks the engine's internal bookkeeping: live counts
// match the index, only the active segment may hold nothing live, and the
// directory holds exactly the segments the engine knows.
func checkInvariants(w *WAL) string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	live := map[*segment]int{}
	for r, ri := range w.ranges {
		for k, l := range ri.locs {
			if l.seg == nil {
				return fmt.Sprintf("range %d: hole at %d", r, ri.first+uint64(k))
			}
			if w.segs[l.seg.seq] != l.seg {
				return fmt.Sprintf("range %d: entry %d points into collected segment %d", r, ri.first+uint64(k), l.seg.seq)
			}
			live[l.seg]++
		}
		if len(ri.locs) > 0 && ri.first < ri.mark {
			return fmt.Sprintf("range %d: first %d below mark %d", r, ri.first, ri.mark)
		}
	}
	for seq, s := range w.segs {
		if s.live != live[s] {
			return fmt.Sprintf("segment %d: live %d, counted %d", seq, s.live, live[s])
		}
		if s.live == 0 && s != w.activeSeg {
			return fmt.Sprintf("segment %d holds nothing live but was kept", seq)
		}
	}
	names, err := w.fs.List(w.dir)
	if err != nil {
		return err.Error()
	}
	files := map[string]bool{}
	for _, n := range names {
		files[filepath.Join(w.dir, n)] = true
	}
	for _, s := range w.segs {
		if !files[s.name] {
			return fmt.Sprintf("segment %s missing from the directory", s.name)
		}
		delete(files, s.name)
	}
	for n := range files {
		if _, ok := parseSegmentName(filepath.Base(n)); ok {
			// A segment being removed by a reader is fine; none exist in
			// these single-threaded checks.
			return fmt.Sprintf("stray segment file %s", n)
		}
	}
	return ""
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
