package wal

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch on them with errors.Is; the messages are
// for people, never for matching.
var (
	// ErrClosed is returned by every operation on a WAL after Close.
	ErrClosed = errors.New("wal: closed")

	// ErrFailed is the sticky error: a write or fdatasync failed (disk full,
	// I/O error), so the engine cannot promise that anything written after
	// its last good sync is durable. Every later write returns an error that
	// wraps ErrFailed and the cause; reads of already durable entries still
	// work. The only way forward is Close and Open (which recovers what was
	// made durable).
	ErrFailed = errors.New("wal: failed (writes refused after a write or sync error)")

	// ErrCorrupt is wrapped by *CorruptionError: bytes on disk that passed
	// neither as a valid record nor as a torn tail.
	ErrCorrupt = errors.New("wal: corrupt log")

	// ErrInvalid rejects a batch the caller got wrong (an append below the
	// range's truncation mark, a gap after its last index, index 0, too
	// large). It is deterministic: the batch was not written, the engine is
	// unaffected and other batches of the same group commit normally.
	ErrInvalid = errors.New("wal: invalid request")

	// ErrCompacted is returned by reads of indexes below the first entry a
	// range still holds (truncated away below its low-water mark).
	ErrCompacted = errors.New("wal: requested index is compacted")

	// ErrUnavailable is returned by reads of indexes above a range's last
	// durable entry.
	ErrUnavailable = errors.New("wal: requested index is unavailable")
)

// CorruptionError names the file and byte offset where the log could not
// be decoded. errors.Is(err, ErrCorrupt) holds for it.
type CorruptionError struct {
	File   string // path of the segment file
	Offset int64  // byte offset of the first bad byte (record or header start)
	Reason string // what was wrong, for people
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("wal: corrupt log: %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptionError) Is(target error) bool { return target == ErrCorrupt }

// failed wraps the cause of a sticky failure so that both ErrFailed and the
// cause (say, syscall.ENOSPC) match with errors.Is.
func failed(cause error) error {
	return fmt.Errorf("%w: %w", ErrFailed, cause)
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}
