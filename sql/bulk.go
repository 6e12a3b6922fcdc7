package sql

import (
	"errors"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/txn"
)

// Bulk loads: COPY FROM and ALTER TABLE ... ADD PRIMARY KEY write rows in
// batches of bulkBatch through txn.InsertBatch (one request reads and locks
// a whole batch) instead of one Insert each, under one exclusive lock on
// the table's span (txn.LockSpan) taken before the first row is
// written: the lock table then grants each row's lock at once and holds
// one lock instead of a million.
//
// The table lock comes first, not by escalation after some rows: two
// loads into one table that each held row locks and then asked for the
// table would deadlock, and one would fail with 40001 (COPY is not
// retried). Taken first, the second load waits for the first. Meanwhile
// other transactions wait to read or write the table, as they would for
// any row lock of the load in the span they scan.
//
// The batching is an implementation detail: rows are checked in order, and
// the first duplicate key is reported for its own row, as row by row.
var bulkBatch = 1000 // a variable for tests

// bulkInserter batches rows of one table and the entries of its secondary
// indexes.
type bulkInserter struct {
	ec *execCtx
	t  *catalog.Table
	// rid is the hidden rowid column, or -1: a duplicate rowid is not an
	// error but a collision, retried with a fresh id.
	rid int
	// onDup makes the error for a row whose key exists; line is what was
	// passed to add.
	onDup func(row []rowenc.Value, line int) error
	// withLine gives an error of a row (other than onDup's) the row's
	// line; nil leaves it as it is.
	withLine func(err error, line int) error

	kvs     []txn.KeyValue
	rows    [][]rowenc.Value
	lines   []int
	written int // rows flushed so far
	locked  bool
}

func newBulkInserter(ec *execCtx, t *catalog.Table, onDup func(row []rowenc.Value, line int) error) *bulkInserter {
	b := &bulkInserter{ec: ec, t: t, rid: -1, onDup: onDup}
	if rid := t.ColumnIndex(catalog.RowIDColumn); rid >= 0 && t.Columns[rid].Hidden && len(t.PrimaryKey) == 1 && t.PrimaryKey[0] == rid {
		b.rid = rid
	}
	return b
}

// assignRowID gives row a rowid if the table has one and row has none
// (before its NOT NULL checks, as insertRow does), from the statement's run
// of consecutive ids (execCtx.rowID).
func (b *bulkInserter) assignRowID(row []rowenc.Value) {
	if b.rid >= 0 && row[b.rid].IsNull() {
		row[b.rid] = rowenc.Int(b.ec.rowID(false))
	}
}

// add queues row (owned by b from now on) and flushes a full batch.
func (b *bulkInserter) add(row []rowenc.Value, line int) error {
	b.assignRowID(row)
	val, err := b.t.EncodeValue(row)
	if err != nil {
		return b.lineErr(err, line)
	}
	b.kvs = append(b.kvs, txn.KeyValue{Key: b.t.EncodeKey(row), Value: val})
	b.rows = append(b.rows, row)
	b.lines = append(b.lines, line)
	if len(b.kvs) >= bulkBatch {
		return b.flush()
	}
	return nil
}

// flush inserts the queued rows.
func (b *bulkInserter) flush() error {
	if len(b.kvs) == 0 {
		return nil
	}
	ec := b.ec
	if err := ec.ctx.Err(); err != nil {
		return err
	}
	if !b.locked {
		// The whole table, index entries included.
		start, end := b.t.Span()
		if err := txn.LockSpan(ec.ctx, bulkTxn(ec.tx), start, end); err != nil {
			return err
		}
		b.locked = true
	}
	dup := -1 // the first row whose primary key exists
	collisions := 0
	for off := 0; off < len(b.kvs); {
		n, err := txn.InsertBatch(ec.ctx, bulkTxn(ec.tx), b.kvs[off:])
		off += n
		if err == nil {
			break
		}
		if !errors.Is(err, txn.ErrKeyExists) {
			return err
		}
		if b.rid < 0 {
			dup = off
			break
		}
		// A rowid collision: the row takes an id from a fresh start and
		// the batch goes on from it.
		if collisions++; collisions > 10*bulkBatch {
			return uniqueViolation(b.t.PKName(), b.t.KeyDetail(b.rows[off]))
		}
		b.rows[off][b.rid] = rowenc.Int(ec.rowID(true))
		val, err := b.t.EncodeValue(b.rows[off])
		if err != nil {
			return err
		}
		b.kvs[off] = txn.KeyValue{Key: b.t.EncodeKey(b.rows[off]), Value: val}
	}
	inserted := len(b.kvs)
	if dup >= 0 {
		inserted = dup
	}
	if err := b.putIndexEntries(inserted); err != nil {
		return err
	}
	if dup >= 0 {
		return b.onDup(b.rows[dup], b.lines[dup])
	}
	b.written += len(b.kvs)
	clear(b.kvs)
	clear(b.rows)
	b.kvs, b.rows, b.lines = b.kvs[:0], b.rows[:0], b.lines[:0]
	return nil
}

// putIndexEntries writes the secondary index entries of the first n
// queued rows, whose rows are inserted: per index, the unique entries with
// one InsertBatch and the others with one PutBatch. The error it returns
// is the one insertRow would have met first, row by row: that of the
// earliest row with a duplicate, in the first index where it has one.
func (b *bulkInserter) putIndexEntries(n int) error {
	t, ec := b.t, b.ec
	first, firstErr := n, error(nil)
	for k := range t.Indexes {
		ix := &t.Indexes[k]
		var uniq, plain []txn.KeyValue
		var uniqRow []int
		for i := range n {
			key, val, unique := t.EncodeIndexEntry(ix, b.rows[i])
			if unique {
				uniq, uniqRow = append(uniq, txn.KeyValue{Key: key, Value: val}), append(uniqRow, i)
			} else {
				plain = append(plain, txn.KeyValue{Key: key, Value: val})
			}
		}
		if err := txn.PutBatch(ec.ctx, bulkTxn(ec.tx), plain); err != nil {
			return err
		}
		m, err := txn.InsertBatch(ec.ctx, bulkTxn(ec.tx), uniq)
		if errors.Is(err, txn.ErrKeyExists) {
			if r := uniqRow[m]; r < first {
				first, firstErr = r, uniqueViolation(ix.Name, t.IndexDetail(ix, b.rows[r]))
			}
		} else if err != nil {
			return err
		}
	}
	if firstErr != nil {
		return b.lineErr(firstErr, b.lines[first])
	}
	return nil
}

func (b *bulkInserter) lineErr(err error, line int) error {
	if b.withLine == nil {
		return err
	}
	return b.withLine(err, line)
}

// bulkTxn returns the transaction under the session's catalog-tracking
// wrapper, so that txn.LockSpan and txn.InsertBatch find its fast paths
// (trackedTxn forwards only the Txn methods). The wrapper watches writes of
// system keys; bulk loads write only a user table's keys.
func bulkTxn(tx txn.Txn) txn.Txn { return txn.Unwrap(tx) }
