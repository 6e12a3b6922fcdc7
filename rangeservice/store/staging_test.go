package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/meridiandb/meridian/clock"
	"github.com/meridiandb/meridian/kv"
	"github.com/meridiandb/meridian/mvcc"
	"github.com/meridiandb/meridian/rangeservice/concurrency"
)

// These tests drive staged writes (kv.StageRequest) at the kv level: what
// the staging transaction reads (locked Gets, Scans in both directions with
// limits), what nobody else reads, and what commit, abort, Close and Open
// leave on disk.

// stagingEnv is a store on an in-memory filesystem, so that the staging
// directory can be listed.
type stagingEnv struct {
	t  *testing.T
	fs vfs.FS
	s  *Store
}

func newStagingEnv(t *testing.T, knobs TestingKnobs) *stagingEnv {
	t.Helper()
	e := &stagingEnv{t: t, fs: vfs.NewMem()}
	s, err := Open(Config{Dir: "data", FS: e.fs, Knobs: knobs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	e.s = s
	return e
}

// begin returns a read-write transaction holding an exclusive lock on the
// span [lo, hi), so that it may stage writes to any key there.
func (e *stagingEnv) begin(prio int64, lo, hi string) *kv.TxnMeta {
	e.t.Helper()
	meta := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: prio, ReadTimestamp: e.s.Clock().Now()}
	e.send(meta, &kv.LockRequest{Span: kv.Span{Key: []byte(lo), EndKey: []byte(hi)}, Strength: kv.LockExclusive})
	return meta
}

func (e *stagingEnv) send(meta *kv.TxnMeta, reqs ...kv.Request) []kv.Response {
	e.t.Helper()
	br, err := e.s.Send(context.Background(), &kv.BatchRequest{Txn: meta, Requests: reqs})
	if err != nil {
		e.t.Fatalf("%v: %v", reqs[0].Method(), err)
	}
	return br.Responses
}

func (e *stagingEnv) stage(meta *kv.TxnMeta, ws ...kv.Write) {
	e.t.Helper()
	e.send(meta, &kv.StageRequest{Writes: ws})
}

func (e *stagingEnv) end(meta *kv.TxnMeta, commit bool, ws ...kv.Write) clock.Timestamp {
	e.t.Helper()
	resps := e.send(meta, &kv.EndTxnRequest{Commit: commit, Writes: ws})
	return resps[0].(*kv.EndTxnResponse).CommitTimestamp
}

// scan returns the rows of a scan by meta (nil: non-transactional) as
// "k=v" strings.
func (e *stagingEnv) scan(meta *kv.TxnMeta, r *kv.ScanRequest) string {
	e.t.Helper()
	return fmtScan(e.send(meta, r)[0].(*kv.ScanResponse).Rows)
}

func (e *stagingEnv) get(meta *kv.TxnMeta, key string) string {
	e.t.Helper()
	return fmtGet(e.send(meta, &kv.GetRequest{Key: []byte(key)})[0].(*kv.GetResponse))
}

// snapshot returns a read-only transaction at ts.
func snapshot(ts clock.Timestamp) *kv.TxnMeta {
	return &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: ts, ReadOnly: true}
}

// stagingDirs lists what is left under the store's staging directory.
func (e *stagingEnv) stagingDirs() []string {
	e.t.Helper()
	names, err := e.fs.List(e.fs.PathJoin("data", stagingDirName))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		e.t.Fatal(err)
	}
	return names
}

func fmtScan(rows []kv.KeyValue) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s=%s ", r.Key, r.Value)
	}
	return b.String()
}

func fmtGet(r *kv.GetResponse) string {
	if !r.Found {
		return "<none>"
	}
	return string(r.Value)
}

func put(k, v string) kv.Write { return kv.Write{Key: []byte(k), Value: []byte(v)} }
func del(k string) kv.Write    { return kv.Write{Key: []byte(k), Delete: true} }

func scanReq(lo, hi string, max int64, reverse bool) *kv.ScanRequest {
	return &kv.ScanRequest{Key: []byte(lo), EndKey: []byte(hi), MaxKeys: max, Reverse: reverse}
}

// TestStagedReads: the staging transaction's Gets and Scans see its staged
// writes over the committed rows (a put replaces or adds a row, a delete
// hides one, a key staged twice keeps the last write), with limits in both
// directions; a snapshot read does not; commit makes all of them visible at
// the one commit timestamp, and leaves no staging area behind.
func TestStagedReads(t *testing.T) {
	e := newStagingEnv(t, TestingKnobs{})
	commit(t, e.s, put("a", "1"), put("b", "2"), put("c", "3"), put("d", "4"), put("e", "5"))
	before := e.s.Clock().Now()

	tx := e.begin(1, "a", "zzz")
	e.stage(tx, put("b", "20"), del("c"), put("bb", "x"))
	e.stage(tx, put("bb", "y"), del("e"), put("f", "6"), put("f", "60")) // bb and f twice: the last wins
	e.stage(tx, put("zz", "outside the scans"))

	if got := e.get(tx, "b") + " " + e.get(tx, "c") + " " + e.get(tx, "bb") + " " + e.get(tx, "a"); got != "20 <none> y 1" {
		t.Fatalf("single Gets = %q", got)
	}
	// A run of Gets goes through lockedGets.
	resps := e.send(tx, &kv.GetRequest{Key: []byte("a")}, &kv.GetRequest{Key: []byte("c")},
		&kv.GetRequest{Key: []byte("f")}, &kv.GetRequest{Key: []byte("nope")})
	var got []string
	for _, r := range resps {
		got = append(got, fmtGet(r.(*kv.GetResponse)))
	}
	if fmt.Sprint(got) != "[1 <none> 60 <none>]" {
		t.Fatalf("batched Gets = %v", got)
	}

	all := []string{"a=1", "b=20", "bb=y", "d=4", "f=60"}
	for _, reverse := range []bool{false, true} {
		want := slices.Clone(all)
		if reverse {
			slices.Reverse(want)
		}
		for max := range int64(len(all) + 2) {
			n := len(want)
			if max > 0 && int(max) < n {
				n = int(max)
			}
			w := strings.Join(want[:n], " ")
			if n > 0 {
				w += " "
			}
			if got := e.scan(tx, scanReq("a", "z", max, reverse)); got != w {
				t.Errorf("scan reverse=%v max=%d = %q, want %q", reverse, max, got, w)
			}
		}
	}
	// A span ending inside the staged writes.
	if got := e.scan(tx, scanReq("b", "c", 0, false)); got != "b=20 bb=y " {
		t.Errorf("scan [b,c) = %q", got)
	}
	if got := e.scan(tx, scanReq("c", "e", 0, true)); got != "d=4 " {
		t.Errorf("reverse scan [c,e) = %q", got)
	}

	// A snapshot read now sees only committed rows.
	now := e.s.Clock().Now()
	if got := e.scan(snapshot(now), scanReq("a", "z", 0, false)); got != "a=1 b=2 c=3 d=4 e=5 " {
		t.Fatalf("snapshot scan sees staged writes: %q", got)
	}
	if got := e.get(snapshot(now), "f"); got != "<none>" {
		t.Fatalf("snapshot Get of staged f = %q", got)
	}
	if len(e.stagingDirs()) != 1 {
		t.Fatalf("staging dirs while staged: %v", e.stagingDirs())
	}

	// EndTxn's writes go over the staged ones.
	ts := e.end(tx, true, put("c", "30"), del("f"), put("g", "7"))
	if ts.IsEmpty() {
		t.Fatal("commit without a timestamp")
	}
	if got := e.scan(snapshot(ts), scanReq("a", "z", 0, false)); got != "a=1 b=20 bb=y c=30 d=4 g=7 " {
		t.Errorf("scan at the commit timestamp = %q", got)
	}
	if got := e.scan(snapshot(ts.Prev()), scanReq("a", "z", 0, false)); got != "a=1 b=2 c=3 d=4 e=5 " {
		t.Errorf("scan just below the commit timestamp = %q", got)
	}
	if got := e.scan(snapshot(before), scanReq("a", "z", 0, true)); got != "e=5 d=4 c=3 b=2 a=1 " {
		t.Errorf("reverse scan before the transaction = %q", got)
	}
	if d := e.stagingDirs(); len(d) != 0 {
		t.Errorf("staging left after commit: %v", d)
	}
	if got := e.s.LockTable().String(); got != "empty\n" {
		t.Errorf("locks left:\n%s", got)
	}
}

// TestStagedAbort: an abort discards the staged writes and their directory.
func TestStagedAbort(t *testing.T) {
	e := newStagingEnv(t, TestingKnobs{})
	commit(t, e.s, put("a", "1"))
	tx := e.begin(1, "a", "z")
	e.stage(tx, put("a", "staged"), put("b", "staged"))
	if got := e.scan(tx, scanReq("a", "z", 0, false)); got != "a=staged b=staged " {
		t.Fatalf("own scan = %q", got)
	}
	e.end(tx, false)
	if d := e.stagingDirs(); len(d) != 0 {
		t.Fatalf("staging left after abort: %v", d)
	}
	if got := e.scan(nil, scanReq("a", "z", 0, false)); got != "a=1 " {
		t.Fatalf("after abort = %q", got)
	}
}

// TestStagedInvisibleToWounder: a transaction with staged writes is wounded
// (its locks released at once, its staged writes kept until its EndTxn);
// the older transaction that wounded it reads the keys and sees the
// committed rows, never the staged ones. The wounded one's commit is then
// refused and its staging area dropped.
// TestStageOfUnknownTxn: a Stage from a transaction the lock table does
// not know (it ended, or never locked a key) is refused and leaves no
// staging area behind: nothing would ever drop it.
func TestStageOfUnknownTxn(t *testing.T) {
	e := newStagingEnv(t, TestingKnobs{})
	tx := e.begin(1, "a", "z")
	e.stage(tx, put("a", "staged"))
	e.end(tx, false)
	stage := &kv.StageRequest{Writes: []kv.Write{put("b", "late")}}
	if _, err := e.s.Send(context.Background(), &kv.BatchRequest{Txn: tx, Requests: []kv.Request{stage}}); !errors.Is(err, kv.ErrInvalidRequest) {
		t.Fatalf("Stage after EndTxn: %v", err)
	}
	never := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 2, ReadTimestamp: e.s.Clock().Now()}
	if _, err := e.s.Send(context.Background(), &kv.BatchRequest{Txn: never, Requests: []kv.Request{stage}}); !errors.Is(err, kv.ErrInvalidRequest) {
		t.Fatalf("Stage without locks: %v", err)
	}
	if d := e.stagingDirs(); len(d) != 0 {
		t.Fatalf("staging areas left: %v", d)
	}
}

func TestStagedInvisibleToWounder(t *testing.T) {
	parked := make(chan concurrency.Request, 10)
	var knobs TestingKnobs
	knobs.Locks.OnWait = func(r concurrency.Request, _ concurrency.WaiterID) { parked <- r }
	e := newStagingEnv(t, knobs)
	commit(t, e.s, put("j", "0"), put("k", "0"))
	older := e.begin(10, "j", "j\x00")
	younger := e.begin(20, "k", "l")
	e.stage(younger, put("k", "younger"), put("k2", "younger"))
	done := make(chan error, 1)
	go func() {
		_, err := e.s.Send(context.Background(), &kv.BatchRequest{Txn: younger, Requests: []kv.Request{
			&kv.GetRequest{Key: []byte("j")}}})
		done <- err
	}()
	<-parked // younger waits for older
	if got := e.scan(older, scanReq("k", "l", 0, false)); got != "k=0 " {
		t.Fatalf("older's scan sees the wounded transaction's staged writes: %q", got)
	}
	if got := e.get(older, "k2"); got != "<none>" {
		t.Fatalf("older's Get of k2 = %q", got)
	}
	if err := <-done; !errors.Is(err, kv.ErrTxnAborted) {
		t.Fatalf("younger's Get: %v", err)
	}
	_, err := e.s.Send(context.Background(), &kv.BatchRequest{Txn: younger, Requests: []kv.Request{
		&kv.EndTxnRequest{Commit: true}}})
	if !errors.Is(err, kv.ErrTxnAborted) {
		t.Fatalf("wounded commit: %v", err)
	}
	if d := e.stagingDirs(); len(d) != 0 {
		t.Fatalf("staging left after the refused commit: %v", d)
	}
	e.end(older, true)
	if got := e.scan(nil, scanReq("a", "z", 0, false)); got != "j=0 k=0 " {
		t.Fatalf("final = %q", got)
	}
}

// TestStageValidate: StageRequest belongs to read-write transactions.
func TestStageValidate(t *testing.T) {
	e := newStagingEnv(t, TestingKnobs{})
	ctx := context.Background()
	for name, ba := range map[string]*kv.BatchRequest{
		"read-only": {Txn: snapshot(e.s.Clock().Now()), Requests: []kv.Request{&kv.StageRequest{Writes: []kv.Write{put("a", "1")}}}},
		"non-txn":   {Requests: []kv.Request{&kv.StageRequest{Writes: []kv.Write{put("a", "1")}}}},
		"empty key": {Txn: &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: e.s.Clock().Now()},
			Requests: []kv.Request{&kv.StageRequest{Writes: []kv.Write{put("", "1")}}}},
	} {
		if _, err := e.s.Send(ctx, ba); !errors.Is(err, kv.ErrInvalidRequest) {
			t.Errorf("%s: Stage = %v, want ErrInvalidRequest", name, err)
		}
	}
	if d := e.stagingDirs(); len(d) != 0 {
		t.Errorf("staging after refused Stages: %v", d)
	}
}

// TestStagedCloseAndReopen: Close with a transaction still staged drops its
// staging area; Open empties the staging directory and the engine's
// ingest-tmp of what a crash left there, so a new transaction does not
// inherit an old one's staged writes.
func TestStagedCloseAndReopen(t *testing.T) {
	fs := vfs.NewMem()
	s, err := Open(Config{Dir: "data", FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	meta := &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: s.Clock().Now()}
	ctx := context.Background()
	if _, err := s.Send(ctx, &kv.BatchRequest{Txn: meta, Requests: []kv.Request{
		&kv.LockRequest{Span: kv.Span{Key: []byte("a"), EndKey: []byte("z")}, Strength: kv.LockExclusive},
		&kv.StageRequest{Writes: []kv.Write{put("x", "1")}}}}); err != nil {
		t.Fatal(err)
	}
	stagingDir := fs.PathJoin("data", stagingDirName)
	if names, _ := fs.List(stagingDir); len(names) != 1 {
		t.Fatalf("staging dirs while staged: %v", names)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if names, _ := fs.List(stagingDir); len(names) != 0 {
		t.Fatalf("Close left staging areas: %v", names)
	}
	if _, err := s.Send(ctx, &kv.BatchRequest{Txn: meta, Requests: []kv.Request{&kv.StageRequest{Writes: []kv.Write{put("y", "1")}}}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Stage after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	// What a crash leaves: a staging area (the name the next transaction
	// would get) holding a staged put, and a half-written ingest file.
	leftover := fs.PathJoin(stagingDir, "000001")
	db, err := pebble.Open(leftover, &pebble.Options{FS: fs, Logger: mvcc.QuietLogger})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set([]byte("leak"), appendStaged(nil, put("leak", "old")), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ingestTmp := fs.PathJoin("data", "ingest-tmp")
	if err := fs.MkdirAll(ingestTmp, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := fs.Create(fs.PathJoin(ingestTmp, "000001.sst"), vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte("half an sstable"))
	_ = f.Close()

	s, err = Open(Config{Dir: "data", FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if names, _ := fs.List(stagingDir); len(names) != 0 {
		t.Fatalf("Open kept staging areas: %v", names)
	}
	if names, _ := fs.List(ingestTmp); len(names) != 0 {
		t.Fatalf("Open kept ingest files: %v", names)
	}
	meta = &kv.TxnMeta{ID: kv.NewTxnID(), Priority: 1, ReadTimestamp: s.Clock().Now()}
	br, err := s.Send(ctx, &kv.BatchRequest{Txn: meta, Requests: []kv.Request{
		&kv.LockRequest{Span: kv.Span{Key: []byte("a"), EndKey: []byte("z")}, Strength: kv.LockExclusive},
		&kv.StageRequest{Writes: []kv.Write{put("new", "1")}},
		&kv.ScanRequest{Key: []byte("a"), EndKey: []byte("z")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmtScan(br.Responses[2].(*kv.ScanResponse).Rows); got != "new=1 " {
		t.Fatalf("a new transaction's scan after reopen = %q (inherits a leftover staging area?)", got)
	}
	br, err = s.Send(ctx, &kv.BatchRequest{Txn: meta, Requests: []kv.Request{&kv.EndTxnRequest{Commit: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := br.Responses[0].(*kv.EndTxnResponse).CommitTimestamp
	br, err = s.Send(ctx, &kv.BatchRequest{Txn: snapshot(ts), Requests: []kv.Request{&kv.ScanRequest{Key: []byte("a"), EndKey: []byte("z")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmtScan(br.Responses[0].(*kv.ScanResponse).Rows); got != "new=1 " {
		t.Fatalf("committed after reopen = %q", got)
	}
}

// TestStagedCommitUnderCrash commits transactions whose writes are all
// staged, taking crash images (keeping a random part of what was not
// synced) just before the ingestion and after the acknowledgement: the
// first must recover the previous commit whole and nothing of this one
// (and no ingest file), the second this commit whole, with the clock above
// its timestamp.
func TestStagedCommitUnderCrash(t *testing.T) {
	fs := vfs.NewCrashableMem()
	rng := rand.New(rand.NewPCG(5, 6))
	clone := func() vfs.FS {
		return fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rand.New(rand.NewPCG(rng.Uint64(), 0))})
	}
	var beforeIngest vfs.FS
	var knobs TestingKnobs
	knobs.BeforeCommitBatch = func(clock.Timestamp) { beforeIngest = clone() }
	s, err := Open(Config{Dir: "data", FS: fs, Knobs: knobs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := &stagingEnv{t: t, fs: fs, s: s}
	keys := []string{"a", "b", "c", "d", "e", "f"}
	check := func(img vfs.FS, want string, after clock.Timestamp) {
		t.Helper()
		r, err := Open(Config{Dir: "data", FS: img})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if names, _ := img.List(img.PathJoin("data", "ingest-tmp")); len(names) != 0 {
			t.Fatalf("ingest files after recovery: %v", names)
		}
		br, err := r.Send(context.Background(), &kv.BatchRequest{Requests: []kv.Request{scanReq("a", "z", 0, false)}})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmtScan(br.Responses[0].(*kv.ScanResponse).Rows); got != want {
			t.Fatalf("recovered %q, want %q", got, want)
		}
		if now := r.Clock().Now(); !after.Less(now) {
			t.Fatalf("recovered clock %s not above %s", now, after)
		}
	}
	rows := func(i int) string {
		if i == 0 {
			return ""
		}
		var b strings.Builder
		for j, k := range keys {
			if (i+j)%4 != 0 { // every round deletes a different part
				fmt.Fprintf(&b, "%s=%d ", k, i)
			}
		}
		return b.String()
	}
	var last clock.Timestamp
	for i := 1; i <= 12; i++ {
		tx := e.begin(1, "a", "z")
		for j, k := range keys {
			w := put(k, strconv.Itoa(i))
			if (i+j)%4 == 0 {
				w = del(k)
			}
			e.stage(tx, put(k, "overwritten"), w) // staged one at a time, overwritten in place
		}
		ts := e.end(tx, true)
		check(beforeIngest, rows(i-1), last)
		check(clone(), rows(i), ts)
		last = ts
	}
}

// TestStagedScanModel compares a staging transaction's Scans and Gets
// against a model, over random committed data (several versions and
// deletions per key, so that committed scans skip tombstones and page) and
// random staged writes sent in several StageRequests; every transaction
// then commits (the model becomes the committed state, visible at its
// commit timestamp and not just below) or aborts.
func TestStagedScanModel(t *testing.T) {
	e := newStagingEnv(t, TestingKnobs{})
	rng := rand.New(rand.NewPCG(11, 12))
	const nkeys = 24
	key := func(i int) string { return fmt.Sprintf("k%02d", i) }
	committed := map[string]string{}
	// Several committed versions per key, some ending in a deletion.
	for round := range 4 {
		var ws []kv.Write
		for i := range nkeys {
			switch rng.IntN(3) {
			case 0:
				ws = append(ws, del(key(i)))
				delete(committed, key(i))
			case 1:
				v := fmt.Sprintf("c%d", round)
				ws = append(ws, put(key(i), v))
				committed[key(i)] = v
			}
		}
		commit(t, e.s, ws...)
	}
	want := func(model map[string]string, r *kv.ScanRequest) string {
		var ks []string
		for k := range model {
			if k >= string(r.Key) && k < string(r.EndKey) {
				ks = append(ks, k)
			}
		}
		slices.Sort(ks)
		if r.Reverse {
			slices.Reverse(ks)
		}
		if r.MaxKeys > 0 && int64(len(ks)) > r.MaxKeys {
			ks = ks[:r.MaxKeys]
		}
		var b strings.Builder
		for _, k := range ks {
			fmt.Fprintf(&b, "%s=%s ", k, model[k])
		}
		return b.String()
	}
	randSpan := func() (string, string) {
		a, b := rng.IntN(nkeys+1), rng.IntN(nkeys+1)
		if a > b {
			a, b = b, a
		}
		if a == b {
			b++
		}
		return key(a), key(b)
	}
	scans, commits := 0, 0
	for round := range 40 {
		tx := e.begin(1, "k", "l")
		model := maps(committed)
		// Dense staged deletes make committed pages come back hidden.
		delPct := []int{10, 50, 90}[rng.IntN(3)]
		for range 1 + rng.IntN(4) {
			var ws []kv.Write
			for range 1 + rng.IntN(12) {
				k := key(rng.IntN(nkeys))
				if rng.IntN(100) < delPct {
					ws = append(ws, del(k))
					delete(model, k)
				} else {
					v := fmt.Sprintf("s%d.%d", round, rng.IntN(1000))
					ws = append(ws, put(k, v))
					model[k] = v
				}
			}
			e.stage(tx, ws...)
			for range 8 {
				lo, hi := randSpan()
				r := scanReq(lo, hi, int64(rng.IntN(7)), rng.IntN(2) == 0)
				if rng.IntN(4) == 0 {
					r.KeyLocking = kv.LockExclusive
				}
				if got, w := e.scan(tx, r), want(model, r); got != w {
					t.Fatalf("round %d: scan [%s,%s) max=%d reverse=%v:\n got %s\nwant %s",
						round, lo, hi, r.MaxKeys, r.Reverse, got, w)
				}
				scans++
			}
			// Gets, one and in a run (lockedGets).
			var reqs []kv.Request
			for range 1 + rng.IntN(4) {
				reqs = append(reqs, &kv.GetRequest{Key: []byte(key(rng.IntN(nkeys)))})
			}
			for i, r := range e.send(tx, reqs...) {
				k := string(reqs[i].(*kv.GetRequest).Key)
				w := "<none>"
				if v, ok := model[k]; ok {
					w = v
				}
				if got := fmtGet(r.(*kv.GetResponse)); got != w {
					t.Fatalf("round %d: Get %s (in a run of %d) = %q, want %q", round, k, len(reqs), got, w)
				}
			}
		}
		if rng.IntN(3) == 0 {
			e.end(tx, false)
		} else {
			ts := e.end(tx, true)
			full := scanReq("k", "l", 0, false)
			if got, w := e.scan(snapshot(ts.Prev()), full), want(committed, full); got != w {
				t.Fatalf("round %d: just below the commit:\n got %s\nwant %s", round, got, w)
			}
			committed = model
			if got, w := e.scan(snapshot(ts), full), want(committed, full); got != w {
				t.Fatalf("round %d: at the commit:\n got %s\nwant %s", round, got, w)
			}
			commits++
		}
		if d := e.stagingDirs(); len(d) != 0 {
			t.Fatalf("round %d: staging left: %v", round, d)
		}
	}
	if got := e.s.LockTable().String(); got != "empty\n" {
		t.Fatalf("locks left:\n%s", got)
	}
	t.Logf("%d scans, %d commits", scans, commits)
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestStagedCommitHighWater: a staged commit's timestamp survives a restart
// on a clock that went back (its synced high-water batch), so reads after
// the restart happen above its versions and see them.
func TestStagedCommitHighWater(t *testing.T) {
	fs := vfs.NewMem()
	src := clock.NewManual(1_000_000)
	hlc := func() clock.Clock {
		c, err := clock.NewHLC(clock.Config{Source: src, Uncertainty: clock.FixedUncertainty(0)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var knobs TestingKnobs
	// Move the physical clock on, so that the commit wait passes.
	knobs.BeforeCommitBatch = func(clock.Timestamp) { src.Advance(time.Microsecond) }
	s, err := Open(Config{Dir: "data", FS: fs, Clock: hlc(), Knobs: knobs})
	if err != nil {
		t.Fatal(err)
	}
	e := &stagingEnv{t: t, fs: fs, s: s}
	tx := e.begin(1, "a", "z")
	e.stage(tx, put("a", "1"), put("b", "2"))
	ts := e.end(tx, true)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	src.Set(1_000_000)
	s, err = Open(Config{Dir: "data", FS: fs, Clock: hlc()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if now := s.Clock().Now(); !ts.Less(now) {
		t.Fatalf("clock after restart %s, not above the staged commit at %s", now, ts)
	}
	e = &stagingEnv{t: t, fs: fs, s: s}
	tx = e.begin(1, "a", "z")
	if got := e.scan(tx, scanReq("a", "z", 0, false)); got != "a=1 b=2 " {
		t.Fatalf("after restart = %q", got)
	}
	e.end(tx, false)
}

// TestStagedCommitRefused: a staged commit that mvcc refuses part-way (a
// key too large, met after an sstable was started) is an invalid request,
// writes nothing, and leaves no ingest file, staging area or lock; the
// store then commits staged writes as before.
func TestStagedCommitRefused(t *testing.T) {
	e := newStagingEnv(t, TestingKnobs{})
	commit(t, e.s, put("a", "1"))
	tx := e.begin(1, "a", "c")
	huge := "b" + strings.Repeat("x", mvcc.DefaultMaxKeySize)
	e.stage(tx, put("a", "2"), put(huge, "v"))
	if got := e.get(tx, huge); got != "v" {
		t.Fatalf("own Get of the staged key = %q", got)
	}
	_, err := e.s.Send(context.Background(), &kv.BatchRequest{Txn: tx, Requests: []kv.Request{&kv.EndTxnRequest{Commit: true}}})
	if !errors.Is(err, kv.ErrInvalidRequest) {
		t.Fatalf("commit of a too large key: %v", err)
	}
	if names, _ := e.fs.List(e.fs.PathJoin("data", "ingest-tmp")); len(names) != 0 {
		t.Errorf("ingest files left: %v", names)
	}
	if d := e.stagingDirs(); len(d) != 0 {
		t.Errorf("staging left: %v", d)
	}
	if got := e.s.LockTable().String(); got != "empty\n" {
		t.Errorf("locks left:\n%s", got)
	}
	if got := e.scan(nil, scanReq("a", "c", 0, false)); got != "a=1 " {
		t.Fatalf("after the refused commit = %q", got)
	}
	tx = e.begin(1, "a", "c")
	e.stage(tx, put("a", "3"))
	ts := e.end(tx, true)
	if got := e.scan(snapshot(ts), scanReq("a", "c", 0, false)); got != "a=3 " {
		t.Fatalf("next staged commit = %q", got)
	}
}
