package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meridiandb/meridian/tests/jepsen"
)

// errInvalidHistory makes `meridian check` exit non-zero when the checker
// found an anomaly (or could not decide), after the verdict was printed.
var errInvalidHistory = errors.New("the history is not valid")

func newCheckCmd() *cobra.Command {
	var (
		urls        []string
		workload    string
		duration    time.Duration
		concurrency int
		outDir      string
		begin       string
		seed        int64
	)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run a Jepsen-style consistency workload against a running deployment and check its history",
		Long: `check runs one workload (bank, append, register or set) against any
Meridian (or other PostgreSQL-protocol) deployment, without faults, writes the
history and an anomaly report to a folder, prints a one-line verdict and exits
non-zero when the history is invalid.

It creates its own table (jepsen_<workload>_<n>) in the database the URLs name.`,
		Example: `  meridian check --url postgresql://root@127.0.0.1:7432/defaultdb?sslmode=disable --workload bank --duration 60s`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(urls) == 0 {
				return errors.New("at least one --url is required")
			}
			if outDir == "" {
				outDir = filepath.Join(".", fmt.Sprintf("meridian-check-%s-%s", workload, time.Now().UTC().Format("20060102T150405")))
			}
			verbose, _ := cmd.Flags().GetBool("verbose")
			opts := jepsen.Options{
				URLs: urls, Workload: workload, Duration: duration, Concurrency: concurrency,
				OutDir: outDir, Begin: begin, Seed: seed,
			}
			if verbose {
				opts.Logf = func(format string, args ...any) { fmt.Fprintf(cmd.ErrOrStderr(), format+"\n", args...) }
			}
			res, err := jepsen.Run(cmd.Context(), opts)
			if err != nil {
				return err
			}
			verdict := "VALID"
			if !res.Valid {
				verdict = strings.ToUpper(string(res.Verdict))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s (%d operations; history and report in %s)\n", verdict, res.Summary, res.Ops, res.OutDir)
			if !res.Valid {
				return errInvalidHistory
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&urls, "url", nil, "PostgreSQL URL of a node (repeat for several nodes; clients spread over them)")
	f.StringVar(&workload, "workload", "bank", "workload: "+strings.Join(jepsen.Workloads, ", "))
	f.DurationVar(&duration, "duration", 60*time.Second, "how long to issue operations")
	f.IntVar(&concurrency, "concurrency", 10, "number of concurrent clients")
	f.StringVar(&outDir, "out", "", "folder for history.jsonl and the report (default ./meridian-check-<workload>-<time>)")
	f.StringVar(&begin, "begin", "BEGIN", "statement that opens each transaction (e.g. 'BEGIN ISOLATION LEVEL SERIALIZABLE' for PostgreSQL)")
	f.Int64Var(&seed, "seed", 0, "seed for the operation generators (default: from the time)")
	f.BoolP("verbose", "v", false, "print progress to stderr")
	return cmd
}
