// Package txn is the transaction a client holds: the only storage seam the
// SQL layer sees (DESIGN.md, "SQL sees only txn").
//
// # Contract
//
// A DB begins transactions; a Txn is used by one goroutine at a time (a SQL
// session), and every method takes the caller's context so a cancelled
// statement stops waiting for locks at once.
//
// Read-write transactions are serializable and externally consistent, in the
// Spanner style: reads take shared locks (span locks for scans, so phantoms
// cannot appear), writes take exclusive locks when they are issued and are
// buffered in the transaction until Commit, which makes all of them durable
// atomically at one commit timestamp taken from the HLC. Conflicts between
// lock holders are settled by wound-wait on the transaction's priority: a
// conflicting request waits, and when waiting would close a deadlock the
// youngest transaction in it is wounded (aborted; see
// rangeservice/concurrency). Transactions that take each lock at its final
// strength (UPDATE reads with GetForUpdate) in one order never abort, and an
// older transaction is never aborted for a younger one. (A shared lock
// upgraded to exclusive while an older transaction waits for it closes a
// cycle and aborts the younger.)
//
// Reads observe the transaction's own writes (read-your-writes), including
// writes of the same statement: a caller that must not see them (UPDATE
// scanning the table it writes) reads first, then writes.
//
// # Implementation
//
// NewDB (db.go) implements DB over a kv.Sender; over the single-node store:
//
//	s, err := store.Open(store.Config{Dir: dir}) // or Dir: store.MemoryDir
//	db := txn.NewDB(s, s.Clock())
//	...
//	s.Close() // once every transaction has finished
//
// Priorities: smaller is older and wins. Zero in Options means the wall
// time of the start timestamp. Read-only transactions read the snapshot at
// ReadTimestamp without locks (they never wait for writers and are never
// wounded).
//
// # Errors
//
// Callers branch with errors.Is on the sentinels below:
//   - ErrRetryable: the transaction was wounded, or could not be serialized.
//     It is finished (as if rolled back); the caller may run it again from
//     the start. SQL reports it as SQLSTATE 40001.
//   - ErrKeyExists: Insert found a live value; nothing was written and the
//     transaction stays usable.
//   - ErrAmbiguousCommit: Commit could not tell whether the commit happened
//     (a crash or lost reply between making it durable and replying).
//   - ErrTxnDone: the transaction was already committed or rolled back.
//   - context errors when ctx ends; the transaction is then rolled back.
package txn

import (
	"context"
	"errors"

	"github.com/meridiandb/meridian/clock"
)

// DB begins transactions.
type DB interface {
	Begin(ctx context.Context, opts Options) (Txn, error)
}

// Options configure a new transaction.
type Options struct {
	// ReadOnly transactions refuse writes. An implementation may serve them
	// from a snapshot without locks.
	ReadOnly bool
	// Priority orders transactions in wound-wait; a retried transaction
	// passes the priority of its previous attempt so it eventually becomes the
	// oldest and cannot starve. Zero lets the implementation choose (from
	// the start timestamp).
	Priority int64
	// Parent is a transaction of the same DB whose caller runs this one
	// and waits for it (a statement of Parent that needs a short
	// transaction of its own). Deadlocks through that wait are then found
	// and broken like any other; without it a cycle through it would hang.
	// A wrapper of a transaction of this DB is unwrapped through an
	// Unwrap() Txn method.
	Parent Txn
}

// KeyValue is one key and its value, as returned by Scan. The slices are
// owned by the caller.
type KeyValue struct {
	Key   []byte
	Value []byte
}

// ScanOptions bound and shape a Scan.
type ScanOptions struct {
	// MaxKeys stops the scan after this many results; zero means no limit.
	// A caller that wants more continues from the last key returned.
	MaxKeys int64
	// Reverse returns keys in descending order.
	Reverse bool
	// ForUpdate takes exclusive locks on the keys returned (SELECT ... FOR
	// UPDATE) instead of shared ones.
	ForUpdate bool
}

// Txn is one transaction. Keys are non-empty; values are non-nil (a nil
// value is stored as empty). Slices passed in may be reused by the caller
// once the call returns.
type Txn interface {
	// ID identifies the transaction in logs and errors.
	ID() string
	// ReadTimestamp is the transaction's timestamp as SQL's now() sees it:
	// fixed for the life of the transaction.
	ReadTimestamp() clock.Timestamp

	// Get returns the value at key, and whether there is one.
	Get(ctx context.Context, key []byte) (value []byte, found bool, err error)
	// GetForUpdate is Get taking an exclusive lock.
	GetForUpdate(ctx context.Context, key []byte) (value []byte, found bool, err error)
	// Scan returns the live keys in [start, end) in order.
	Scan(ctx context.Context, start, end []byte, opts ScanOptions) ([]KeyValue, error)

	// Put writes value at key.
	Put(ctx context.Context, key, value []byte) error
	// Insert writes value at key if no live value is there, or returns
	// ErrKeyExists (the unique-violation check of a primary key).
	Insert(ctx context.Context, key, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key []byte) error
	// DeleteRange removes every live key in [start, end) and returns how many.
	DeleteRange(ctx context.Context, start, end []byte) (int64, error)

	// Commit makes every write durable atomically and releases the locks. It
	// returns once the commit is durable and the commit wait has passed.
	Commit(ctx context.Context) error
	// Rollback discards the writes and releases the locks. It is safe to call
	// after any error, and again after Commit or Rollback (then a no-op).
	Rollback(ctx context.Context) error
}

// Unwrap returns the transaction under a caller's wrappers of it: it
// follows Unwrap() Txn methods for as long as there are any.
func Unwrap(tx Txn) Txn {
	for {
		u, ok := tx.(interface{ Unwrap() Txn })
		if !ok {
			return tx
		}
		tx = u.Unwrap()
	}
}

var (
	// ErrRetryable marks a transaction that was aborted by a conflict and may
	// be retried from the start.
	ErrRetryable = errors.New("txn: restart transaction")
	// ErrKeyExists is returned by Insert when the key holds a live value.
	ErrKeyExists = errors.New("txn: key exists")
	// ErrAmbiguousCommit means the commit may or may not have happened.
	ErrAmbiguousCommit = errors.New("txn: commit result is ambiguous")
	// ErrTxnDone means the transaction was already committed or rolled back.
	ErrTxnDone = errors.New("txn: transaction already finished")
	// ErrReadOnly is returned by a write in a read-only transaction.
	ErrReadOnly = errors.New("txn: write in a read-only transaction")
)

// RetryableError says why a transaction must restart. It matches
// ErrRetryable with errors.Is.
type RetryableError struct {
	Reason string
	// Priority is the priority the retry should run with (see Options).
	Priority int64
}

func (e *RetryableError) Error() string { return "txn: restart transaction: " + e.Reason }

// Is makes errors.Is(err, ErrRetryable) hold.
func (e *RetryableError) Is(target error) bool { return target == ErrRetryable }
