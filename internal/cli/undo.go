package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ledger"
)

type undoFlags struct {
	reason, requestedBy string
	force, wait         bool
	waitFor             time.Duration
}

func newUndoCmd(e *env) *cobra.Command {
	var f undoFlags
	cmd := &cobra.Command{
		Use:   "undo ACTION_ID --reason TEXT",
		Short: "Reverse a completed action exactly (a false positive)",
		Long: "Requests the inverse of a completed action as a new action, linked to it. The worker reads the\n" +
			"current state first: if it changed since the action (someone acted since), the undo is refused\n" +
			"and the difference shown, unless --force. Asking twice is one undo. An undo cannot be undone,\n" +
			"and some actions cannot be reversed (a BeyondInsight quarantine, a rotated secret): the result says so.",
		Example: `  quellctl action undo act_9c41... --reason "INC-4711 was a false positive" --wait`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.requestUndo(cmd.Context(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.reason, "reason", "", "why, for the audit trail (required)")
	fl.StringVar(&f.requestedBy, "as", defaultRequester(), "who is asking")
	fl.BoolVar(&f.force, "force", false, "restore the earlier state even if it changed since the action")
	fl.BoolVar(&f.wait, "wait", false, "wait for the outcome and print it")
	fl.DurationVar(&f.waitFor, "wait-timeout", 60*time.Second, "how long --wait waits")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

func (e *env) requestUndo(ctx context.Context, id string, f undoFlags) error {
	if strings.TrimSpace(f.reason) == "" {
		return fmt.Errorf("--reason must not be empty")
	}
	if err := e.load(); err != nil {
		return err
	}
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	a, err := e.buildUndo(ctx, id, f)
	if err != nil {
		return err
	}
	return e.publishAction(ctx, a, map[string]string{"id": a.ID, "undo_of": id, "status": "requested"},
		fmt.Sprintf("%s (undo of %s)", a.ID, id), f.wait, f.waitFor)
}

// buildUndo reads the original action and its result from the ledger,
// where the state from before it is recorded.
func (e *env) buildUndo(ctx context.Context, id string, f undoFlags) (actions.Action, error) {
	led, err := ledger.Open(ctx, e.js, events.BucketLedger)
	if err != nil {
		return actions.Action{}, err
	}
	return led.BuildUndo(ctx, id, "quellctl:"+f.requestedBy, f.reason, f.force, time.Now())
}
