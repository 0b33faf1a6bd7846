package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/notify"
	"github.com/quell-dev/quell/internal/policy"
	"github.com/quell-dev/quell/internal/sourcecfg"
)

func newConfigCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Check a configuration file"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the configuration as ingest and worker would at start-up, without starting them",
		Long: "Parses and validates the file, resolves every secret reference (env: and file:), builds every\n" +
			"source, checks every target's kind and credential keys and compiles the policy, listing every\n" +
			"problem. It connects to nothing.",
		Example: "  QUELL_CONFIG=new.yaml quellctl config check",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := e.load(); err != nil {
				return err
			}
			if _, err := sourcecfg.BuildSources(e.cfg); err != nil {
				return err
			}
			// Targets are checked as data, not built: building them would link
			// every vendor client into quellctl.
			if err := e.cfg.CheckTargets(); err != nil {
				return err
			}
			if _, err := policy.Compile(e.cfg.Policy, e.cfg.Targets, capability.Supports); err != nil {
				return err
			}
			if _, err := notify.ConfigRoutes(e.cfg.Notifications); err != nil {
				return err
			}
			_, err := fmt.Fprintf(e.out, "%s: ok (%d sources, %d targets, %d rules)\n", e.configPath,
				len(e.cfg.Sources), len(e.cfg.Targets), len(e.cfg.Policy.Rules))
			return err
		},
	})
	return cmd
}
