package txn

import (
	"slices"
	"strings"

	"github.com/meridiandb/meridian/kv"
)

// writeBuffer holds a transaction's buffered writes, one per key, in key
// order for merging over scans. Appending keys in ascending order (bulk
// loads) is O(1) per write; random order costs a slice move per new key,
// fine until a transaction writes hundreds of thousands of keys (then an
// ordered tree is the fix).
type writeBuffer struct {
	m map[string]*kv.Write
	// keys are the keys of m, sorted. Invariant: len(keys) == len(m).
	keys []string
}

func (b *writeBuffer) get(key []byte) (*kv.Write, bool) {
	w, ok := b.m[string(key)]
	return w, ok
}

// put buffers a write; the slices are copied (a nil value becomes empty).
func (b *writeBuffer) put(key, value []byte, del bool) {
	if b.m == nil {
		b.m = make(map[string]*kv.Write)
	}
	if w, ok := b.m[string(key)]; ok {
		w.Value, w.Delete = nil, del
		if !del {
			w.Value = clone(value)
		}
		return
	}
	k := string(key)
	w := &kv.Write{Key: []byte(k), Delete: del}
	if !del {
		w.Value = clone(value)
	}
	b.m[k] = w
	if n := len(b.keys); n == 0 || b.keys[n-1] < k {
		b.keys = append(b.keys, k)
		return
	}
	i, _ := slices.BinarySearch(b.keys, k)
	b.keys = slices.Insert(b.keys, i, k)
}

// span returns the buffered writes with keys in [lo, hi), ascending. They
// are the buffer's own: callers copy what they hand out.
func (b *writeBuffer) span(lo, hi string) []*kv.Write {
	i, _ := slices.BinarySearch(b.keys, lo)
	j, _ := slices.BinarySearchFunc(b.keys, hi, strings.Compare)
	if j <= i {
		return nil
	}
	out := make([]*kv.Write, 0, j-i)
	for _, k := range b.keys[i:j] {
		out = append(out, b.m[k])
	}
	return out
}

// list returns every buffered write, in key order.
func (b *writeBuffer) list() []kv.Write {
	out := make([]kv.Write, 0, len(b.keys))
	for _, k := range b.keys {
		out = append(out, *b.m[k])
	}
	return out
}
