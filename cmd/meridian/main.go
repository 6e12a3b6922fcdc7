// Command meridian is the Meridian database binary: it starts nodes, runs a
// throwaway local demo cluster and prints its version.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at link time (-ldflags "-X main.version=..."); without it the
// module version from the build info is used.
var version = ""

// errNotSupported marks a command whose machinery has not landed yet. It is a
// clear refusal, never a pretend success.
var errNotSupported = errors.New("not supported yet")

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
	root.AddCommand(newVersionCmd(), newStartCmd(), newDemoCmd())
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

// startFlags are the addresses and store of one node; the defaults bind to
// loopback so a node started without flags is not reachable from elsewhere.
type startFlags struct {
	store    string
	sqlAddr  string
	rpcAddr  string
	httpAddr string
}

func newStartCmd() *cobra.Command {
	var f startFlags
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start a Meridian node",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.store == "" {
				return errors.New("--store is required")
			}
			return fmt.Errorf("%w: the SQL server (sql/pgwire) has not landed; this build provides the clock, mvcc, wal and paxos packages", errNotSupported)
		},
	}
	cmd.Flags().StringVar(&f.store, "store", "", "directory holding this node's data")
	cmd.Flags().StringVar(&f.sqlAddr, "sql-addr", "127.0.0.1:7432", "address for PostgreSQL clients")
	cmd.Flags().StringVar(&f.rpcAddr, "rpc-addr", "127.0.0.1:7433", "address for node-to-node gRPC")
	cmd.Flags().StringVar(&f.httpAddr, "http-addr", "127.0.0.1:7480", "address for the HTTP status endpoint")
	return cmd
}

func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run a throwaway local cluster with data in a temporary folder",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("%w: the demo needs the SQL server (sql/pgwire), which has not landed; run `make test` to exercise what exists", errNotSupported)
		},
	}
}
