// Command meridian is the Meridian database binary: it starts nodes, runs a
// throwaway local demo node and prints its version.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/meridiandb/meridian/cmd/meridian/internal/shell"
	"github.com/meridiandb/meridian/server"
)

// version is set at link time (-ldflags "-X main.version=..."); without it the
// module version from the build info is used.
var version = ""

// shutdownTimeout is how long running statements get to finish after
// SIGINT/SIGTERM before they are cancelled.
const shutdownTimeout = 30 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "meridian:", err)
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "meridian",
		Short:         "Meridian: a transactional, externally consistent SQL database",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newVersionCmd(), newStartCmd(), newDemoCmd(), newCheckCmd(), shell.NewCommand())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this binary",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "meridian", buildVersion())
		},
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// nodeFlags are the addresses of one node; the defaults bind to loopback so
// a node started without flags is not reachable from elsewhere.
type nodeFlags struct {
	sqlAddr  string
	rpcAddr  string
	httpAddr string
}

func (f *nodeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.sqlAddr, "sql-addr", server.DefaultSQLAddr, "address for PostgreSQL clients")
	cmd.Flags().StringVar(&f.rpcAddr, "rpc-addr", server.DefaultRPCAddr, "address for node-to-node RPC (reserved; nothing is served on it yet)")
	cmd.Flags().StringVar(&f.httpAddr, "http-addr", server.DefaultHTTPAddr, "address for the HTTP status endpoint (/health)")
}

func (f *nodeFlags) config(w io.Writer) server.Config {
	return server.Config{SQLAddr: f.sqlAddr, RPCAddr: f.rpcAddr, HTTPAddr: f.httpAddr,
		Logger: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))}
}

func newStartCmd() *cobra.Command {
	var f nodeFlags
	var store string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start a Meridian node and run it until SIGINT or SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if store == "" {
				return errors.New("--store is required: the directory holding this node's data")
			}
			cfg := f.config(cmd.ErrOrStderr())
			cfg.StoreDir = store
			n, err := server.Start(cmd.Context(), cfg)
			if err != nil {
				return explainListenError(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "meridian: node running; SQL on %s, HTTP on %s, store %s\n", n.SQLAddr(), n.HTTPAddr(), store)
			return runUntilSignal(cmd.Context(), n)
		},
	}
	cmd.Flags().StringVar(&store, "store", "", "directory holding this node's data (created if missing)")
	f.register(cmd)
	return cmd
}

// runUntilSignal waits for ctx (cancelled by SIGINT/SIGTERM), then stops the
// node gracefully.
func runUntilSignal(ctx context.Context, n *server.Node) error {
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return n.Stop(stopCtx)
}

// explainListenError turns a port conflict into advice.
func explainListenError(err error) error {
	var le *server.ListenError
	if errors.As(err, &le) && errors.Is(err, syscall.EADDRINUSE) {
		flag := map[string]string{"SQL": "--sql-addr", "RPC": "--rpc-addr", "HTTP": "--http-addr"}[le.What]
		return fmt.Errorf("the %s address %s is already in use (another meridian, or a PostgreSQL server?); stop it or pass %s with another address",
			le.What, le.Addr, flag)
	}
	return err
}

func newDemoCmd() *cobra.Command {
	var f nodeFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a throwaway local node with its data in a temporary directory",
		Long: "Run a throwaway local node with its data in a temporary directory, which is removed\n" +
			"when the demo stops (Ctrl-C or SIGTERM).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := os.MkdirTemp("", "meridian-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			cfg := f.config(io.Discard)
			cfg.StoreDir = dir
			n, err := server.Start(cmd.Context(), cfg)
			if err != nil {
				return explainListenError(err)
			}
			host, port := splitAddr(n.SQLAddr())
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Meridian demo node running (store %s, removed on exit).\n\n", dir)
			fmt.Fprintf(out, "Connect with:\n  psql \"postgresql://root@%s:%s/defaultdb?sslmode=disable\"\n\n", host, port)
			fmt.Fprintf(out, "Press Ctrl-C to stop.\n")
			return runUntilSignal(cmd.Context(), n)
		},
	}
	f.register(cmd)
	return cmd
}

func splitAddr(addr string) (string, string) {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i], addr[i+1:]
		}
	}
	return addr, ""
}
