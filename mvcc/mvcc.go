package mvcc

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/meridiandb/meridian/clock"
)

// ReadOptions shape Get and Scan.
type ReadOptions struct {
	// Txn is the reading transaction, nil for a non-transactional read. A
	// transaction sees its own intents of its current epoch.
	Txn *TxnMeta
	// UncertaintyLimit is the top of the reader's uncertainty window: a
	// committed value in (read ts, UncertaintyLimit] makes the read fail
	// with ReadWithinUncertaintyIntervalError, and another transaction's
	// intent at or below it with WriteIntentError. Zero, or a value at or
	// below the read timestamp, means no uncertainty.
	UncertaintyLimit clock.Timestamp
}

// ScanOptions shape Scan.
type ScanOptions struct {
	ReadOptions
	// MaxKeys stops the scan after this many results; zero means no limit.
	MaxKeys int64
	// TargetBytes stops the scan once the returned keys and values add up
	// to at least this many bytes (the key that crosses it is included, so a
	// scan always makes progress); zero means no limit.
	TargetBytes int64
	// Reverse returns keys in descending order.
	Reverse bool
}

// WriteOptions shape Put, Delete and the other writes.
type WriteOptions struct {
	// Txn makes the write provisional: it writes an intent of this
	// transaction, at Txn.WriteTimestamp (which must equal the ts argument).
	// Nil writes a committed version at once.
	Txn *TxnMeta
	// Stats, when non-nil, receives the write's effect on MVCCStats.
	Stats *MVCCStats
}

// Value is a value read at a timestamp. Bytes is owned by the caller.
type Value struct {
	Bytes []byte
	// Timestamp is the version's timestamp, or for the reader's own intent
	// the intent's write timestamp.
	Timestamp clock.Timestamp
}

// KeyValue is one result of a Scan. Both slices are owned by the caller.
type KeyValue struct {
	Key       []byte
	Value     []byte
	Timestamp clock.Timestamp
}

// Span is the user-key interval [Key, EndKey).
type Span struct {
	Key    []byte
	EndKey []byte
}

// ScanResult is what Scan returns.
type ScanResult struct {
	KVs []KeyValue
	// ResumeSpan is the part of the request span not scanned because a
	// limit was hit, nil when the scan completed. For a reverse scan it is
	// [start, key after the last key to return).
	ResumeSpan *Span
	// NumBytes is the sum of len(Key)+len(Value) over KVs.
	NumBytes int64
}

func checkKey(l Limits, key []byte) error {
	if len(key) == 0 {
		return ErrEmptyKey
	}
	if len(key) > l.MaxKeySize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrKeyTooLarge, len(key), l.MaxKeySize)
	}
	return nil
}

// checkSpanStart checks the start of a span: like a key, except that empty
// means the beginning of the user key space.
func checkSpanStart(l Limits, start []byte) error {
	if len(start) == 0 {
		return nil
	}
	return checkKey(l, start)
}

func checkTimestamp(ts clock.Timestamp) error {
	if ts.IsEmpty() {
		return ErrZeroTimestamp
	}
	return nil
}

// keyEnd returns the exclusive engine upper bound of every record of the user
// key whose engine prefix (ending in the terminator 0x00 0x01) is p.
func keyEnd(dst, p []byte) []byte {
	dst = append(dst, p...)
	dst[len(dst)-1]++ // 0x00 0x01 -> 0x00 0x02
	return dst
}

// Get returns the value of key visible at ts: the caller's own intent, else
// the newest committed version at or below ts. ok is false when there is
// none or it is a deletion.
func Get(r Reader, key []byte, ts clock.Timestamp, opts ReadOptions) (v Value, ok bool, err error) {
	if err := checkKey(r.Limits(), key); err != nil {
		return v, false, err
	}
	if err := checkTimestamp(ts); err != nil {
		return v, false, err
	}
	var buf [96]byte
	lower := EncodeIntentKey(buf[:0], key)
	upper := keyEnd(lower[len(lower):], lower)
	it, err := r.NewRawIter(lower, upper)
	if err != nil {
		return v, false, err
	}
	rd := newVisReader(it, ts, opts)
	if !it.First() {
		return v, false, closeIter(it, nil)
	}
	val, vts, found, tomb, err := rd.readKey(lower)
	if err == nil && rd.intents != nil {
		err = &WriteIntentError{Intents: rd.intents}
	}
	if err == nil && found && !tomb {
		v = Value{Bytes: append([]byte{}, val...), Timestamp: vts}
		ok = true
	}
	return v, ok, closeIter(it, err)
}

func closeIter(it *pebble.Iterator, err error) error {
	if err == nil {
		err = it.Error()
	}
	if cerr := it.Close(); err == nil {
		err = cerr
	}
	return err
}

// visReader finds the visible record of user keys on an iterator.
type visReader struct {
	it    *pebble.Iterator
	ts    clock.Timestamp
	limit clock.Timestamp // max(ts, uncertainty limit)
	txn   *TxnMeta
	// intents collects conflicting intents of other transactions.
	intents []Intent
	seekBuf []byte
}

func newVisReader(it *pebble.Iterator, ts clock.Timestamp, opts ReadOptions) visReader {
	return visReader{it: it, ts: ts, limit: ts.Forward(opts.UncertaintyLimit), txn: opts.Txn}
}

// maxNexts is how many Next calls we try before seeking within or past a
// key's versions: Next is much cheaper than a seek when versions are few.
const maxNexts = 4

// readKey reads the user key whose engine prefix is p; the iterator must be
// at the first record of p. It returns the visible value (aliasing iterator
// memory, valid until the iterator moves) and leaves the iterator at a record
// of p or past it, or exhausted.
func (r *visReader) readKey(p []byte) (val []byte, vts clock.Timestamp, found, tomb bool, err error) {
	it := r.it
	k := it.Key()
	if len(k) == len(p) {
		// The intent slot.
		raw, err := it.ValueAndErr()
		if err != nil {
			return nil, vts, false, false, err
		}
		in, err := decodeIntent(raw)
		if err != nil {
			return nil, vts, false, false, err
		}
		if r.txn != nil && in.Txn.ID == r.txn.ID {
			if in.Txn.Epoch == r.txn.Epoch {
				return in.Value, in.Txn.WriteTimestamp, true, in.Deleted, nil
			}
			// An intent of an earlier (or, for a stale reader, later)
			// epoch is invisible: read the committed versions below it.
		} else if in.Txn.WriteTimestamp.LessEq(r.limit) {
			userKey := unescape(nil, p[1:len(p)-2])
			txn := in.Txn
			txn.Key = append([]byte(nil), txn.Key...)
			r.intents = append(r.intents, Intent{Key: userKey, Txn: txn})
			return nil, vts, false, false, nil
		}
		if !it.Next() || !bytes.HasPrefix(it.Key(), p) {
			return nil, vts, false, false, nil
		}
		k = it.Key()
	}
	// At the newest version of p. Walk down to the first at or below limit.
	for i := 0; ; i++ {
		if len(k) != len(p)+versionedLen {
			return nil, vts, false, false, corruptf("engine key %x", k)
		}
		vts = decodeInvertedTimestamp(k[len(p):])
		if vts.LessEq(r.limit) {
			break
		}
		if i == maxNexts {
			r.seekBuf = appendInvertedTimestamp(append(r.seekBuf[:0], p...), r.limit)
			if !it.SeekGE(r.seekBuf) {
				return nil, vts, false, false, nil
			}
		} else if !it.Next() {
			return nil, vts, false, false, nil
		}
		k = it.Key()
		if !bytes.HasPrefix(k, p) {
			return nil, vts, false, false, nil
		}
	}
	if r.ts.Less(vts) {
		return nil, vts, false, false, &ReadWithinUncertaintyIntervalError{
			Key:               unescape(nil, p[1:len(p)-2]),
			ReadTimestamp:     r.ts,
			ExistingTimestamp: vts,
			UncertaintyLimit:  r.limit,
		}
	}
	raw, err := it.ValueAndErr()
	if err != nil {
		return nil, vts, false, false, err
	}
	val, tomb, err = decodeVersion(raw)
	return val, vts, err == nil, tomb, err
}

// Scan returns the values visible at ts of user keys in [start, end), in
// ascending order (descending with opts.Reverse), stopping at opts.MaxKeys
// or opts.TargetBytes. An empty start means the first user key, a nil end
// the end of the user key space.
//
// Intents of other transactions at or below the uncertainty limit are all
// collected and returned together in one *WriteIntentError (with no
// results); a value in the uncertainty window returns at once.
func Scan(r Reader, start, end []byte, ts clock.Timestamp, opts ScanOptions) (ScanResult, error) {
	var res ScanResult
	if err := checkSpanStart(r.Limits(), start); err != nil {
		return res, err
	}
	if err := checkTimestamp(ts); err != nil {
		return res, err
	}
	if len(end) != 0 && bytes.Compare(start, end) >= 0 {
		return res, invalidf("scan span [%q, %q) is empty or inverted", start, end)
	}
	if opts.MaxKeys < 0 || opts.TargetBytes < 0 {
		return res, invalidf("negative scan limit")
	}
	lower, upper := userSpan(start, end)
	it, err := r.NewRawIter(lower, upper)
	if err != nil {
		return res, err
	}
	rd := newVisReader(it, ts, opts.ReadOptions)
	if opts.Reverse {
		err = rd.scanReverse(&res, start, opts)
	} else {
		err = rd.scanForward(&res, end, opts)
	}
	if err == nil && rd.intents != nil {
		err = &WriteIntentError{Intents: rd.intents}
	}
	if err != nil {
		res = ScanResult{}
	}
	return res, closeIter(it, err)
}

func (res *ScanResult) full(opts ScanOptions) bool {
	return (opts.MaxKeys > 0 && int64(len(res.KVs)) >= opts.MaxKeys) ||
		(opts.TargetBytes > 0 && res.NumBytes >= opts.TargetBytes)
}

// add appends a result. Keys and values are carved from shared slabs to
// save allocations; each slice is capped (three-index slice) so a caller
// appending to one cannot overwrite its neighbour.
func (res *ScanResult) add(slab *[]byte, p, val []byte, vts clock.Timestamp) {
	need := len(p) + len(val)
	if cap(*slab)-len(*slab) < need {
		*slab = make([]byte, 0, max(need, 4<<10))
	}
	b := *slab
	n := len(b)
	b = unescape(b, p[1:len(p)-2])
	k := b[n:len(b):len(b)]
	n = len(b)
	b = append(b, val...)
	v := b[n:len(b):len(b)]
	*slab = b
	res.KVs = append(res.KVs, KeyValue{Key: k, Value: v, Timestamp: vts})
	res.NumBytes += int64(len(k) + len(v))
}

func (r *visReader) scanForward(res *ScanResult, end []byte, opts ScanOptions) error {
	it := r.it
	var p, next, slab []byte
	valid := it.First()
	for valid {
		n, _, err := splitKey(it.Key())
		if err != nil {
			return err
		}
		p = append(p[:0], it.Key()[:n]...)
		if res.full(opts) {
			res.ResumeSpan = &Span{Key: unescape(nil, p[1:n-2]), EndKey: end}
			return nil
		}
		val, vts, found, tomb, err := r.readKey(p)
		if err != nil {
			return err
		}
		if found && !tomb && r.intents == nil {
			res.add(&slab, p, val, vts)
		}
		// Skip the rest of p's versions: a few Nexts, then a seek.
		for i := 0; ; i++ {
			if !it.Valid() {
				valid = false
				break
			}
			if !bytes.HasPrefix(it.Key(), p) {
				break
			}
			if i == maxNexts {
				next = keyEnd(next[:0], p)
				valid = it.SeekGE(next)
				break
			}
			it.Next()
		}
	}
	return nil
}

func (r *visReader) scanReverse(res *ScanResult, start []byte, opts ScanOptions) error {
	it := r.it
	var p, slab []byte
	valid := it.Last()
	for valid {
		n, _, err := splitKey(it.Key())
		if err != nil {
			return err
		}
		p = append(p[:0], it.Key()[:n]...)
		if res.full(opts) {
			end := unescape(nil, p[1:n-2])
			res.ResumeSpan = &Span{Key: start, EndKey: append(end, 0)}
			return nil
		}
		// Go to p's first record (its intent or newest version).
		if !it.SeekGE(p) {
			return it.Error()
		}
		val, vts, found, tomb, err := r.readKey(p)
		if err != nil {
			return err
		}
		if found && !tomb && r.intents == nil {
			res.add(&slab, p, val, vts)
		}
		valid = it.SeekLT(p)
	}
	return nil
}

// keyState is what a write learns about a key before writing it: its intent
// and its newest committed version.
type keyState struct {
	prefix []byte // engine prefix of the key (intent key)

	hasIntent    bool
	intent       intentRecord // aliases intentRaw
	intentRaw    []byte
	intentValLen int

	hasVersion    bool
	versionTS     clock.Timestamp
	versionTomb   bool
	versionValLen int
}

func (s *keyState) exists() bool { return s.hasIntent || s.hasVersion }

// newest returns the live contribution of the key: whether its newest record
// is a value, and that record's engine key and value bytes.
func (s *keyState) live() (bool, int64) {
	switch {
	case s.hasIntent:
		return !s.intent.Deleted, int64(len(s.prefix) + s.intentValLen)
	case s.hasVersion:
		return !s.versionTomb, int64(len(s.prefix) + versionedLen + s.versionValLen)
	}
	return false, 0
}

func readKeyState(r Reader, key []byte) (keyState, error) {
	var s keyState
	s.prefix = EncodeIntentKey(nil, key)
	it, err := r.NewRawIter(s.prefix, keyEnd(nil, s.prefix))
	if err != nil {
		return s, err
	}
	if !it.First() {
		return s, closeIter(it, nil)
	}
	if len(it.Key()) == len(s.prefix) {
		raw, err := it.ValueAndErr()
		if err != nil {
			return s, closeIter(it, err)
		}
		s.intentRaw = append([]byte(nil), raw...)
		s.intentValLen = len(raw)
		if s.intent, err = decodeIntent(s.intentRaw); err != nil {
			return s, closeIter(it, err)
		}
		s.hasIntent = true
		if !it.Next() {
			return s, closeIter(it, nil)
		}
	}
	k := it.Key()
	if len(k) != len(s.prefix)+versionedLen {
		return s, closeIter(it, corruptf("engine key %x", k))
	}
	raw, err := it.ValueAndErr()
	if err != nil {
		return s, closeIter(it, err)
	}
	s.hasVersion = true
	s.versionTS = decodeInvertedTimestamp(k[len(s.prefix):])
	s.versionValLen = len(raw)
	if _, s.versionTomb, err = decodeVersion(raw); err != nil {
		return s, closeIter(it, err)
	}
	return s, closeIter(it, nil)
}

// statsDelta accumulates the effect of one key's rewrite on MVCCStats.
type statsDelta struct {
	ms *MVCCStats
}

func (d statsDelta) record(keyLen, valLen int, sign int64) {
	if d.ms == nil {
		return
	}
	d.ms.ValCount += sign
	d.ms.KeyBytes += sign * int64(keyLen)
	d.ms.ValBytes += sign * int64(valLen)
}

func (d statsDelta) intent(keyLen, valLen int, sign int64) {
	d.record(keyLen, valLen, sign)
	if d.ms == nil {
		return
	}
	d.ms.IntentCount += sign
	d.ms.IntentBytes += sign * int64(keyLen+valLen)
}

// liveAndKey applies the change of the key's live contribution and
// existence from before to after.
func (d statsDelta) liveAndKey(before, after *keyState) {
	if d.ms == nil {
		return
	}
	if lb, bytesB := before.live(); lb {
		d.ms.LiveCount--
		d.ms.LiveBytes -= bytesB
	}
	if la, bytesA := after.live(); la {
		d.ms.LiveCount++
		d.ms.LiveBytes += bytesA
	}
	if before.exists() {
		d.ms.KeyCount--
	}
	if after.exists() {
		d.ms.KeyCount++
	}
}

// Put writes value at key and ts: a committed version, or with opts.Txn an
// intent of that transaction. It fails with *WriteIntentError when another
// transaction's intent is on the key and *WriteTooOldError when a committed
// version at or above ts exists; nothing is written then.
func Put(rw ReadWriter, key []byte, ts clock.Timestamp, value []byte, opts WriteOptions) error {
	if len(value) > rw.Limits().MaxValueSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrValueTooLarge, len(value), rw.Limits().MaxValueSize)
	}
	return write(rw, key, ts, value, false, opts)
}

// Delete writes a deletion tombstone at key and ts, with the same conflicts
// as Put. Deleting a missing key writes a tombstone all the same (it hides
// nothing but records the write for conflict detection).
func Delete(rw ReadWriter, key []byte, ts clock.Timestamp, opts WriteOptions) error {
	return write(rw, key, ts, nil, true, opts)
}

func write(rw ReadWriter, key []byte, ts clock.Timestamp, value []byte, tomb bool, opts WriteOptions) error {
	if err := checkKey(rw.Limits(), key); err != nil {
		return err
	}
	if err := checkTimestamp(ts); err != nil {
		return err
	}
	txn := opts.Txn
	if txn != nil && txn.WriteTimestamp != ts {
		return invalidf("write at %s by txn %s with write timestamp %s", ts, txn.ID, txn.WriteTimestamp)
	}
	before, err := readKeyState(rw, key)
	if err != nil {
		return err
	}
	if before.hasIntent {
		in := before.intent.Txn
		if txn == nil || in.ID != txn.ID {
			in.Key = append([]byte(nil), in.Key...)
			return &WriteIntentError{Intents: []Intent{{Key: append([]byte(nil), key...), Txn: in}}}
		}
		if in.Epoch > txn.Epoch || (in.Epoch == txn.Epoch && txn.Sequence < in.Sequence) {
			return invalidf("txn %s writes %q at epoch %d seq %d over its intent of epoch %d seq %d",
				txn.ID, key, txn.Epoch, txn.Sequence, in.Epoch, in.Sequence)
		}
	}
	if before.hasVersion && ts.LessEq(before.versionTS) {
		return &WriteTooOldError{
			Key:               append([]byte(nil), key...),
			WriteTimestamp:    ts,
			ExistingTimestamp: before.versionTS,
			ActualTimestamp:   before.versionTS.Next(),
		}
	}
	after := before
	d := statsDelta{opts.Stats}
	if txn != nil {
		rec := intentRecord{Txn: *txn, Deleted: tomb, Value: value}
		raw := rec.encode(make([]byte, 0, intentFixedLen+len(txn.Key)+len(value)+4))
		if err := rw.PutRaw(before.prefix, raw); err != nil {
			return err
		}
		if before.hasIntent {
			d.intent(len(before.prefix), before.intentValLen, -1)
		}
		d.intent(len(before.prefix), len(raw), +1)
		after.hasIntent, after.intent, after.intentValLen = true, rec, len(raw)
	} else {
		ek := EncodeKey(make([]byte, 0, len(before.prefix)+versionedLen), key, ts)
		raw := encodeVersion(value, tomb)
		if err := rw.PutRaw(ek, raw); err != nil {
			return err
		}
		d.record(len(ek), len(raw), +1)
		after.hasVersion, after.versionTS, after.versionTomb, after.versionValLen = true, ts, tomb, len(raw)
	}
	d.liveAndKey(&before, &after)
	return nil
}

func encodeVersion(value []byte, tomb bool) []byte {
	if tomb {
		return []byte{tagTombstone}
	}
	return append(append(make([]byte, 0, 1+len(value)), tagValue), value...)
}

// ResolveIntent settles txn's intent on key: Committed writes it as a
// version at ts (which must not be below the intent's timestamp), Aborted
// removes it, Pending moves it up to ts if ts is higher. An intent of an
// earlier epoch than txn.Epoch is removed even on commit (that write belongs
// to an abandoned attempt). It reports whether an intent of txn was found;
// a missing intent or one of another transaction is left alone, so
// resolution is idempotent.
func ResolveIntent(rw ReadWriter, key []byte, txn TxnMeta, status TxnStatus, ts clock.Timestamp, ms *MVCCStats) (bool, error) {
	if err := checkKey(rw.Limits(), key); err != nil {
		return false, err
	}
	if status != Aborted {
		if err := checkTimestamp(ts); err != nil {
			return false, err
		}
	}
	before, err := readKeyState(rw, key)
	if err != nil {
		return false, err
	}
	if !before.hasIntent || before.intent.Txn.ID != txn.ID {
		return false, nil
	}
	in := before.intent
	if in.Txn.Epoch > txn.Epoch {
		// The resolver holds stale metadata; the intent belongs to a later
		// attempt that has not finished.
		return false, nil
	}
	if status == Committed && in.Txn.Epoch < txn.Epoch {
		status = Aborted
	}
	d := statsDelta{ms}
	after := before
	switch status {
	case Pending:
		if ts.LessEq(in.Txn.WriteTimestamp) {
			return true, nil
		}
		in.Txn.WriteTimestamp = ts
		raw := in.encode(nil)
		if err := rw.PutRaw(before.prefix, raw); err != nil {
			return false, err
		}
		return true, nil // sizes are unchanged
	case Aborted:
		if err := rw.ClearRaw(before.prefix); err != nil {
			return false, err
		}
		d.intent(len(before.prefix), before.intentValLen, -1)
		after.hasIntent = false
	case Committed:
		if ts.Less(in.Txn.WriteTimestamp) {
			return false, invalidf("commit of %q at %s below its intent at %s", key, ts, in.Txn.WriteTimestamp)
		}
		if before.hasVersion && ts.LessEq(before.versionTS) {
			return false, corruptf("intent on %q at %s sits on a version at %s", key, in.Txn.WriteTimestamp, before.versionTS)
		}
		raw := encodeVersion(in.Value, in.Deleted)
		ek := EncodeKey(nil, key, ts)
		if err := rw.ClearRaw(before.prefix); err != nil {
			return false, err
		}
		if err := rw.PutRaw(ek, raw); err != nil {
			return false, err
		}
		d.intent(len(before.prefix), before.intentValLen, -1)
		d.record(len(ek), len(raw), +1)
		after.hasIntent = false
		after.hasVersion, after.versionTS, after.versionTomb, after.versionValLen = true, ts, in.Deleted, len(raw)
	default:
		return false, invalidf("txn status %d", status)
	}
	d.liveAndKey(&before, &after)
	return true, nil
}

// ResolveIntentRange resolves txn's intents in the user-key span [start, end)
// like ResolveIntent, visiting at most maxKeys user keys when maxKeys > 0.
// It returns the number of intents resolved and, when it stopped early, the
// key to resume from (nil when done).
func ResolveIntentRange(rw ReadWriter, start, end []byte, txn TxnMeta, status TxnStatus, ts clock.Timestamp, maxKeys int, ms *MVCCStats) (resolved int, resume []byte, err error) {
	if err := checkSpanStart(rw.Limits(), start); err != nil {
		return 0, nil, err
	}
	keys, resume, err := intentKeys(rw, start, end, txn.ID, maxKeys)
	if err != nil {
		return 0, nil, err
	}
	for _, k := range keys {
		ok, err := ResolveIntent(rw, k, txn, status, ts, ms)
		if err != nil {
			return resolved, nil, err
		}
		if ok {
			resolved++
		}
	}
	return resolved, resume, nil
}

// intentKeys lists the user keys in [start, end) holding an intent of id.
func intentKeys(r Reader, start, end []byte, id TxnID, maxKeys int) (keys [][]byte, resume []byte, err error) {
	lower, upper := userSpan(start, end)
	it, err := r.NewRawIter(lower, upper)
	if err != nil {
		return nil, nil, err
	}
	visited := 0
	var next []byte
	for valid := it.First(); valid; valid = it.SeekGE(next) {
		n, ts, err := splitKey(it.Key())
		if err != nil {
			return nil, nil, closeIter(it, err)
		}
		p := it.Key()[:n]
		if maxKeys > 0 && visited == maxKeys {
			return keys, unescape(nil, p[1:n-2]), closeIter(it, nil)
		}
		visited++
		if ts.IsEmpty() {
			raw, err := it.ValueAndErr()
			if err != nil {
				return nil, nil, closeIter(it, err)
			}
			in, err := decodeIntent(raw)
			if err != nil {
				return nil, nil, closeIter(it, err)
			}
			if in.Txn.ID == id {
				keys = append(keys, unescape(nil, p[1:n-2]))
			}
		}
		next = keyEnd(next[:0], p)
	}
	return keys, nil, closeIter(it, nil)
}
