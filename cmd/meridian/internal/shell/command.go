package shell

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// NewCommand returns the `meridian sql` command:
//
//	meridian sql [--url URL] [-e STATEMENTS | -f FILE]
//
// Without -e or -f it reads standard input: an interactive shell when that
// is a terminal, otherwise a script. It owns SIGINT while it runs: Ctrl-C
// cancels the running statement instead of ending the process (at the
// prompt the terminal is in raw mode and Ctrl-C discards the line).
func NewCommand() *cobra.Command {
	var cfg Config
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "Open a SQL shell on a Meridian node, or run statements with -e or -f",
		Long: `Open a SQL shell on a Meridian node (or any PostgreSQL server).

Interactive when standard input is a terminal: line editing, history in
~/.meridian_sql_history, psql-style prompts and output, and meta-commands
(type \? for the list). With -e or -f, or with piped input, it runs the
statements as a script; -e and -f stop at the first error and exit non-zero.`,
		Example: `  meridian sql
  meridian sql -e 'CREATE TABLE t (k INT PRIMARY KEY); INSERT INTO t VALUES (1)'
  meridian sql -f schema.sql
  meridian sql --url 'postgresql://root@10.0.0.5:7432/defaultdb?sslmode=disable'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.In, cfg.Out, cfg.Err = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
			cfg.Interactive = cfg.Execute == "" && cfg.File == "" && isTerminal(cfg.In)
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if cfg.Interactive {
				// The caller may cancel its context on SIGINT; here SIGINT
				// only cancels a statement. SIGTERM still ends the shell.
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(context.WithoutCancel(ctx))
				defer cancel()
				termSig := make(chan os.Signal, 1)
				signal.Notify(termSig, syscall.SIGTERM)
				defer signal.Stop(termSig)
				go func() {
					select {
					case <-termSig:
						cancel()
					case <-ctx.Done():
					}
				}()
			}
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, os.Interrupt)
			defer signal.Stop(sigs)
			intr := make(chan struct{})
			done := make(chan struct{})
			defer close(done)
			go forwardInterrupts(sigs, intr, done)
			cfg.Interrupt = intr
			return Run(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.URL, "url", DefaultURL, "server to connect to (postgresql:// URL)")
	f.StringVarP(&cfg.Execute, "execute", "e", "", "run these statements and exit; stop at the first error")
	f.StringVarP(&cfg.File, "file", "f", "", "run the statements in this file and exit; stop at the first error")
	cmd.MarkFlagsMutuallyExclusive("execute", "file")
	return cmd
}

// forwardInterrupts passes each signal on to intr if the shell is listening
// (a statement is running) and drops it otherwise, until done is closed.
func forwardInterrupts(sigs <-chan os.Signal, intr chan<- struct{}, done <-chan struct{}) {
	for {
		select {
		case <-sigs:
			select {
			case intr <- struct{}{}:
			default:
			}
		case <-done:
			return
		}
	}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
