package mvcc

import (
	"encoding/binary"
	"encoding/hex"

	"github.com/meridiandb/meridian/clock"
)

// TxnID identifies a transaction (a UUID in practice).
type TxnID [16]byte

// String renders the first 8 hex digits, enough to tell transactions apart
// in logs and test output.
func (id TxnID) String() string { return hex.EncodeToString(id[:4]) }

// TxnMeta is what an intent records about its transaction.
type TxnMeta struct {
	ID TxnID
	// Key anchors the transaction record (where its status lives), so a
	// reader that meets the intent knows whom to push. May be nil.
	Key []byte
	// Epoch increments on every restart of the transaction; intents of an
	// older epoch are invisible to it and are overwritten or removed.
	Epoch uint32
	// WriteTimestamp is the timestamp provisional writes are made at.
	WriteTimestamp clock.Timestamp
	// Sequence orders writes within an epoch; a later write of the same key
	// by the same transaction must not carry a lower sequence.
	Sequence uint32
}

// TxnStatus is the outcome ResolveIntent applies.
type TxnStatus int

const (
	// Pending keeps the intent provisional but moves it to the resolve
	// timestamp if that is higher (the transaction was pushed).
	Pending TxnStatus = iota
	// Committed turns the intent into a committed version at the commit
	// timestamp.
	Committed
	// Aborted removes the intent.
	Aborted
)

func (s TxnStatus) String() string {
	switch s {
	case Pending:
		return "pending"
	case Committed:
		return "committed"
	case Aborted:
		return "aborted"
	}
	return "unknown"
}

// intentRecord is the stored form of an intent: transaction metadata plus the
// provisional value, kept in one Pebble value at the key's intent slot (the
// engine key without a timestamp, which sorts before every version). A
// committed transaction's intent becomes an ordinary version; there is no
// separate provisional version to find and rewrite.
type intentRecord struct {
	Txn     TxnMeta
	Deleted bool   // provisional tombstone
	Value   []byte // provisional value; nil when Deleted
}

// Intent value layout:
//
//	+-------+-------+----------+----------------+---------+--------------+--------+-------+
//	| flags | epoch | sequence | write ts       | txn ID  | anchor len   | anchor | value |
//	| 1     | 4 BE  | 4 BE     | 12 (Encode)    | 16      | uvarint      |        | rest  |
//	+-------+-------+----------+----------------+---------+--------------+--------+-------+
//
// flags bit 0: provisional tombstone. Every other flag bit is zero.
const (
	intentFlagDeleted = 1
	intentFixedLen    = 1 + 4 + 4 + clock.EncodedTimestampLen + 16
)

func (r *intentRecord) encode(dst []byte) []byte {
	var flags byte
	if r.Deleted {
		flags |= intentFlagDeleted
	}
	dst = append(dst, flags)
	dst = binary.BigEndian.AppendUint32(dst, r.Txn.Epoch)
	dst = binary.BigEndian.AppendUint32(dst, r.Txn.Sequence)
	dst = r.Txn.WriteTimestamp.Encode(dst)
	dst = append(dst, r.Txn.ID[:]...)
	dst = binary.AppendUvarint(dst, uint64(len(r.Txn.Key)))
	dst = append(dst, r.Txn.Key...)
	if !r.Deleted {
		dst = append(dst, r.Value...)
	}
	return dst
}

// decodeIntent decodes b; the record's slices alias b.
func decodeIntent(b []byte) (intentRecord, error) {
	var r intentRecord
	if len(b) < intentFixedLen || b[0]&^intentFlagDeleted != 0 {
		return r, corruptf("intent value of %d bytes", len(b))
	}
	r.Deleted = b[0]&intentFlagDeleted != 0
	r.Txn.Epoch = binary.BigEndian.Uint32(b[1:])
	r.Txn.Sequence = binary.BigEndian.Uint32(b[5:])
	r.Txn.WriteTimestamp, _ = clock.DecodeTimestamp(b[9:])
	copy(r.Txn.ID[:], b[21:37])
	n, w := binary.Uvarint(b[37:])
	if w <= 0 || uint64(len(b)-37-w) < n {
		return r, corruptf("intent anchor key length")
	}
	off := 37 + w
	if n > 0 {
		r.Txn.Key = b[off : off+int(n)]
	}
	off += int(n)
	if r.Deleted {
		if off != len(b) {
			return r, corruptf("intent tombstone with a value")
		}
	} else {
		r.Value = b[off:]
	}
	return r, nil
}

// Versioned value layout: one tag byte, then the value.
//
//	| 0x01 | value bytes |   a value (possibly empty)
//	| 0x00 |                 a deletion tombstone
const (
	tagTombstone byte = 0x00
	tagValue     byte = 0x01
)

// decodeVersion returns the value and whether the version is a tombstone;
// value aliases b.
func decodeVersion(b []byte) (value []byte, tombstone bool, err error) {
	if len(b) == 0 {
		return nil, false, corruptf("empty version value")
	}
	switch b[0] {
	case tagValue:
		return b[1:], false, nil
	case tagTombstone:
		if len(b) != 1 {
			return nil, false, corruptf("tombstone with %d bytes", len(b))
		}
		return nil, true, nil
	}
	return nil, false, corruptf("version tag %#x", b[0])
}
