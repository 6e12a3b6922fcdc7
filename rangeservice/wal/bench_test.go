package wal

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// These benchmarks run on the real disk (b.TempDir()) and print each
// figure beside this disk's plain fdatasync rate, measured in the same
// run:
//
//	go test -run '^$' -bench . -benchtime 2s ./rangeservice/wal/
//
// Each GroupCommit run also reports the reference measured in the same run
// (300 fdatasyncs before and 300 after, averaged: fdatasync/s,
// fdatasync-p50-ns) and the two ratios, x-fdatasync-rate (durable entries
// per second over fdatasyncs per second) and p50/fdatasync-p50, plus
// entries/group and group-sync-ns (mean time in a group's fdatasync).
//
// Targets: with 256 appenders, at least 50x as many durable entries per
// second as fdatasyncs per second; with 1 appender, p50 durable latency at
// most 1.3x one fdatasync.

const benchPayload = 256

// fdatasyncBaseline writes 256 bytes and fdatasyncs n times in a fresh
// file in dir, returning syncs per second and the median latency.
func fdatasyncBaseline(tb testing.TB, dir string, n int) (perSec float64, p50 time.Duration) {
	f, err := os.Create(filepath.Join(dir, "baseline"))
	if err != nil {
		tb.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, benchPayload)
	lat := make([]time.Duration, n)
	start := time.Now()
	for i := range n {
		t0 := time.Now()
		if _, err := f.Write(buf); err != nil {
			tb.Fatal(err)
		}
		if err := fdatasync(f); err != nil {
			tb.Fatal(err)
		}
		lat[i] = time.Since(t0)
	}
	el := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(n) / el.Seconds(), lat[n/2]
}

// BenchmarkFdatasync is the reference: one 256-byte write plus fdatasync
// per op.
func BenchmarkFdatasync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "f"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, benchPayload)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := fdatasync(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fdatasync/s")
}

// BenchmarkGroupCommit measures durable appends of 256-byte entries spread
// over 64 ranges by 1, 16 and 256 concurrent appenders. Appenders sharing a
// range take its next index and Submit under the range's lock (as a
// replica's processing loop would), then wait for durability outside it.
func BenchmarkGroupCommit(b *testing.B) {
	for _, appenders := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("appenders=%d", appenders), func(b *testing.B) {
			benchGroupCommit(b, appenders)
		})
	}
}

func benchGroupCommit(b *testing.B, appenders int) {
	const ranges = 64
	dir := b.TempDir()
	// The disk is shared and its speed drifts: measure the reference before
	// and after the run and use the mean.
	syncRate, syncP50 := fdatasyncBaseline(b, dir, 300)
	w, err := Open(Config{Dir: filepath.Join(dir, "wal")})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	type rangeState struct {
		mu   sync.Mutex
		next uint64
	}
	rs := make([]rangeState, ranges)
	for i := range rs {
		rs[i].next = 1
	}
	payload := make([]byte, benchPayload)
	var ops atomic.Int64
	lats := make([][]time.Duration, appenders)
	ctx := context.Background()

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for g := range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := g % ranges
			st := &rs[r]
			for ops.Add(1) <= int64(b.N) {
				var bt Batch
				t0 := time.Now()
				st.mu.Lock()
				bt.Append(Entry{Range: RangeID(r + 1), Index: st.next, Ballot: 1, Payload: payload})
				st.next++
				p := w.Submit(ctx, &bt)
				st.mu.Unlock()
				if err := p.Wait(ctx); err != nil {
					b.Error(err)
					return
				}
				lats[g] = append(lats[g], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	rate2, p50b := fdatasyncBaseline(b, dir, 300)
	syncRate, syncP50 = (syncRate+rate2)/2, (syncP50+p50b)/2

	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	rate := float64(len(all)) / el.Seconds()
	p50, p99 := all[len(all)/2], all[len(all)*99/100]
	st := w.Stats()
	if st.Groups > 0 {
		b.ReportMetric(float64(st.Batches)/float64(st.Groups), "entries/group")
		b.ReportMetric(float64(st.SyncTime.Nanoseconds())/float64(st.Groups), "group-sync-ns")
	}
	b.ReportMetric(rate, "entries/s")
	b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
	b.ReportMetric(syncRate, "fdatasync/s")
	b.ReportMetric(float64(syncP50.Nanoseconds()), "fdatasync-p50-ns")
	b.ReportMetric(rate/syncRate, "x-fdatasync-rate")
	b.ReportMetric(float64(p50)/float64(syncP50), "p50/fdatasync-p50")
}
