package wal

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// On-disk format, version 1. All integers are little-endian, fixed width.
//
// A segment file is a header followed by frames:
//
//	segment := header frame*
//
// The first frame of every segment holds exactly one checkpoint record (see
// appendCheckpointRecord); the segment is written and synced under a
// temporary name and renamed into place, so a segment that exists always
// has a whole header and checkpoint.

const (
	formatVersion = 1

	segmentHeaderLen = 24
	frameHeaderLen   = 8
	recordOverhead   = 1 + 4 + 4 // kind, body length, crc

	// maxFrameLen bounds a frame's body (and so a batch) so that a corrupt
	// length can never make the decoder allocate or skip absurdly far.
	maxFrameLen = 1 << 30

	entryBodyMin    = 24
	stateBodyLen    = 24
	truncateBodyLen = 16
	ckptRangeLen    = 48
)

// Record kinds.
const (
	kindEntry      byte = 1
	kindState      byte = 2
	kindTruncate   byte = 3
	kindCheckpoint byte = 4
)

var segmentMagic = [8]byte{'M', 'R', 'D', 'N', 'W', 'A', 'L', 0}

// frameSalt seeds the frame-header checksum so that a run of zero bytes
// (a preallocated or zero-filled tail) never decodes as a frame.
const frameSalt uint32 = 0x6d657269 // "meri"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendSegmentHeader appends the segment header:
//
//	0        8          12       20      24
//	+--------+----------+--------+-------+
//	| magic  | version  | seq    | crc   |
//	| 8 B    | u32      | u64    | u32   |
//	+--------+----------+--------+-------+
//
// magic is "MRDNWAL\x00"; seq is the segment's sequence number (it also
// names the file); crc is CRC-32C of bytes [0, 20).
func appendSegmentHeader(b []byte, seq uint64) []byte {
	start := len(b)
	b = append(b, segmentMagic[:]...)
	b = binary.LittleEndian.AppendUint32(b, formatVersion)
	b = binary.LittleEndian.AppendUint64(b, seq)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// decodeSegmentHeader checks a segment header and returns its sequence
// number, or a reason it is not one.
func decodeSegmentHeader(b []byte) (seq uint64, reason string) {
	if len(b) < segmentHeaderLen {
		return 0, "short segment header"
	}
	if [8]byte(b[:8]) != segmentMagic {
		return 0, "bad segment magic"
	}
	if crc32.Checksum(b[:20], castagnoli) != binary.LittleEndian.Uint32(b[20:24]) {
		return 0, "segment header checksum mismatch"
	}
	if v := binary.LittleEndian.Uint32(b[8:12]); v != formatVersion {
		return 0, fmt.Sprintf("unsupported format version %d (want %d)", v, formatVersion)
	}
	return binary.LittleEndian.Uint64(b[12:20]), ""
}

// A frame is one caller's Batch: the unit of atomicity. After a crash a
// frame is recovered whole or not at all.
//
//	0        4        8
//	+--------+--------+---------------------------+
//	| len    | hcrc   | records (len bytes)       |
//	| u32    | u32    |                           |
//	+--------+--------+---------------------------+
//
// hcrc = CRC-32C(len bytes) seeded with frameSalt. 0 < len <= maxFrameLen.
// The records carry their own checksums; a frame is valid when its header
// checks and its records exactly fill len, each checking.

// putFrameHeader fills the frameHeaderLen bytes at b[0:8] for a body of
// bodyLen bytes.
func putFrameHeader(b []byte, bodyLen int) {
	binary.LittleEndian.PutUint32(b[0:4], uint32(bodyLen))
	binary.LittleEndian.PutUint32(b[4:8], crc32.Update(frameSalt, castagnoli, b[0:4]))
}

// A record:
//
//	0      1        5             5+blen
//	+------+--------+-------------+--------+
//	| kind | blen   | body        | crc    |
//	| u8   | u32    | blen bytes  | u32    |
//	+------+--------+-------------+--------+
//
// crc = CRC-32C of bytes [0, 5+blen). An entry record can so be read and
// checked alone, at the offset the index keeps, without its frame.

func beginRecord(b []byte, kind byte, bodyLen int) []byte {
	b = append(b, kind)
	return binary.LittleEndian.AppendUint32(b, uint32(bodyLen))
}

func endRecord(b []byte, start int) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// appendEntryRecord appends a log entry; its body is
//
//	0        8        16       24
//	+--------+--------+--------+-----------------+
//	| range  | index  | ballot | payload         |
//	| u64    | u64    | u64    | blen-24 bytes   |
//	+--------+--------+--------+-----------------+
func appendEntryRecord(b []byte, e Entry) []byte {
	start := len(b)
	b = beginRecord(b, kindEntry, entryBodyMin+len(e.Payload))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Range))
	b = binary.LittleEndian.AppendUint64(b, e.Index)
	b = binary.LittleEndian.AppendUint64(b, e.Ballot)
	b = append(b, e.Payload...)
	return endRecord(b, start)
}

// appendStateRecord appends a range's consensus state; its body is
//
//	0        8          16       24
//	+--------+----------+--------+
//	| range  | promised | commit |
//	| u64    | u64      | u64    |
//	+--------+----------+--------+
func appendStateRecord(b []byte, r RangeID, s State) []byte {
	start := len(b)
	b = beginRecord(b, kindState, stateBodyLen)
	b = binary.LittleEndian.AppendUint64(b, uint64(r))
	b = binary.LittleEndian.AppendUint64(b, s.Promised)
	b = binary.LittleEndian.AppendUint64(b, s.Commit)
	return endRecord(b, start)
}

// appendTruncateRecord appends a low-water mark: the range's entries below
// mark are discarded. Its body is
//
//	0        8        16
//	+--------+--------+
//	| range  | mark   |
//	| u64    | u64    |
//	+--------+--------+
func appendTruncateRecord(b []byte, r RangeID, mark uint64) []byte {
	start := len(b)
	b = beginRecord(b, kindTruncate, truncateBodyLen)
	b = binary.LittleEndian.AppendUint64(b, uint64(r))
	b = binary.LittleEndian.AppendUint64(b, mark)
	return endRecord(b, start)
}

// ckptRange is one range's line in a checkpoint: everything about the range
// except the entries themselves.
type ckptRange struct {
	Range    RangeID
	Promised uint64
	Commit   uint64
	Mark     uint64
	First    uint64 // first index held; 0: the log is empty
	Last     uint64 // last index held; 0: the log is empty
}

// appendCheckpointRecord appends the state of every range the committer knows,
// as of the start of a segment. Replaying it sets each listed range's state
// and mark, discards its entries outside [First, Last] (all of them if the
// log is empty), and forgets every range not listed. That is what lets a
// segment be deleted as soon as it holds no live entry, whatever records
// it held: the checkpoint of the next segment summarises them, and an
// entry of an older segment that a deleted record discarded either lies
// outside [First, Last] or is discarded again by a later record (which
// also discarded the version the deleted segment held). First matters: a
// log emptied by a truncation may restart above the mark, and a stale
// entry between the mark and the restart must not come back. Its body is
//
//	0        4
//	+--------+------------------------------------------------+
//	| count  | count x (range u64, promised u64, commit u64,  |
//	| u32    |   mark u64, first u64, last u64)  = 48 B each  |
//	+--------+------------------------------------------------+
func appendCheckpointRecord(b []byte, rs []ckptRange) []byte {
	start := len(b)
	b = beginRecord(b, kindCheckpoint, 4+ckptRangeLen*len(rs))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(rs)))
	for _, r := range rs {
		b = binary.LittleEndian.AppendUint64(b, uint64(r.Range))
		b = binary.LittleEndian.AppendUint64(b, r.Promised)
		b = binary.LittleEndian.AppendUint64(b, r.Commit)
		b = binary.LittleEndian.AppendUint64(b, r.Mark)
		b = binary.LittleEndian.AppendUint64(b, r.First)
		b = binary.LittleEndian.AppendUint64(b, r.Last)
	}
	return endRecord(b, start)
}

// record is a decoded record. Payload aliases the decoded buffer.
type record struct {
	kind  byte
	off   int   // offset of the record in the buffer decoded
	n     int   // encoded length
	entry Entry // kindEntry
	rng   RangeID
	state State       // kindState
	mark  uint64      // kindTruncate
	ckpt  []ckptRange // kindCheckpoint
}

// decodeRecord decodes the record at the start of b. It returns the record
// (with off 0) or a reason it is not a valid record.
func decodeRecord(b []byte) (record, string) {
	if len(b) < recordOverhead {
		return record{}, "short record"
	}
	kind := b[0]
	blen := binary.LittleEndian.Uint32(b[1:5])
	if uint64(blen) > uint64(len(b)-recordOverhead) {
		return record{}, "record length past end of frame"
	}
	n := recordOverhead + int(blen)
	if crc32.Checksum(b[:n-4], castagnoli) != binary.LittleEndian.Uint32(b[n-4:n]) {
		return record{}, "record checksum mismatch"
	}
	body := b[5 : n-4]
	le := binary.LittleEndian
	r := record{kind: kind, n: n}
	switch kind {
	case kindEntry:
		if len(body) < entryBodyMin {
			return record{}, "short entry record"
		}
		r.rng = RangeID(le.Uint64(body[0:8]))
		r.entry = Entry{Range: r.rng, Index: le.Uint64(body[8:16]), Ballot: le.Uint64(body[16:24]), Payload: body[24:]}
		if r.entry.Index == 0 {
			return record{}, "entry with index 0"
		}
	case kindState:
		if len(body) != stateBodyLen {
			return record{}, "bad state record length"
		}
		r.rng = RangeID(le.Uint64(body[0:8]))
		r.state = State{Promised: le.Uint64(body[8:16]), Commit: le.Uint64(body[16:24])}
	case kindTruncate:
		if len(body) != truncateBodyLen {
			return record{}, "bad truncate record length"
		}
		r.rng = RangeID(le.Uint64(body[0:8]))
		r.mark = le.Uint64(body[8:16])
	case kindCheckpoint:
		if len(body) < 4 {
			return record{}, "short checkpoint record"
		}
		count := le.Uint32(body[0:4])
		if uint64(len(body)-4) != uint64(count)*ckptRangeLen {
			return record{}, "bad checkpoint record length"
		}
		r.ckpt = make([]ckptRange, count)
		for i := range r.ckpt {
			p := body[4+i*ckptRangeLen:]
			r.ckpt[i] = ckptRange{
				Range:    RangeID(le.Uint64(p[0:8])),
				Promised: le.Uint64(p[8:16]),
				Commit:   le.Uint64(p[16:24]),
				Mark:     le.Uint64(p[24:32]),
				First:    le.Uint64(p[32:40]),
				Last:     le.Uint64(p[40:48]),
			}
		}
	default:
		return record{}, fmt.Sprintf("unknown record kind %d", kind)
	}
	return r, ""
}

// decodeFrame decodes the frame at b[off:]. It returns the frame's records
// (offsets relative to b), the offset just past the frame, or a reason the
// bytes there are not a valid frame.
func decodeFrame(b []byte, off int, recs []record) ([]record, int, string) {
	if len(b)-off < frameHeaderLen {
		return recs, off, "short frame header"
	}
	h := b[off : off+frameHeaderLen]
	if crc32.Update(frameSalt, castagnoli, h[0:4]) != binary.LittleEndian.Uint32(h[4:8]) {
		return recs, off, "frame header checksum mismatch"
	}
	flen := binary.LittleEndian.Uint32(h[0:4])
	if flen == 0 || flen > maxFrameLen {
		return recs, off, fmt.Sprintf("frame length %d out of range", flen)
	}
	start := off + frameHeaderLen
	if uint64(flen) > uint64(len(b)-start) {
		return recs, off, "frame past end of file"
	}
	end := start + int(flen)
	first := len(recs)
	for p := start; p < end; {
		r, reason := decodeRecord(b[p:end])
		if reason != "" {
			return recs[:first], off, fmt.Sprintf("%s (record at %d)", reason, p)
		}
		r.off = p
		recs = append(recs, r)
		p += r.n
	}
	return recs, end, ""
}

// segmentImage is a decoded segment.
type segmentImage struct {
	seq uint64
	// frames[i] holds the records of the i'th valid frame.
	frames [][]record
	// validEnd is the offset just past the last valid frame; when it is
	// short of the image's length, reason says what is wrong there.
	validEnd int
	reason   string
}

// decodeSegment decodes a whole segment image, stopping at the first
// invalid frame. It never panics and runs in time linear in len(b).
func decodeSegment(b []byte) segmentImage {
	seq, reason := decodeSegmentHeader(b)
	if reason != "" {
		return segmentImage{reason: reason}
	}
	img := segmentImage{seq: seq, validEnd: segmentHeaderLen}
	for off := segmentHeaderLen; off < len(b); {
		recs, next, reason := decodeFrame(b, off, nil)
		if reason != "" {
			img.reason = reason
			return img
		}
		img.frames = append(img.frames, recs)
		off = next
		img.validEnd = off
	}
	return img
}
