package kv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/meridiandb/meridian/clock"
)

// Sender sends a batch and waits for its responses. Implementations are safe
// for concurrent use.
type Sender interface {
	Send(ctx context.Context, ba *BatchRequest) (*BatchResponse, error)
}

// TxnID identifies a transaction, unique across the cluster (random).
type TxnID [16]byte

// NewTxnID returns a random TxnID.
func NewTxnID() TxnID {
	var id TxnID
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24+).
	return id
}

// String renders the first 8 bytes in hex: enough to tell transactions apart
// in logs.
func (id TxnID) String() string { return hex.EncodeToString(id[:8]) }

// Compare orders TxnIDs bytewise; it breaks wound-wait priority ties.
func (id TxnID) Compare(o TxnID) int { return bytes.Compare(id[:], o[:]) }

// TxnMeta is what a server needs to know about the transaction a batch
// belongs to.
type TxnMeta struct {
	ID TxnID
	// Priority orders transactions in wound-wait: the smaller value is the
	// older transaction and wins (ties broken by ID, smaller wins). A retry
	// keeps the priority of its first attempt so it ages and cannot starve.
	// Invariant: Priority != 0 (zero is reserved for "unset").
	Priority int64
	// ReadTimestamp is the transaction's start timestamp. A ReadOnly
	// transaction reads the snapshot at ReadTimestamp; a read-write one
	// reads the newest committed versions under its locks.
	ReadTimestamp clock.Timestamp
	// ReadOnly transactions take no locks and must not write.
	ReadOnly bool
	// Parent, if not zero, is a transaction that waits for this one to
	// finish: its client runs this one inside one of its statements
	// (nextval's reservation). The lock table counts that wait, which it
	// could not see otherwise, when it looks for deadlocks.
	Parent TxnID
}

// Older reports whether t wins wound-wait against o.
func (t *TxnMeta) Older(o *TxnMeta) bool {
	if t.Priority != o.Priority {
		return t.Priority < o.Priority
	}
	return t.ID.Compare(o.ID) < 0
}

// Strength is a lock mode.
type Strength uint8

const (
	// LockNone takes no lock.
	LockNone Strength = iota
	// LockShared is compatible with other shared locks.
	LockShared
	// LockExclusive conflicts with every lock of another transaction.
	LockExclusive
)

func (s Strength) String() string {
	switch s {
	case LockNone:
		return "none"
	case LockShared:
		return "shared"
	case LockExclusive:
		return "exclusive"
	}
	return fmt.Sprintf("Strength(%d)", uint8(s))
}

// Span is the key Key when EndKey is nil, else the keys in [Key, EndKey).
type Span struct {
	Key    []byte
	EndKey []byte
}

// IsPoint reports whether s is a single key.
func (s Span) IsPoint() bool { return s.EndKey == nil }

func (s Span) String() string {
	if s.IsPoint() {
		return fmt.Sprintf("%q", s.Key)
	}
	return fmt.Sprintf("[%q,%q)", s.Key, s.EndKey)
}

// KeyValue is one key and its value.
type KeyValue struct {
	Key   []byte
	Value []byte
}

// Write is one buffered write of a transaction.
type Write struct {
	Key []byte
	// Value is written at Key; ignored when Delete.
	Value []byte
	// Delete removes the key (writes a tombstone version).
	Delete bool
}

// BatchRequest is a list of requests evaluated in order.
type BatchRequest struct {
	// Txn is the transaction the batch belongs to; nil means a
	// non-transactional batch.
	Txn      *TxnMeta
	Requests []Request
}

// BatchResponse holds one Response per Request, in order.
type BatchResponse struct {
	Responses []Response
	// Now is the server's clock reading when it replied; the client folds it
	// into its HLC (a no-op in process, where both share one clock).
	Now clock.Timestamp
}

// Request is one of the *Request types below.
type Request interface {
	// Method names the request in logs and errors.
	Method() string
	isRequest()
}

// Response is one of the *Response types below.
type Response interface{ isResponse() }

// GetRequest reads one key. In a read-write transaction it first takes a
// lock on the key: shared, or KeyLocking if stronger.
type GetRequest struct {
	Key        []byte
	KeyLocking Strength
}

// GetResponse answers a GetRequest.
type GetResponse struct {
	Value []byte
	Found bool
}

// ScanRequest reads the live keys in [Key, EndKey). In a read-write
// transaction it first takes a shared span lock on the whole [Key, EndKey)
// (so no other transaction can insert into it: no phantoms), and when
// KeyLocking is LockExclusive also an exclusive lock on every key returned;
// without MaxKeys, every key in the span is returned, and one exclusive
// lock on the span replaces both.
type ScanRequest struct {
	Key, EndKey []byte
	// MaxKeys stops after this many keys; zero means no limit.
	MaxKeys int64
	// Reverse returns keys in descending order (from EndKey down to Key).
	Reverse    bool
	KeyLocking Strength
}

// ScanResponse answers a ScanRequest.
type ScanResponse struct {
	Rows []KeyValue
}

// PutRequest writes a value in a non-transactional batch.
type PutRequest struct {
	Key, Value []byte
}

// PutResponse answers a PutRequest.
type PutResponse struct{}

// DeleteRequest deletes a key in a non-transactional batch.
type DeleteRequest struct {
	Key []byte
}

// DeleteResponse answers a DeleteRequest.
type DeleteResponse struct{}

// LockRequest takes a lock on Span for the batch's transaction and holds it
// until the transaction ends. Transactions take shared span locks (scans)
// and point locks of either strength; an exclusive span lock is allowed and
// conflicts with every other lock in the span.
type LockRequest struct {
	Span     Span
	Strength Strength
}

// LockResponse answers a LockRequest.
type LockResponse struct{}

// StageRequest sends writes of the batch's transaction ahead of its
// commit, so that the client need not hold a large transaction's writes in
// memory: the server keeps them on disk, private to the transaction, until
// EndTxn commits them with the writes it carries or discards them. Reads
// of the transaction (locked Gets and Scans) see its staged writes; no
// other transaction does. A later staged or EndTxn write of the same key
// replaces an earlier one. As with EndTxn's writes, the transaction must
// hold an exclusive lock on each key.
type StageRequest struct {
	Writes []Write
}

// StageResponse answers a StageRequest.
type StageResponse struct{}

// EndTxnRequest finishes the batch's transaction: with Commit, it applies
// Writes and the staged writes (StageRequest) atomically at a commit
// timestamp and waits out the commit wait; without, it discards them. Either way every lock of the transaction is
// released. It must be the last request of its batch.
type EndTxnRequest struct {
	Commit bool
	// Writes are the transaction's buffered writes, at most one per key.
	// The server may check (but need not) that it holds an exclusive lock on
	// each.
	Writes []Write
}

// EndTxnResponse answers an EndTxnRequest.
type EndTxnResponse struct {
	// CommitTimestamp is the timestamp the writes were committed at (empty
	// for an abort or a commit without writes).
	CommitTimestamp clock.Timestamp
}

func (*GetRequest) Method() string    { return "Get" }
func (*ScanRequest) Method() string   { return "Scan" }
func (*PutRequest) Method() string    { return "Put" }
func (*DeleteRequest) Method() string { return "Delete" }
func (*LockRequest) Method() string   { return "Lock" }
func (*EndTxnRequest) Method() string { return "EndTxn" }
func (*StageRequest) Method() string  { return "Stage" }

func (*GetRequest) isRequest()    {}
func (*ScanRequest) isRequest()   {}
func (*PutRequest) isRequest()    {}
func (*DeleteRequest) isRequest() {}
func (*LockRequest) isRequest()   {}
func (*EndTxnRequest) isRequest() {}
func (*StageRequest) isRequest()  {}

func (*GetResponse) isResponse()    {}
func (*ScanResponse) isResponse()   {}
func (*PutResponse) isResponse()    {}
func (*DeleteResponse) isResponse() {}
func (*LockResponse) isResponse()   {}
func (*EndTxnResponse) isResponse() {}
func (*StageResponse) isResponse()  {}

// Errors at the Sender seam.
var (
	// ErrTxnAborted is matched by a *TxnAbortedError.
	ErrTxnAborted = errors.New("kv: transaction aborted")
	// ErrInvalidRequest marks a malformed batch.
	ErrInvalidRequest = errors.New("kv: invalid request")
)

// TxnAbortedError says the transaction was aborted (wounded by an older
// one) and must restart. It matches ErrTxnAborted.
type TxnAbortedError struct {
	Txn TxnID
	// By is the transaction that wounded it, if any.
	By     TxnID
	Reason string
}

func (e *TxnAbortedError) Error() string {
	return fmt.Sprintf("kv: transaction %s aborted: %s", e.Txn, e.Reason)
}

// Is makes errors.Is(err, ErrTxnAborted) hold.
func (e *TxnAbortedError) Is(target error) bool { return target == ErrTxnAborted }

// Validate checks the shape of a batch: known request types, non-empty keys,
// spans with Key < EndKey, EndTxn last, writes only where allowed. It returns
// an error wrapping ErrInvalidRequest.
func (ba *BatchRequest) Validate() error {
	bad := func(i int, format string, args ...any) error {
		return fmt.Errorf("%w: request %d: %s", ErrInvalidRequest, i, fmt.Sprintf(format, args...))
	}
	for i, r := range ba.Requests {
		switch r := r.(type) {
		case *GetRequest:
			if len(r.Key) == 0 {
				return bad(i, "Get of an empty key")
			}
			if r.KeyLocking > LockExclusive {
				return bad(i, "Get with locking %s", r.KeyLocking)
			}
		case *ScanRequest:
			if len(r.Key) == 0 || bytes.Compare(r.Key, r.EndKey) >= 0 {
				return bad(i, "Scan of empty span [%q,%q)", r.Key, r.EndKey)
			}
			if r.MaxKeys < 0 {
				return bad(i, "Scan with negative MaxKeys %d", r.MaxKeys)
			}
			if r.KeyLocking > LockExclusive {
				return bad(i, "Scan with locking %s", r.KeyLocking)
			}
		case *PutRequest:
			if ba.Txn != nil {
				return bad(i, "Put in a transaction: buffer it and send it in EndTxn")
			}
			if len(r.Key) == 0 {
				return bad(i, "Put of an empty key")
			}
		case *DeleteRequest:
			if ba.Txn != nil {
				return bad(i, "Delete in a transaction: buffer it and send it in EndTxn")
			}
			if len(r.Key) == 0 {
				return bad(i, "Delete of an empty key")
			}
		case *LockRequest:
			if ba.Txn == nil || ba.Txn.ReadOnly {
				return bad(i, "Lock outside a read-write transaction")
			}
			if len(r.Span.Key) == 0 || (!r.Span.IsPoint() && bytes.Compare(r.Span.Key, r.Span.EndKey) >= 0) {
				return bad(i, "Lock of empty span %s", r.Span)
			}
			if r.Strength != LockShared && r.Strength != LockExclusive {
				return bad(i, "Lock with strength %s", r.Strength)
			}
		case *StageRequest:
			if ba.Txn == nil || ba.Txn.ReadOnly {
				return bad(i, "Stage outside a read-write transaction")
			}
			for _, w := range r.Writes {
				if len(w.Key) == 0 {
					return bad(i, "Stage of a write to an empty key")
				}
			}
		case *EndTxnRequest:
			if ba.Txn == nil {
				return bad(i, "EndTxn outside a transaction")
			}
			if i != len(ba.Requests)-1 {
				return bad(i, "EndTxn is not last")
			}
			if ba.Txn.ReadOnly && len(r.Writes) > 0 {
				return bad(i, "EndTxn of a read-only transaction with writes")
			}
			for _, w := range r.Writes {
				if len(w.Key) == 0 {
					return bad(i, "EndTxn with a write to an empty key")
				}
			}
		default:
			return bad(i, "unknown request type %T", r)
		}
	}
	if ba.Txn != nil && ba.Txn.Priority == 0 {
		return fmt.Errorf("%w: transaction %s without a priority", ErrInvalidRequest, ba.Txn.ID)
	}
	return nil
}
