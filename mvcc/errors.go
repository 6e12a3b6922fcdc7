package mvcc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/meridiandb/meridian/clock"
)

// Sentinels for bad input and misuse. Callers branch with errors.Is; the
// returned errors wrap these with the offending key or size.
var (
	// ErrEmptyKey: a user key of length zero.
	ErrEmptyKey = errors.New("mvcc: empty key")
	// ErrKeyTooLarge: a user key longer than Config.MaxKeySize.
	ErrKeyTooLarge = errors.New("mvcc: key too large")
	// ErrValueTooLarge: a value longer than Config.MaxValueSize.
	ErrValueTooLarge = errors.New("mvcc: value too large")
	// ErrZeroTimestamp: the zero clock.Timestamp where a real one is required.
	ErrZeroTimestamp = errors.New("mvcc: zero timestamp")
	// ErrInvalidArgument: any other malformed request (inverted span,
	// transaction timestamp mismatch, negative limit, ...).
	ErrInvalidArgument = errors.New("mvcc: invalid argument")
	// ErrClosed: the Engine, Batch or Snapshot was already closed.
	ErrClosed = errors.New("mvcc: closed")
	// ErrCorrupt: stored bytes that do not decode. It means a bug or disk
	// corruption and is never retryable.
	ErrCorrupt = errors.New("mvcc: corrupt data")
)

// Intent is a provisional value's key and the transaction that wrote it.
type Intent struct {
	Key []byte
	Txn TxnMeta
}

// WriteIntentError reports intents of other transactions in the way of a read
// or write. The caller must resolve them (push or wait for their
// transactions) and retry. Intents holds at least one intent; a scan reports
// every conflicting intent it passed over.
type WriteIntentError struct {
	Intents []Intent
}

func (e *WriteIntentError) Error() string {
	var b strings.Builder
	b.WriteString("mvcc: conflicting intents on ")
	for i, in := range e.Intents {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 5 {
			fmt.Fprintf(&b, "... (%d in all)", len(e.Intents))
			break
		}
		fmt.Fprintf(&b, "%q (txn %s)", in.Key, in.Txn.ID)
	}
	return b.String()
}

// WriteTooOldError reports a committed version at or above the timestamp a
// write wanted. Nothing was written. The writer may retry at ActualTimestamp
// (the smallest timestamp above the existing version), which for a
// transaction means refreshing or restarting.
type WriteTooOldError struct {
	Key               []byte
	WriteTimestamp    clock.Timestamp // what the writer asked for
	ExistingTimestamp clock.Timestamp // the newest committed version
	ActualTimestamp   clock.Timestamp // ExistingTimestamp.Next()
}

func (e *WriteTooOldError) Error() string {
	return fmt.Sprintf("mvcc: write too old on %q: write at %s, existing version at %s, retry at %s",
		e.Key, e.WriteTimestamp, e.ExistingTimestamp, e.ActualTimestamp)
}

// ReadWithinUncertaintyIntervalError reports a committed value written after
// the reader's timestamp but within its clock uncertainty (ReadTimestamp,
// UncertaintyLimit]: the value may have been written before the read in real
// time, so the reader must move its read timestamp above ExistingTimestamp
// and retry.
type ReadWithinUncertaintyIntervalError struct {
	Key               []byte
	ReadTimestamp     clock.Timestamp
	ExistingTimestamp clock.Timestamp
	UncertaintyLimit  clock.Timestamp
}

func (e *ReadWithinUncertaintyIntervalError) Error() string {
	return fmt.Sprintf("mvcc: read at %s encountered value on %q at %s within uncertainty limit %s",
		e.ReadTimestamp, e.Key, e.ExistingTimestamp, e.UncertaintyLimit)
}

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidArgument}, args...)...)
}
