package jepsen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridiandb/meridian/tests/jepsen/checker"
	"github.com/meridiandb/meridian/tests/jepsen/history"
	"github.com/meridiandb/meridian/tests/jepsen/nemesis"
)

// Options configures a Run.
type Options struct {
	// URLs are the nodes' PostgreSQL URLs; clients spread over them
	// round-robin. At least one.
	URLs []string
	// Workload is one of Workloads.
	Workload string
	// Duration is how long operations are issued (default 10s).
	Duration time.Duration
	// Concurrency is the number of clients (default 10).
	Concurrency int
	// OutDir receives history.jsonl, report.json and report.txt. Required.
	OutDir string
	// OpTimeout bounds each operation, and each connection attempt
	// (default 5s).
	OpTimeout time.Duration
	// Begin opens every transaction (default "BEGIN"). Tests against
	// PostgreSQL choose the isolation level here.
	Begin string
	// Nemesis, if set, injects faults on NemesisSchedule while the workload
	// runs; it is healed before the final reads.
	Nemesis         nemesis.Nemesis
	NemesisSchedule nemesis.Schedule
	// Seed drives the operation generators (default: the time).
	Seed int64
	// Table names the workload's table (default jepsen_<workload>_<seed>).
	// It must not exist.
	Table string
	// SetupTimeout bounds creating the table (default 60s): the cluster
	// may still be coming up.
	SetupTimeout time.Duration
	// FinalTimeout bounds the retries of the final read (default 60s).
	FinalTimeout time.Duration
	// Logf, if set, receives progress lines.
	Logf func(format string, args ...any)
}

func (o *Options) validate() error {
	if len(o.URLs) == 0 {
		return errors.New("jepsen: no URLs")
	}
	if o.OutDir == "" {
		return errors.New("jepsen: no OutDir")
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 10
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 5 * time.Second
	}
	if o.Begin == "" {
		o.Begin = "BEGIN"
	}
	if o.Seed == 0 {
		o.Seed = time.Now().UnixNano()
	}
	if o.Table == "" {
		o.Table = fmt.Sprintf("jepsen_%s_%d", o.Workload, uint32(o.Seed))
	}
	if o.SetupTimeout <= 0 {
		o.SetupTimeout = 60 * time.Second
	}
	if o.FinalTimeout <= 0 {
		o.FinalTimeout = 60 * time.Second
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return nil
}

// Result is a Run's verdict.
type Result struct {
	// Valid: the checker found no anomaly (an Unknown verdict is not valid).
	Valid   bool
	Verdict checker.Verdict
	// Summary is one line, e.g. "bank: valid (read.ok=120 ...)".
	Summary string
	Report  checker.Report
	// Ops is the number of operations in the history.
	Ops int
	// OutDir holds the history and reports.
	OutDir string
}

// Run runs a workload, checks its history and writes it and the report to
// OutDir. An error means the test could not be run or written (setup
// failed, OutDir unwritable); anomalies are reported in the Result.
func Run(ctx context.Context, opts Options) (Result, error) {
	if err := opts.validate(); err != nil {
		return Result{}, err
	}
	w, err := newWorkload(opts.Workload, opts.Table)
	if err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return Result{}, err
	}
	rec := history.NewRecorder(nil)

	opts.Logf("jepsen: %s: setting up table %s on %s", opts.Workload, opts.Table, opts.URLs[0])
	if err := setup(ctx, w, opts); err != nil {
		return Result{}, fmt.Errorf("jepsen: setup: %w", err)
	}

	runCtx, stop := context.WithTimeout(ctx, opts.Duration)
	defer stop()
	var wg sync.WaitGroup
	var nemErr error
	if opts.Nemesis != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nemErr = nemesis.RunSchedule(runCtx, ctx, opts.Nemesis, opts.NemesisSchedule, func(e nemesis.Event) {
				now := rec.Now()
				op := history.Op{Process: history.NemesisProcess, F: "nemesis", Invoke: now, Complete: now,
					Outcome: history.Ok, Note: e.Action + ": " + e.Note}
				if e.Err != nil {
					op.Outcome, op.Error = history.Info, e.Err.Error()
				}
				rec.Add(op)
				opts.Logf("jepsen: nemesis %s", op.Note)
			})
		}()
	}
	opts.Logf("jepsen: %s: %d clients for %s", opts.Workload, opts.Concurrency, opts.Duration)
	for i := 0; i < opts.Concurrency; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := &client{opts: &opts, w: w, rec: rec, process: i, node: i % len(opts.URLs),
				rng: rand.New(rand.NewSource(opts.Seed + int64(i)))}
			c.loop(ctx, runCtx)
		}(i)
	}
	wg.Wait()
	if nemErr != nil {
		opts.Logf("jepsen: nemesis heal failed: %v", nemErr)
	}

	if op, ok := w.final(); ok {
		finalRead(ctx, w, rec, op, opts)
	}

	ops := rec.Ops()
	checkStart := time.Now()
	c := w.check(ops)
	opts.Logf("jepsen: checked %d ops in %s", len(ops), time.Since(checkStart).Round(time.Millisecond))
	res := Result{Valid: c.report.Verdict == checker.Valid, Verdict: c.report.Verdict,
		Summary: c.report.Summary, Report: c.report, Ops: len(ops), OutDir: opts.OutDir}
	if nemErr != nil {
		res.Summary += fmt.Sprintf(" (nemesis heal failed: %v)", nemErr)
	}
	opts.Logf("jepsen: %s", res.Summary)
	return res, writeOutput(opts, ops, c, res)
}

// CheckHistory re-checks a history written by Run (history.jsonl) with the
// named workload's checker: histories can be judged again offline, e.g.
// after a checker learns a new anomaly.
func CheckHistory(workload string, r io.Reader) (checker.Report, error) {
	w, err := newWorkload(workload, "")
	if err != nil {
		return checker.Report{}, err
	}
	ops, err := history.ReadJSONL(r)
	if err != nil {
		return checker.Report{}, err
	}
	return w.check(ops).report, nil
}

// setup creates the workload's table, retrying while connections fail.
func setup(ctx context.Context, w workload, opts Options) error {
	ctx, cancel := context.WithTimeout(ctx, opts.SetupTimeout)
	defer cancel()
	var last error
	for attempt := 0; ; attempt++ {
		url := opts.URLs[attempt%len(opts.URLs)]
		conn, err := connect(ctx, url, opts.OpTimeout)
		if err == nil {
			err = w.setup(ctx, conn, opts.Begin)
			conn.Close(context.Background())
			if err == nil {
				return nil
			}
			if _, isSQL := sqlState(err); isSQL {
				return err // the server refused the schema: retrying will not help
			}
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// client is one logical client: one connection, one operation at a time.
type client struct {
	opts    *Options
	w       workload
	rec     *history.Recorder
	rng     *rand.Rand
	process int // renumbered (+Concurrency) after an Info op
	node    int // index into opts.URLs
	conn    *pgx.Conn
}

// loop runs operations until runCtx is done; an operation in flight then
// finishes under its own timeout (derived from ctx).
func (c *client) loop(ctx, runCtx context.Context) {
	defer c.disconnect()
	for runCtx.Err() == nil {
		if c.conn == nil && !c.reconnect(runCtx) {
			continue
		}
		op := c.w.next(c.rng)
		c.run(ctx, &op)
	}
}

// reconnect connects to the client's node; on failure it waits a little
// and returns false.
func (c *client) reconnect(runCtx context.Context) bool {
	conn, err := connect(runCtx, c.opts.URLs[c.node], c.opts.OpTimeout)
	if err == nil {
		c.conn = conn
		return true
	}
	select {
	case <-runCtx.Done():
	case <-time.After(100 * time.Millisecond):
	}
	return false
}

func (c *client) disconnect() {
	if c.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c.conn.Close(ctx)
		cancel()
		c.conn = nil
	}
}

// run runs op as one transaction and records it.
func (c *client) run(ctx context.Context, op *history.Op) history.Outcome {
	opCtx, cancel := context.WithTimeout(ctx, c.opts.OpTimeout)
	defer cancel()
	op.Process, op.Node = c.process, c.node
	op.Invoke = c.rec.Now()
	res := runTxn(opCtx, c.conn, c.opts.Begin, func(t *txn) error { return c.w.apply(t, op) })
	op.Complete = c.rec.Now()
	op.Outcome = res.outcome
	if res.err != nil {
		op.Error = res.err.Error()
	}
	c.rec.Add(*op)
	if res.outcome == history.Info {
		c.process += c.opts.Concurrency
	}
	if res.broken {
		c.disconnect()
	}
	return res.outcome
}

// finalRead runs the final read until one succeeds or FinalTimeout passes,
// trying the nodes in turn. Every attempt is recorded.
func finalRead(ctx context.Context, w workload, rec *history.Recorder, template history.Op, opts Options) {
	ctx, cancel := context.WithTimeout(ctx, opts.FinalTimeout)
	defer cancel()
	c := &client{opts: &opts, w: w, rec: rec, process: 1 << 20}
	defer c.disconnect()
	for attempt := 0; ctx.Err() == nil; attempt++ {
		c.node = attempt % len(opts.URLs)
		c.disconnect()
		if !c.reconnect(ctx) {
			continue
		}
		op := template
		if c.run(ctx, &op) == history.Ok {
			return
		}
		opts.Logf("jepsen: final read failed: %s", op.Error)
	}
}

// writeOutput writes the history and reports to opts.OutDir.
func writeOutput(opts Options, ops []history.Op, c checked, res Result) error {
	f, err := os.Create(filepath.Join(opts.OutDir, "history.jsonl"))
	if err != nil {
		return err
	}
	if err := history.WriteJSONL(f, ops); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	type meta struct {
		Workload    string         `json:"workload"`
		URLs        []string       `json:"urls"`
		Duration    string         `json:"duration"`
		Concurrency int            `json:"concurrency"`
		Begin       string         `json:"begin"`
		Seed        int64          `json:"seed"`
		Table       string         `json:"table"`
		Nemesis     string         `json:"nemesis,omitempty"`
		Ops         int            `json:"ops"`
		Valid       bool           `json:"valid"`
		Summary     string         `json:"summary"`
		Report      checker.Report `json:"report"`
	}
	m := meta{Workload: opts.Workload, URLs: opts.URLs, Duration: opts.Duration.String(),
		Concurrency: opts.Concurrency, Begin: opts.Begin, Seed: opts.Seed, Table: opts.Table,
		Ops: len(ops), Valid: res.Valid, Summary: res.Summary, Report: c.report}
	if opts.Nemesis != nil {
		m.Nemesis = opts.Nemesis.Name()
	}
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(opts.OutDir, "report.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	text := fmt.Sprintf("workload %s, %d ops, seed %d, begin %q, nemesis %q\n%s",
		opts.Workload, len(ops), opts.Seed, opts.Begin, m.Nemesis, c.report.Text())
	if err := os.WriteFile(filepath.Join(opts.OutDir, "report.txt"), []byte(text), 0o644); err != nil {
		return err
	}
	for name, write := range c.files {
		f, err := os.Create(filepath.Join(opts.OutDir, name))
		if err != nil {
			return err
		}
		werr := write(f)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return werr
		}
	}
	return nil
}
