package mvcc

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	"github.com/meridiandb/meridian/clock"
)

// modelVersion is one committed version in the reference model.
type modelVersion struct {
	ts    clock.Timestamp
	value []byte // nil: tombstone
}

// TestRandomAgainstModel drives random writes, intents, resolutions and GC
// through batches and checks, after every step, that incremental stats equal
// ComputeStats and that Get and Scan at random timestamps agree with a
// simple in-memory model of versions.
func TestRandomAgainstModel(t *testing.T) {
	e := newTestEngine(t)
	rng := rand.New(rand.NewSource(1))
	keys := []string{"a", "a\x00", "a\x00\x00", "ab", "b", "\x00", "\xff"}
	versions := map[string][]modelVersion{} // newest first
	intents := map[string]*intentRecord{}
	var txns []*TxnMeta
	var ms MVCCStats
	var gcThreshold clock.Timestamp
	now := int64(10)
	counts := map[string]int{}
	defer func() { t.Logf("outcomes: %v", counts) }()

	visible := func(k string, ts clock.Timestamp) (modelVersion, bool) {
		for _, v := range versions[k] {
			if v.ts.LessEq(ts) {
				return v, v.value != nil
			}
		}
		return modelVersion{}, false
	}

	for step := 0; step < 1500; step++ {
		now += int64(rng.Intn(3))
		ts := clock.Timestamp{WallTime: now, Logical: int32(rng.Intn(2))}
		k := keys[rng.Intn(len(keys))]
		b := e.NewBatch()
		var delta MVCCStats
		var err error
		var op string
		switch r := rng.Intn(10); {
		case r < 4: // committed put or delete
			var val []byte
			if rng.Intn(4) > 0 {
				val = []byte(fmt.Sprintf("v%d", step))
			}
			op = fmt.Sprintf("put %q %s %q", k, ts, val)
			if val == nil {
				err = Delete(b, []byte(k), ts, WriteOptions{Stats: &delta})
			} else {
				err = Put(b, []byte(k), ts, val, WriteOptions{Stats: &delta})
			}
			if err == nil {
				versions[k] = append([]modelVersion{{ts, val}}, versions[k]...)
			}
		case r < 6: // intent
			var txn *TxnMeta
			if len(txns) > 0 && rng.Intn(2) == 0 {
				txn = txns[rng.Intn(len(txns))]
				txn.WriteTimestamp = txn.WriteTimestamp.Forward(ts)
			} else {
				txn = &TxnMeta{WriteTimestamp: ts}
				txn.ID[0], txn.ID[1] = byte(step), byte(step>>8)
				txns = append(txns, txn)
			}
			txn.Sequence++
			val := []byte(fmt.Sprintf("i%d", step))
			op = fmt.Sprintf("intent %q %s by %s", k, txn.WriteTimestamp, txn.ID)
			err = Put(b, []byte(k), txn.WriteTimestamp, val, WriteOptions{Txn: txn, Stats: &delta})
			if err == nil {
				intents[k] = &intentRecord{Txn: *txn, Value: val}
			}
		case r < 8: // resolve a transaction everywhere
			if len(txns) == 0 {
				b.Close()
				continue
			}
			i := rng.Intn(len(txns))
			txn := txns[i]
			txns = append(txns[:i], txns[i+1:]...)
			status := Committed
			if rng.Intn(3) == 0 {
				status = Aborted
			}
			commitTS := txn.WriteTimestamp.Forward(ts)
			op = fmt.Sprintf("resolve %s %s at %s", txn.ID, status, commitTS)
			_, _, err = ResolveIntentRange(b, []byte{0}, nil, *txn, status, commitTS, 0, &delta)
			if err == nil {
				for mk, in := range intents {
					if in.Txn.ID != txn.ID {
						continue
					}
					delete(intents, mk)
					if status == Committed {
						versions[mk] = append([]modelVersion{{commitTS, in.Value}}, versions[mk]...)
					}
				}
			}
		default: // GC
			th := clock.Timestamp{WallTime: now - int64(rng.Intn(10))}
			gcThreshold = gcThreshold.Forward(th)
			op = fmt.Sprintf("gc %s", gcThreshold)
			var resume []byte = []byte{0}
			for resume != nil && err == nil {
				resume, err = GC(b, resume, nil, gcThreshold, GCOptions{MaxKeys: 2, Stats: &delta})
			}
			if err == nil {
				for mk, vs := range versions {
					for i, v := range vs {
						if v.ts.LessEq(gcThreshold) {
							if v.value == nil {
								vs = vs[:i]
							} else {
								vs = vs[:i+1]
							}
							break
						}
					}
					if len(vs) == 0 {
						delete(versions, mk)
					} else {
						versions[mk] = vs
					}
				}
			}
		}
		var wi *WriteIntentError
		var wto *WriteTooOldError
		kind := op[:3]
		switch {
		case errors.As(err, &wi):
			kind += "/intent-conflict"
		case errors.As(err, &wto):
			kind += "/too-old"
		}
		counts[kind]++
		if err != nil && !errors.As(err, &wi) && !errors.As(err, &wto) {
			t.Fatalf("step %d %s: %v", step, op, err)
		}
		if err != nil && !b.Empty() {
			t.Fatalf("step %d %s: failed op left writes", step, op)
		}
		if err := b.Commit(false); err != nil {
			t.Fatal(err)
		}
		if err == nil {
			ms.Add(delta)
		}
		got, cerr := ComputeStats(e, []byte{0}, nil)
		if cerr != nil {
			t.Fatal(cerr)
		}
		if got != ms {
			t.Fatalf("step %d %s: stats diverged\n incremental %s\n computed    %s", step, op, ms, got)
		}

		// Reads at a random timestamp at or above the GC threshold.
		readTS := clock.Timestamp{WallTime: gcThreshold.WallTime + int64(rng.Intn(int(now-gcThreshold.WallTime)+2))}
		var want []KeyValue
		sorted := append([]string(nil), keys...)
		sort.Strings(sorted)
		blocked := false
		for _, mk := range sorted {
			if in := intents[mk]; in != nil && in.Txn.WriteTimestamp.LessEq(readTS) {
				blocked = true
			}
			v, ok := visible(mk, readTS)
			gv, gok, gerr := Get(e, []byte(mk), readTS, ReadOptions{})
			if in := intents[mk]; in != nil && in.Txn.WriteTimestamp.LessEq(readTS) {
				if !errors.As(gerr, &wi) {
					t.Fatalf("step %d: get %q at %s = %v, want intent error", step, mk, readTS, gerr)
				}
				continue
			}
			if gerr != nil || gok != ok || (ok && (!bytes.Equal(gv.Bytes, v.value) || gv.Timestamp != v.ts)) {
				t.Fatalf("step %d: get %q at %s = %q@%s %t %v, want %q@%s %t", step, mk, readTS, gv.Bytes, gv.Timestamp, gok, gerr, v.value, v.ts, ok)
			}
			if ok {
				want = append(want, KeyValue{Key: []byte(mk), Value: v.value, Timestamp: v.ts})
			}
		}
		res, serr := Scan(e, []byte{0}, nil, readTS, ScanOptions{})
		if blocked {
			if !errors.As(serr, &wi) {
				t.Fatalf("step %d: scan at %s = %v, want intent error", step, readTS, serr)
			}
			continue
		}
		if serr != nil || len(res.KVs) != len(want) {
			t.Fatalf("step %d: scan at %s = %d kvs %v, want %d", step, readTS, len(res.KVs), serr, len(want))
		}
		for i := range want {
			if !bytes.Equal(res.KVs[i].Key, want[i].Key) || !bytes.Equal(res.KVs[i].Value, want[i].Value) {
				t.Fatalf("step %d: scan[%d] = %q=%q, want %q=%q", step, i, res.KVs[i].Key, res.KVs[i].Value, want[i].Key, want[i].Value)
			}
		}
	}
}
