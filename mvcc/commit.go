package mvcc

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/meridiandb/meridian/clock"
)

// CommitWriter writes the committed versions of one commit: many keys, each
// once, at one timestamp, made durable atomically by Commit. It is what
// Put and Delete on a Batch do key by key, at a fraction of the cost for a
// large commit (a bulk load writes a million keys in one):
//
//   - Its batch is not indexed. Put and Delete on an indexed Batch insert
//     every write into the batch's skiplist and read each key through a
//     merge of the batch and the engine; a commit never reads its own
//     writes, as it writes each key once.
//   - The conflict checks of Put (an intent on the key, or a version at or
//     above the timestamp: WriteIntentError, WriteTooOldError) read the
//     engine through one iterator, seeked from key to key, instead of one
//     iterator per key. Keys in ascending order make the seeks short.
//
// It keeps no MVCCStats (WriteOptions.Stats); writes of provisional
// intents go through Put. A CommitWriter is used by one goroutine.
type CommitWriter struct {
	b   *Batch
	ts  clock.Timestamp
	chk commitCheck
	ek  []byte // scratch
}

// NewCommitWriter returns a writer of committed versions at ts. sizeHint,
// if positive, is about how many bytes of keys and values will be written:
// the batch starts that large instead of growing by copies.
func (e *Engine) NewCommitWriter(ts clock.Timestamp, sizeHint int) (*CommitWriter, error) {
	if err := checkTimestamp(ts); err != nil {
		return nil, err
	}
	// Per write: the escaped key grows a little, plus its prefix and
	// terminator, a timestamp, the value's tag and the batch's record
	// header.
	n := max(sizeHint+sizeHint/8, 0)
	return &CommitWriter{b: &Batch{b: e.db.NewBatchWithSize(n), limits: e.limits}, ts: ts, chk: commitCheck{eng: e}}, nil
}

// CommitSizeHint is a sizeHint for NewCommitWriter: the bytes of keys and
// values of n writes, plus n.
func CommitSizeHint(keyValueBytes, n int) int { return keyValueBytes + n*(versionedLen+8) }

// Writer returns the batch for unversioned writes (PutLocal) that commit
// with the versions. It cannot be read.
func (c *CommitWriter) Writer() Writer { return c.b }

// Put writes value at key, as Put with WriteOptions{} would.
func (c *CommitWriter) Put(key, value []byte) error {
	if len(value) > c.b.limits.MaxValueSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrValueTooLarge, len(value), c.b.limits.MaxValueSize)
	}
	return c.write(key, value, false)
}

// Delete writes a deletion tombstone at key, as Delete would.
func (c *CommitWriter) Delete(key []byte) error { return c.write(key, nil, true) }

func (c *CommitWriter) write(key, value []byte, tomb bool) error {
	if err := checkKey(c.b.limits, key); err != nil {
		return err
	}
	if err := c.chk.check(key, c.ts); err != nil {
		return err
	}
	c.ek = EncodeKey(c.ek[:0], key, c.ts)
	return c.b.PutRaw(c.ek, encodeVersion(value, tomb))
}

// commitCheck makes the conflict checks of a commit's writes (an intent
// on the key, or a version at or above the commit timestamp: what Put
// refuses with WriteIntentError and WriteTooOldError), reading the engine
// through one iterator seeked from key to key. It reads the engine as of
// the first check, not the commit's own writes: a commit writes each key
// once.
type commitCheck struct {
	eng         *Engine
	it          *pebble.Iterator
	prefix, end []byte // scratch
}

func (c *commitCheck) check(key []byte, ts clock.Timestamp) error {
	if c.it == nil {
		it, err := c.eng.NewRawIter(nil, nil)
		if err != nil {
			return err
		}
		c.it = it
	}
	c.prefix = EncodeIntentKey(c.prefix[:0], key)
	c.end = keyEnd(c.end[:0], c.prefix)
	if !c.it.SeekGE(c.prefix) {
		return c.it.Error()
	}
	k := c.it.Key()
	if bytes.Compare(k, c.end) >= 0 {
		return nil
	}
	if len(k) == len(c.prefix) {
		raw, err := c.it.ValueAndErr()
		if err != nil {
			return err
		}
		in, err := decodeIntent(append([]byte(nil), raw...))
		if err != nil {
			return err
		}
		in.Txn.Key = append([]byte(nil), in.Txn.Key...)
		return &WriteIntentError{Intents: []Intent{{Key: append([]byte(nil), key...), Txn: in.Txn}}}
	}
	if len(k) != len(c.prefix)+versionedLen {
		return corruptf("engine key %x", k)
	}
	if vts := decodeInvertedTimestamp(k[len(c.prefix):]); ts.LessEq(vts) {
		return &WriteTooOldError{
			Key:               append([]byte(nil), key...),
			WriteTimestamp:    ts,
			ExistingTimestamp: vts,
			ActualTimestamp:   vts.Next(),
		}
	}
	return nil
}

func (c *commitCheck) close() error {
	if c.it == nil {
		return nil
	}
	it := c.it
	c.it = nil
	return it.Close()
}

// Count returns the number of raw writes so far.
func (c *CommitWriter) Count() uint32 { return c.b.Count() }

// Commit applies the writes atomically (see Batch.Commit) and closes c.
func (c *CommitWriter) Commit(sync bool) error {
	if err := c.chk.close(); err != nil {
		c.Close()
		return err
	}
	return c.b.Commit(sync)
}

// Close discards the writes (a no-op after Commit). Idempotent.
func (c *CommitWriter) Close() {
	_ = c.chk.close()
	c.b.Close()
}
