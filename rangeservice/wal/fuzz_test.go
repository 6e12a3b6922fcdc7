package wal

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// sampleSegments returns the segment files of a small workload, as seeds.
func sampleSegments(tb testing.TB) [][]byte {
	fs := NewMemFS()
	w, err := Open(Config{Dir: "/wal", FS: fs, SegmentSize: 512})
	if err != nil {
		tb.Fatal(err)
	}
	for _, ops := range crashWorkload() {
		if err := w.Write(context.Background(), toBatch(ops)); err != nil {
			tb.Fatal(err)
		}
	}
	w.Close()
	names, _ := fs.List("/wal")
	var out [][]byte
	for _, n := range names {
		f, err := fs.Open("/wal/" + n)
		if err != nil {
			tb.Fatal(err)
		}
		size, _ := f.Size()
		b := make([]byte, size)
		f.ReadAt(b, 0)
		f.Close()
		out = append(out, b)
	}
	return out
}

func addSegmentSeeds(f *testing.F) {
	for _, seg := range sampleSegments(f) {
		f.Add(seg)
		f.Add(seg[:len(seg)/2])
		flipped := append([]byte(nil), seg...)
		flipped[len(flipped)*2/3] ^= 0x40
		f.Add(flipped)
	}
	f.Add([]byte{})
	f.Add(appendSegmentHeader(nil, 1))
	f.Add(append(appendSegmentHeader(nil, 1), make([]byte, 64)...))
}

// FuzzDecodeSegment: the segment decoder never panics or hangs, never
// claims more than it was given, and every record it accepts re-encodes to
// the same bytes.
func FuzzDecodeSegment(f *testing.F) {
	addSegmentSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		img := decodeSegment(data)
		if img.validEnd > len(data) || (img.reason == "" && img.validEnd != len(data) && img.validEnd != 0) {
			t.Fatalf("validEnd %d of %d, reason %q", img.validEnd, len(data), img.reason)
		}
		for _, recs := range img.frames {
			for _, r := range recs {
				var enc []byte
				switch r.kind {
				case kindEntry:
					enc = appendEntryRecord(nil, r.entry)
				case kindState:
					enc = appendStateRecord(nil, r.rng, r.state)
				case kindTruncate:
					enc = appendTruncateRecord(nil, r.rng, r.mark)
				case kindCheckpoint:
					enc = appendCheckpointRecord(nil, r.ckpt)
				}
				if !bytes.Equal(enc, data[r.off:r.off+r.n]) {
					t.Fatalf("record at %d does not re-encode to its bytes", r.off)
				}
			}
		}
	})
}

// FuzzDecodeRecord: the record decoder never panics and round-trips.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendEntryRecord(nil, Entry{Range: 1, Index: 2, Ballot: 3, Payload: []byte("x")}))
	f.Add(appendStateRecord(nil, 4, State{Promised: 5, Commit: 6}))
	f.Add(appendTruncateRecord(nil, 7, 8))
	f.Add(appendCheckpointRecord(nil, []ckptRange{{Range: 1, Mark: 2, First: 3, Last: 4}}))
	f.Add([]byte{kindCheckpoint, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, reason := decodeRecord(data)
		if reason != "" {
			return
		}
		if r.n > len(data) {
			t.Fatalf("record length %d past %d", r.n, len(data))
		}
		if r.kind == kindEntry {
			if enc := appendEntryRecord(nil, r.entry); !bytes.Equal(enc, data[:r.n]) {
				t.Fatal("entry does not round-trip")
			}
		}
	})
}

// FuzzEntryRoundTrip: any entry encodes and decodes to itself.
func FuzzEntryRoundTrip(f *testing.F) {
	f.Add(uint64(1), uint64(1), uint64(0), []byte(nil))
	f.Add(uint64(1<<63), uint64(1<<40), uint64(7), []byte("payload"))
	f.Fuzz(func(t *testing.T, r, i, b uint64, payload []byte) {
		if i == 0 {
			i = 1
		}
		e := Entry{Range: RangeID(r), Index: i, Ballot: b, Payload: payload}
		buf := appendEntryRecord(nil, e)
		got, reason := decodeRecord(buf)
		if reason != "" || got.n != len(buf) || got.entry.Range != e.Range || got.entry.Index != i || got.entry.Ballot != b || !bytes.Equal(got.entry.Payload, payload) {
			t.Fatalf("round trip of %+v: %+v %q", e, got.entry, reason)
		}
	})
}

// FuzzDecodeOpen: Open over an arbitrary last segment never panics: it
// recovers (cutting an invalid tail) or reports corruption, and the
// recovered WAL accepts writes.
func FuzzDecodeOpen(f *testing.F) {
	addSegmentSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		fs := NewMemFS()
		fs.MkdirAll("/wal")
		file, _ := fs.Create("/wal/" + segmentName(1))
		file.Write(data)
		file.Close()
		w, err := Open(Config{Dir: "/wal", FS: fs, SegmentSize: 512})
		if err != nil {
			var ce *CorruptionError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v", err)
			}
			return
		}
		defer w.Close()
		for _, r := range w.Ranges() {
			info, _ := w.Range(r)
			if info.Last != 0 {
				if _, err := w.Entries(r, info.First, info.Last+1, 0); err != nil {
					t.Fatalf("Entries: %v", err)
				}
			}
		}
		if err := w.SetState(context.Background(), 1, State{Promised: 1}); err != nil {
			t.Fatalf("write after recovery: %v", err)
		}
	})
}
