package concurrency

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/meridiandb/meridian/kv"
)

// TestTable runs the scripts in testdata/. Commands:
//
//	txn name=<n> priority=<p> [parent=<n>]  declare a transaction
//	acquire txn=<n> key=<k> [end=<e>] str=shared|exclusive
//	cancel w=<id>                      the waiter's context ended
//	check txn=<n>
//	begin-commit txn=<n>
//	release txn=<n>
//	print                              dump the table
//
// Every command prints its decision and the events it caused.
func TestTable(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		tbl := NewTable()
		txns := map[string]kv.TxnMeta{}
		names := map[kv.TxnID]string{}
		name := func(id kv.TxnID) string { return names[id] }
		txnArg := func(td *datadriven.TestData) kv.TxnMeta {
			var n string
			td.ScanArgs(t, "txn", &n)
			m, ok := txns[n]
			if !ok {
				td.Fatalf(t, "unknown txn %q", n)
			}
			return m
		}
		errStr := func(err error) string {
			if err == nil {
				return "ok"
			}
			if e, ok := err.(*kv.TxnAbortedError); ok {
				if e.By == (kv.TxnID{}) {
					return "aborted: " + e.Reason
				}
				return "aborted: wounded by " + name(e.By)
			}
			return err.Error()
		}
		fmtEvents := func(evs []Event) string {
			var b strings.Builder
			for _, ev := range evs {
				switch ev.Kind {
				case EventGranted:
					fmt.Fprintf(&b, "event: w%d (%s) granted\n", ev.Waiter, name(ev.Txn))
				case EventAborted:
					fmt.Fprintf(&b, "event: w%d (%s) %s\n", ev.Waiter, name(ev.Txn), errStr(ev.Err))
				case EventWounded:
					fmt.Fprintf(&b, "event: %s wounded by %s\n", name(ev.Txn), name(ev.By))
				}
			}
			return b.String()
		}
		datadriven.RunTest(t, path, func(t *testing.T, td *datadriven.TestData) string {
			switch td.Cmd {
			case "txn":
				var n string
				var p int64
				td.ScanArgs(t, "name", &n)
				td.ScanArgs(t, "priority", &p)
				id := kv.TxnID{byte(len(txns) + 1)}
				m := kv.TxnMeta{ID: id, Priority: p}
				var parent string
				if td.MaybeScanArgs(t, "parent", &parent); parent != "" {
					m.Parent = txnArg(&datadriven.TestData{CmdArgs: []datadriven.CmdArg{{Key: "txn", Vals: []string{parent}}}}).ID
				}
				txns[n] = m
				names[id] = n
				return ""
			case "acquire":
				m := txnArg(td)
				var key, end, str string
				td.ScanArgs(t, "key", &key)
				td.MaybeScanArgs(t, "end", &end)
				td.ScanArgs(t, "str", &str)
				req := Request{Txn: m, Span: kv.Span{Key: []byte(key)}}
				if end != "" {
					req.Span.EndKey = []byte(end)
				}
				switch str {
				case "shared":
					req.Strength = kv.LockShared
				case "exclusive":
					req.Strength = kv.LockExclusive
				default:
					td.Fatalf(t, "bad str %q", str)
				}
				d, evs := tbl.Acquire(req)
				var out string
				switch d.Outcome {
				case Granted:
					out = "granted\n"
				case Wait:
					out = fmt.Sprintf("wait w%d\n", d.Waiter)
				case Aborted:
					out = errStr(d.Err) + "\n"
				}
				return out + fmtEvents(evs)
			case "cancel":
				var w int
				td.ScanArgs(t, "w", &w)
				return "ok\n" + fmtEvents(tbl.CancelWait(WaiterID(w)))
			case "check":
				return errStr(tbl.Check(txnArg(td).ID)) + "\n"
			case "begin-commit":
				return errStr(tbl.BeginCommit(txnArg(td))) + "\n"
			case "release":
				return "ok\n" + fmtEvents(tbl.Release(txnArg(td).ID))
			case "print":
				return tbl.Format(name)
			}
			td.Fatalf(t, "unknown command %q", td.Cmd)
			return ""
		})
	})
}
