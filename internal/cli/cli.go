// Package cli implements quellctl, the command line for responders and
// operators. Every command reads the same quell.yaml as the services and
// talks to NATS JetStream (never to the targets); `webhook send` also posts
// a signed test delivery to the ingest, to check a source end to end.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/natsconn"
)

// env is what every command shares.
type env struct {
	configPath  string
	jsonOut     bool
	timeout     time.Duration
	out, errOut io.Writer
	cfg         *config.Config
	nc          *nats.Conn
	js          jetstream.JetStream
}

// NewRoot returns the quellctl command tree writing to out and errOut.
func NewRoot(out, errOut io.Writer) *cobra.Command {
	e := &env{out: out, errOut: errOut}
	root := &cobra.Command{
		Use:           "quellctl",
		Short:         "Trigger, inspect and replay Quell's automated account actions",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&e.configPath, "config", "c", config.Path(), "configuration file (QUELL_CONFIG)")
	root.PersistentFlags().BoolVar(&e.jsonOut, "json", false, "print JSON for scripts")
	root.PersistentFlags().DurationVar(&e.timeout, "timeout", 10*time.Second, "how long to wait for NATS")
	root.SetOut(out)
	root.SetErr(errOut)
	root.AddCommand(newActionCmd(e), newActionsCmd(e), newSecretCmd(e), newStatusCmd(e), newWebhookCmd(e),
		newParkedCmd(e), newApproveCmd(e), newRejectCmd(e), newDLQCmd(e), newPolicyCmd(e), newConfigCmd(e))
	return root
}

// Execute runs quellctl with [os.Args] and returns the exit code.
func Execute() int {
	root := NewRoot(os.Stdout, os.Stderr)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "quellctl:", err)
		return 1
	}
	return 0
}

// load reads the configuration once.
func (e *env) load() error {
	if e.cfg != nil {
		return nil
	}
	cfg, err := config.Load(e.configPath)
	if err != nil {
		return fmt.Errorf("%s: %w", e.configPath, err)
	}
	e.cfg = cfg
	return nil
}

// connect loads the configuration and connects to NATS, failing fast with
// a clear message when it is unreachable.
func (e *env) connect(ctx context.Context) (context.Context, func(), error) {
	if err := e.load(); err != nil {
		return nil, nil, err
	}
	nc, js, err := natsconn.Connect(e.cfg.NATS, "quellctl", true)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (is the worker running? `make run` starts one with embedded NATS)", err)
	}
	e.nc, e.js = nc, js
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	return ctx, func() { cancel(); nc.Close() }, nil
}
