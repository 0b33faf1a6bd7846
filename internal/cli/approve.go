package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/safety"
)

func newParkedCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "parked",
		Short: "List actions parked for approval (past a blast-radius limit)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withBoard(cmd.Context(), func(ctx context.Context, b *safety.Board) error {
				list, err := b.List(ctx)
				if err != nil {
					return err
				}
				if e.jsonOut {
					return e.print(list, "")
				}
				if len(list) == 0 {
					fmt.Fprintln(e.out, "no parked actions")
					return nil
				}
				tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "PARKED\tACTION ID\tACTION\tTARGET\tUSER\tRULE\tREASON")
				for _, p := range list {
					a := p.Action
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ParkedAt.Local().Format(time.DateTime), a.ID, a.Kind,
						a.Target, a.User, a.Rule, p.Reason)
				}
				return tw.Flush()
			})
		},
	}
}

type decideFlags struct {
	all bool
	as  string
	why string
}

func newApproveCmd(e *env) *cobra.Command {
	var f decideFlags
	cmd := &cobra.Command{
		Use:     "approve [ACTION_ID...] | --all",
		Short:   "Release parked actions to the executor",
		Example: "  quellctl approve act_3f... act_9c...\n  quellctl approve --all --as alice",
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.decide(cmd.Context(), args, f, func(ctx context.Context, b *safety.Board, id string) error {
				_, err := b.Approve(ctx, id, f.as)
				return err
			}, "approved")
		},
	}
	decideFlagSet(cmd, &f)
	return cmd
}

func newRejectCmd(e *env) *cobra.Command {
	var f decideFlags
	cmd := &cobra.Command{
		Use:     "reject [ACTION_ID...] | --all",
		Short:   "Drop parked actions, recording the rejection as their result",
		Example: `  quellctl reject --all --reason "false positive: SIEM rule misfired"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.decide(cmd.Context(), args, f, func(ctx context.Context, b *safety.Board, id string) error {
				_, err := b.Reject(ctx, id, f.as, f.why)
				return err
			}, "rejected")
		},
	}
	decideFlagSet(cmd, &f)
	cmd.Flags().StringVar(&f.why, "reason", "", "why, for the audit trail")
	return cmd
}

func decideFlagSet(cmd *cobra.Command, f *decideFlags) {
	cmd.Flags().BoolVar(&f.all, "all", false, "every parked action")
	cmd.Flags().StringVar(&f.as, "as", defaultRequester(), "who decides (recorded)")
}

// decide applies fn to the named parked actions, or all of them, and
// reports each; an unknown id is an error but does not stop the others.
func (e *env) decide(ctx context.Context, ids []string, f decideFlags, fn func(context.Context, *safety.Board, string) error, verb string) error {
	if f.all == (len(ids) > 0) {
		return errors.New("name action ids or use --all (not both)")
	}
	return e.withBoard(ctx, func(ctx context.Context, b *safety.Board) error {
		if f.all {
			list, err := b.List(ctx)
			if err != nil {
				return err
			}
			for _, p := range list {
				ids = append(ids, p.Action.ID)
			}
		}
		var errs []error
		done := 0
		for _, id := range ids {
			if err := fn(ctx, b, id); err != nil {
				errs = append(errs, err)
				continue
			}
			done++
		}
		fmt.Fprintf(e.out, "%s %d action(s)\n", verb, done)
		return errors.Join(errs...)
	})
}

func (e *env) withBoard(ctx context.Context, fn func(context.Context, *safety.Board) error) error {
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	b, err := safety.OpenBoard(ctx, e.js)
	if err != nil {
		return err
	}
	return fn(ctx, b)
}
