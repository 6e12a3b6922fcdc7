package mvcc

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/meridiandb/meridian/clock"
)

// TestDataDriven runs the scripts in testdata/. Commands:
//
//	txn_begin t=<name> ts=<ts> [key=<anchor>]   start a transaction
//	txn_advance t=<name> ts=<ts>                move its write timestamp
//	txn_restart t=<name> [ts=<ts>]              bump its epoch
//	put k=<key> v=<value> ts=<ts> [t=<name>]    committed write, or intent
//	del k=<key> ts=<ts> [t=<name>]              tombstone, or intent of one
//	get k=<key> ts=<ts> [t=<name>] [unc=<ts>]
//	scan k=<key> [end=<key>] ts=<ts> [t=<name>] [unc=<ts>] [max=<n>] [bytes=<n>] [reverse]
//	resolve k=<key> t=<name> status=<committed|aborted|pending> [ts=<ts>]
//	resolve_range k=<key> end=<key> t=<name> status=<...> [ts=<ts>] [max=<n>]
//	gc k=<key> [end=<key>] threshold=<ts> [max=<n>]
//	dump                                        every engine record, decoded
//
// Every write command commits its own batch. After each write the
// incrementally maintained stats are checked against ComputeStats; a
// mismatch fails the test. Timestamps are clock.ParseTimestamp strings,
// so "5" is 5s and "5,1" adds a logical tick.
func TestDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		e := newTestEngine(t)
		env := &ddEnv{e: e, txns: map[string]*TxnMeta{}}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			out, err := env.run(t, d)
			if err != nil {
				return out + "error: " + fmtErr(err) + "\n"
			}
			return out
		})
	})
}

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := Open(Config{InMemory: true, MaxKeySize: 64, MaxValueSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

type ddEnv struct {
	e      *Engine
	txns   map[string]*TxnMeta
	stats  MVCCStats
	nextID byte
}

func fmtErr(err error) string {
	var wi *WriteIntentError
	var wto *WriteTooOldError
	var unc *ReadWithinUncertaintyIntervalError
	switch {
	case errors.As(err, &wi):
		var parts []string
		for _, in := range wi.Intents {
			parts = append(parts, fmt.Sprintf("%s (txn %d ts=%s epoch=%d)", in.Key, in.Txn.ID[0], in.Txn.WriteTimestamp, in.Txn.Epoch))
		}
		return "WriteIntentError: " + strings.Join(parts, ", ")
	case errors.As(err, &wto):
		return fmt.Sprintf("WriteTooOldError: %s write at %s, existing %s, retry at %s",
			wto.Key, wto.WriteTimestamp, wto.ExistingTimestamp, wto.ActualTimestamp)
	case errors.As(err, &unc):
		return fmt.Sprintf("ReadWithinUncertaintyIntervalError: %s read at %s, value at %s, limit %s",
			unc.Key, unc.ReadTimestamp, unc.ExistingTimestamp, unc.UncertaintyLimit)
	}
	return err.Error()
}

func ddTS(t *testing.T, d *datadriven.TestData, key string) clock.Timestamp {
	t.Helper()
	if !d.HasArg(key) {
		return clock.Timestamp{}
	}
	var s string
	d.ScanArgs(t, key, &s)
	ts, err := clock.ParseTimestamp(s)
	if err != nil {
		d.Fatalf(t, "%v", err)
	}
	return ts
}

func ddStr(t *testing.T, d *datadriven.TestData, key string) string {
	var s string
	if d.HasArg(key) {
		d.ScanArgs(t, key, &s)
	}
	return s
}

func ddInt(t *testing.T, d *datadriven.TestData, key string) int {
	var n int
	if d.HasArg(key) {
		d.ScanArgs(t, key, &n)
	}
	return n
}

func (env *ddEnv) txn(t *testing.T, d *datadriven.TestData) *TxnMeta {
	name := ddStr(t, d, "t")
	if name == "" {
		return nil
	}
	txn, ok := env.txns[name]
	if !ok {
		d.Fatalf(t, "unknown txn %q", name)
	}
	return txn
}

// write runs fn on a fresh batch, commits it and checks stats.
func (env *ddEnv) write(fn func(b *Batch, ms *MVCCStats) error) error {
	b := env.e.NewBatch()
	defer b.Close()
	var delta MVCCStats
	if err := fn(b, &delta); err != nil {
		return err
	}
	if err := b.Commit(false); err != nil {
		return err
	}
	env.stats.Add(delta)
	got, err := ComputeStats(env.e, []byte{0x00}, nil)
	if err != nil {
		return err
	}
	if got != env.stats {
		return fmt.Errorf("stats diverged:\n incremental %s\n computed    %s", env.stats, got)
	}
	return nil
}

func (env *ddEnv) run(t *testing.T, d *datadriven.TestData) (string, error) {
	key := []byte(ddStr(t, d, "k"))
	var end []byte
	if d.HasArg("end") {
		end = []byte(ddStr(t, d, "end"))
	}
	ts := ddTS(t, d, "ts")
	switch d.Cmd {
	case "txn_begin":
		env.nextID++
		var id TxnID
		id[0] = env.nextID
		name := ddStr(t, d, "t")
		env.txns[name] = &TxnMeta{ID: id, WriteTimestamp: ts, Key: []byte(ddStr(t, d, "key"))}
		return fmt.Sprintf("%s: id=%d ts=%s\n", name, id[0], ts), nil
	case "txn_advance":
		txn := env.txn(t, d)
		txn.WriteTimestamp = ts
		return "", nil
	case "txn_restart":
		txn := env.txn(t, d)
		txn.Epoch++
		txn.Sequence = 0
		if !ts.IsEmpty() {
			txn.WriteTimestamp = ts
		}
		return fmt.Sprintf("epoch=%d ts=%s\n", txn.Epoch, txn.WriteTimestamp), nil
	case "put", "del":
		txn := env.txn(t, d)
		if txn != nil {
			txn.Sequence++
		}
		return "", env.write(func(b *Batch, ms *MVCCStats) error {
			opts := WriteOptions{Txn: txn, Stats: ms}
			if d.Cmd == "del" {
				return Delete(b, key, ts, opts)
			}
			return Put(b, key, ts, []byte(ddStr(t, d, "v")), opts)
		})
	case "get":
		v, ok, err := Get(env.e, key, ts, ReadOptions{Txn: env.txn(t, d), UncertaintyLimit: ddTS(t, d, "unc")})
		if err != nil {
			return "", err
		}
		if !ok {
			return fmt.Sprintf("get %s: <not found>\n", key), nil
		}
		return fmt.Sprintf("get %s: %s @%s\n", key, v.Bytes, v.Timestamp), nil
	case "scan":
		res, err := Scan(env.e, key, end, ts, ScanOptions{
			ReadOptions: ReadOptions{Txn: env.txn(t, d), UncertaintyLimit: ddTS(t, d, "unc")},
			MaxKeys:     int64(ddInt(t, d, "max")),
			TargetBytes: int64(ddInt(t, d, "bytes")),
			Reverse:     d.HasArg("reverse"),
		})
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for _, kv := range res.KVs {
			fmt.Fprintf(&b, "%s: %s @%s\n", kv.Key, kv.Value, kv.Timestamp)
		}
		if len(res.KVs) == 0 {
			b.WriteString("<no results>\n")
		}
		if res.ResumeSpan != nil {
			fmt.Fprintf(&b, "resume: [%q, %q)\n", res.ResumeSpan.Key, res.ResumeSpan.EndKey)
		}
		return b.String(), nil
	case "resolve", "resolve_range":
		txn := env.txn(t, d)
		var status TxnStatus
		switch s := ddStr(t, d, "status"); s {
		case "committed":
			status = Committed
		case "aborted":
			status = Aborted
		case "pending":
			status = Pending
		default:
			d.Fatalf(t, "bad status %q", s)
		}
		var out string
		err := env.write(func(b *Batch, ms *MVCCStats) error {
			if d.Cmd == "resolve" {
				ok, err := ResolveIntent(b, key, *txn, status, ts, ms)
				out = fmt.Sprintf("resolved=%t\n", ok)
				return err
			}
			n, resume, err := ResolveIntentRange(b, key, end, *txn, status, ts, ddInt(t, d, "max"), ms)
			out = fmt.Sprintf("resolved=%d resume=%s\n", n, fmtResume(resume))
			return err
		})
		return out, err
	case "gc":
		var out string
		err := env.write(func(b *Batch, ms *MVCCStats) error {
			resume, err := GC(b, key, end, ddTS(t, d, "threshold"), GCOptions{MaxKeys: ddInt(t, d, "max"), Stats: ms})
			out = fmt.Sprintf("resume=%s\n", fmtResume(resume))
			return err
		})
		return out, err
	case "dump":
		return env.dump()
	case "stats":
		return env.stats.String() + "\n", nil
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return "", nil
}

func (env *ddEnv) dump() (string, error) {
	it, err := env.e.NewRawIter([]byte{userPrefix}, []byte{userEnd})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for valid := it.First(); valid; valid = it.Next() {
		mk, err := DecodeKey(it.Key())
		if err != nil {
			return "", closeIter(it, err)
		}
		if mk.Timestamp.IsEmpty() {
			in, err := decodeIntent(it.Value())
			if err != nil {
				return "", closeIter(it, err)
			}
			v := string(in.Value)
			if in.Deleted {
				v = "<tombstone>"
			}
			fmt.Fprintf(&b, "%s intent txn=%d ts=%s epoch=%d seq=%d: %s\n",
				mk.Key, in.Txn.ID[0], in.Txn.WriteTimestamp, in.Txn.Epoch, in.Txn.Sequence, v)
			continue
		}
		val, tomb, err := decodeVersion(it.Value())
		if err != nil {
			return "", closeIter(it, err)
		}
		v := string(val)
		if tomb {
			v = "<tombstone>"
		}
		fmt.Fprintf(&b, "%s @%s: %s\n", mk.Key, mk.Timestamp, v)
	}
	if b.Len() == 0 {
		b.WriteString("<empty>\n")
	}
	return b.String(), closeIter(it, nil)
}

func fmtResume(k []byte) string {
	if k == nil {
		return "<none>"
	}
	return fmt.Sprintf("%q", k)
}
