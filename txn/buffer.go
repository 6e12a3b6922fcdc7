package txn

import (
	"strings"
	"unsafe"

	"github.com/RaduBerinde/btreemap"

	"github.com/meridiandb/meridian/kv"
)

// writeBuffer holds a transaction's buffered writes, one per key, in key
// order for merging over scans. It is an ordered tree so that a bulk load
// in any key order (COPY into a table keyed by random row ids, a primary
// key rebuilt under a new order) costs O(log n) per write; a sorted slice
// made such loads quadratic.
type writeBuffer struct {
	tree *btreemap.BTreeMap[string, *kv.Write] // nil until the first write
	// size is about how much memory the buffered writes take, for the
	// decision to stage them (kvTxn.maybeStage).
	size int
}

// writeOverhead approximates a buffered write's memory beyond its key and
// value: the kv.Write, its tree slot and the string header.
const writeOverhead = 64

// reset empties the buffer.
func (b *writeBuffer) reset() { *b = writeBuffer{} }

func (b *writeBuffer) get(key []byte) (*kv.Write, bool) {
	if b.tree == nil {
		return nil, false
	}
	_, w, ok := b.tree.Get(string(key))
	return w, ok
}

// put buffers a write; the slices are copied (a nil value becomes empty).
func (b *writeBuffer) put(key, value []byte, del bool) {
	if w, ok := b.get(key); ok {
		if !del {
			value = clone(value)
		}
		b.overwrite(w, value, del)
		return
	}
	if b.tree == nil {
		b.tree = btreemap.New[string, *kv.Write](32, strings.Compare)
	}
	k := string(key)
	w := &kv.Write{Key: []byte(k), Delete: del}
	if !del {
		w.Value = clone(value)
	}
	b.tree.ReplaceOrInsert(k, w)
	b.size += len(key) + len(w.Value) + writeOverhead
}

// overwrite replaces the buffered write w, keeping value (a nil value of
// a put becomes empty).
func (b *writeBuffer) overwrite(w *kv.Write, value []byte, del bool) {
	b.size -= len(w.Value)
	w.Value, w.Delete = nil, del
	if !del {
		w.Value = value
		if w.Value == nil {
			w.Value = []byte{}
		}
	}
	b.size += len(w.Value)
}

// insertNew buffers a put of key, which the caller found unbuffered, with
// one walk of the tree. If key was buffered after all, the earlier write is
// kept and returned with false. Unlike put it keeps key and value, which
// the caller must not modify afterwards (InsertBatch's pairs): a bulk load
// allocates and copies each row once instead of twice more.
//
// With del it buffers a delete of key (value unused).
func (b *writeBuffer) insertNew(key, value []byte, del bool) (*kv.Write, bool) {
	if b.tree == nil {
		b.tree = btreemap.New[string, *kv.Write](32, strings.Compare)
	}
	if value == nil && !del {
		value = []byte{}
	}
	k := unsafe.String(unsafe.SliceData(key), len(key)) // keys are non-empty
	w := &kv.Write{Key: key, Delete: del}
	if !del {
		w.Value = value
	}
	if _, old, replaced := b.tree.ReplaceOrInsert(k, w); replaced {
		b.tree.ReplaceOrInsert(k, old)
		return old, false
	}
	b.size += len(key) + len(w.Value) + writeOverhead
	return w, true
}

// span returns the buffered writes with keys in [lo, hi), ascending. They
// are the buffer's own: callers copy what they hand out.
func (b *writeBuffer) span(lo, hi string) []*kv.Write {
	if b.tree == nil || hi <= lo {
		return nil
	}
	var out []*kv.Write
	b.tree.AscendFunc(btreemap.GE(lo), btreemap.LT(hi), func(_ string, w *kv.Write) bool {
		out = append(out, w)
		return true
	})
	return out
}

// list returns every buffered write, in key order.
func (b *writeBuffer) list() []kv.Write {
	if b.tree == nil {
		return []kv.Write{}
	}
	out := make([]kv.Write, 0, b.tree.Len())
	b.tree.AscendFunc(btreemap.Min[string](), btreemap.Max[string](), func(_ string, w *kv.Write) bool {
		out = append(out, *w)
		return true
	})
	return out
}
