package sql

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// COPY's binary format (FORMAT binary), PostgreSQL's PGCOPY file layout:
// an 11-byte signature, an int32 flags word (bit 16: OIDs included, which
// Meridian refuses; other bits 16-31 are critical and unknown ones are an
// error), an int32 header extension length and that many bytes (skipped);
// then per tuple an int16 field count and per field an int32 length (-1 is
// NULL) and the value in its type's binary wire format; a field count of
// -1 ends the data (or the data just ends, between tuples). The framing is parsed here; the values are decoded by
// the BinaryCopier with pgwire's binary parameter decoders.

var pgcopySignature = []byte("PGCOPY\n\xff\r\n\x00")

// binReader reads the binary COPY stream chunk by chunk; it holds at most
// one field plus one chunk.
type binReader struct {
	src CopySource
	buf []byte
	pos int
	eof bool
}

// need makes n bytes available at pos; io.ErrUnexpectedEOF when the data
// ends first.
func (r *binReader) need(n int) error {
	for len(r.buf)-r.pos < n {
		if r.eof {
			return io.ErrUnexpectedEOF
		}
		if r.pos > 0 {
			r.buf = append(r.buf[:0], r.buf[r.pos:]...)
			r.pos = 0
		}
		data, err := r.src.Next()
		if err == io.EOF {
			r.eof = true
			continue
		}
		if err != nil {
			r.eof = true
			return err
		}
		r.buf = append(r.buf, data...)
	}
	return nil
}

func (r *binReader) bytes(n int) ([]byte, error) {
	if err := r.need(n); err != nil {
		return nil, err
	}
	b := r.buf[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *binReader) int16() (int16, error) {
	b, err := r.bytes(2)
	if err != nil {
		return 0, err
	}
	return int16(binary.BigEndian.Uint16(b)), nil
}

func (r *binReader) int32() (int32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return int32(binary.BigEndian.Uint32(b)), nil
}

// drain reads and drops the rest of the data.
func (r *binReader) drain() error {
	for !r.eof {
		r.pos = len(r.buf)
		if err := r.need(1); err != nil && err != io.ErrUnexpectedEOF {
			return err
		}
	}
	return nil
}

func badCopyFormat(format string, args ...any) error {
	return pgerror.New(codeBadCopyFileFormat, format, args...)
}

// eofErr turns a short read into PostgreSQL's 22P04.
func eofErr(err error) error {
	if err == io.ErrUnexpectedEOF {
		return badCopyFormat("unexpected EOF in COPY data")
	}
	return err
}

// readHeader checks the signature, flags and skips the header extension.
func (r *binReader) readHeader() error {
	sig, err := r.bytes(len(pgcopySignature))
	if err != nil {
		if err == io.ErrUnexpectedEOF {
			return badCopyFormat("COPY file signature not recognized")
		}
		return err
	}
	if !bytes.Equal(sig, pgcopySignature) {
		return badCopyFormat("COPY file signature not recognized")
	}
	flags, err := r.int32()
	if err != nil {
		return badCopyFormat("invalid COPY file header (missing flags)")
	}
	if flags&(1<<16) != 0 {
		return pgerror.Unsupported("COPY binary data with OIDs")
	}
	if uint32(flags)>>17 != 0 {
		return badCopyFormat("unrecognized critical flags in COPY file header")
	}
	ext, err := r.int32()
	if err != nil {
		return badCopyFormat("invalid COPY file header (missing length)")
	}
	if ext < 0 {
		return badCopyFormat("invalid COPY file header (wrong length)")
	}
	if _, err := r.bytes(int(ext)); err != nil {
		if err == io.ErrUnexpectedEOF {
			return badCopyFormat("invalid COPY file header (wrong length)")
		}
		return err
	}
	return nil
}

// copyInBinary reads and inserts binary tuples until the trailer.
func (cp *copyPlan) copyInBinary(ec *execCtx, c BinaryCopier, w ResultWriter) error {
	src, err := c.CopyInBinary(len(cp.targets))
	if err != nil {
		return err
	}
	r := &binReader{src: src}
	t := cp.table
	if err := r.readHeader(); err != nil {
		return cp.withContext(err, 1, "")
	}
	n := 0
	cp.startBulk(ec)
	defer func() { cp.bulk = nil }()
	for {
		line := n + 1
		if err := r.need(1); err == io.ErrUnexpectedEOF {
			break // the data may end without the trailer, as pgx's does
		} else if err != nil {
			return err
		}
		cnt, err := r.int16()
		if err != nil {
			return cp.withContext(eofErr(err), line, "")
		}
		if cnt == -1 {
			// The trailer; anything after it is read and ignored.
			if err := r.drain(); err != nil {
				return err
			}
			break
		}
		if int(cnt) != len(cp.targets) {
			return cp.withContext(badCopyFormat("row field count is %d, expected %d", cnt, len(cp.targets)), line, "")
		}
		row := make([]rowenc.Value, len(t.Columns))
		for _, i := range cp.targets {
			l, err := r.int32()
			if err != nil {
				return cp.withContext(eofErr(err), line, "")
			}
			if l == -1 {
				row[i] = rowenc.Null()
				continue
			}
			if l < 0 {
				return cp.withContext(badCopyFormat("invalid field size"), line, "")
			}
			b, err := r.bytes(int(l))
			if err != nil {
				return cp.withContext(eofErr(err), line, "")
			}
			// The row outlives the reader's buffer (queued for a batched
			// insert, bulk.go): a decoded value must not alias it.
			v, err := c.DecodeBinary(t.Columns[i].Type, bytes.Clone(b))
			if err != nil {
				return cp.withContext(err, line, ", column "+t.Columns[i].Name)
			}
			row[i] = v
		}
		if err := cp.store(ec, row, line); err != nil {
			return err
		}
		n++
		if int64(n)%copyPage == 0 {
			if err := ec.ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := cp.finishBulk(); err != nil {
		return err
	}
	return w.Complete("COPY " + strconv.Itoa(n))
}

// appendBinaryRow appends one tuple of vals, of types ts.
func appendBinaryRow(dst []byte, c BinaryCopier, ts []types.T, vals []rowenc.Value) ([]byte, error) {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(vals)))
	for j, v := range vals {
		if v.IsNull() {
			dst = binary.BigEndian.AppendUint32(dst, 0xffffffff)
			continue
		}
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		var err error
		if dst, err = c.AppendBinary(dst, ts[j], v); err != nil {
			return dst, err
		}
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst, nil
}
