package mvcc

import (
	"github.com/cockroachdb/pebble/v2"

	"github.com/meridiandb/meridian/clock"
)

// Getter answers many Gets at one timestamp through one iterator, re-bounded
// for each key, instead of opening and closing an iterator per key (a batch
// of point reads: a bulk insert checking each of its keys). Each Get returns
// what Get(r, key, ts, opts) would, as of the Getter's first Get: the
// iterator sees the engine as of its creation, so a caller that needs the
// newest state of every key (under its locks) takes them all first. A
// Getter is used by one goroutine; Close releases it.
type Getter struct {
	r    Reader
	ts   clock.Timestamp
	opts ReadOptions
	it   *pebble.Iterator
}

// NewGetter returns a Getter over r at ts.
func NewGetter(r Reader, ts clock.Timestamp, opts ReadOptions) (*Getter, error) {
	if err := checkTimestamp(ts); err != nil {
		return nil, err
	}
	return &Getter{r: r, ts: ts, opts: opts}, nil
}

// Get is Get(r, key, ts, opts).
func (g *Getter) Get(key []byte) (v Value, ok bool, err error) {
	if err := checkKey(g.r.Limits(), key); err != nil {
		return v, false, err
	}
	// SetBounds keeps the slices until the next call: fresh ones each time.
	lower := EncodeIntentKey(make([]byte, 0, len(key)+16), key)
	upper := keyEnd(make([]byte, 0, len(lower)), lower)
	if g.it == nil {
		if g.it, err = g.r.NewRawIter(lower, upper); err != nil {
			return v, false, err
		}
	} else {
		g.it.SetBounds(lower, upper)
	}
	it := g.it
	rd := newVisReader(it, g.ts, g.opts)
	if !it.First() {
		return v, false, it.Error()
	}
	val, vts, found, tomb, err := rd.readKey(lower)
	if err == nil && rd.intents != nil {
		err = &WriteIntentError{Intents: rd.intents}
	}
	if err == nil && found && !tomb {
		v = Value{Bytes: append([]byte{}, val...), Timestamp: vts}
		ok = true
	}
	if err == nil {
		err = it.Error()
	}
	return v, ok, err
}

// Close releases the iterator. Idempotent.
func (g *Getter) Close() error {
	if g.it == nil {
		return nil
	}
	it := g.it
	g.it = nil
	return it.Close()
}
