package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/dlq"
)

type dlqFlags struct {
	stage      string
	since      time.Duration
	all        bool
	dryRun     bool
	maxReplays int
	contains   string
}

func newDLQCmd(e *env) *cobra.Command {
	var f dlqFlags
	cmd := &cobra.Command{Use: "dlq", Short: "Inspect and replay the dead-letter queue"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List dead-lettered messages, oldest first",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return e.dlqList(cmd.Context(), f) },
	}
	show := &cobra.Command{
		Use:   "show SEQ",
		Short: "Show one dead-lettered message: why, and the original event",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return e.dlqShow(cmd.Context(), args[0]) },
	}
	replay := &cobra.Command{
		Use:   "replay [SEQ...] | --all [--stage S] [--reason-contains TEXT]",
		Short: "Put dead-lettered messages back on their original subject",
		Long: "Replays the named entries, or every entry matching the filters with --all. Each is republished\n" +
			"unchanged to its original subject and removed from the DLQ; an interrupted replay can simply be run\n" +
			"again. An entry already replayed --max-replays times goes back to the DLQ with that reason instead.\n" +
			"Entries another run (concurrent or interrupted) republished first are not sent twice and are counted\n" +
			"as \"already replayed by another run\".",
		Example: "  quellctl dlq replay --all --stage execute --dry-run\n  quellctl dlq replay 42 43",
		RunE:    func(cmd *cobra.Command, args []string) error { return e.dlqReplay(cmd.Context(), args, f) },
	}
	for _, c := range []*cobra.Command{list, replay} {
		c.Flags().StringVar(&f.stage, "stage", "", "only this stage (plan or execute)")
		c.Flags().DurationVar(&f.since, "since", 0, "only entries newer than this (e.g. 24h)")
	}
	replay.Flags().BoolVar(&f.all, "all", false, "every entry matching the filters")
	replay.Flags().BoolVar(&f.dryRun, "dry-run", false, "say what would be replayed, change nothing")
	replay.Flags().IntVar(&f.maxReplays, "max-replays", 3, "loop guard: entries replayed this often go back to the DLQ")
	replay.Flags().StringVar(&f.contains, "reason-contains", "", "only entries whose reason contains this text")
	cmd.AddCommand(list, show, replay)
	return cmd
}

func (f dlqFlags) filter() dlq.Filter {
	var since time.Time
	if f.since > 0 {
		since = time.Now().Add(-f.since)
	}
	return dlq.Filter{Stage: f.stage, Since: since}
}

func (e *env) dlqList(ctx context.Context, f dlqFlags) error {
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	entries, err := dlq.List(ctx, e.js, f.filter())
	if err != nil {
		return err
	}
	if e.jsonOut {
		return e.print(entries, "")
	}
	if len(entries) == 0 {
		fmt.Fprintln(e.out, "the DLQ is empty")
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tSTAGE\tWHAT\tREPLAYS\tREASON")
	for _, en := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", en.Seq, en.Time.Local().Format(time.DateTime), en.Stage, what(en), en.Replays, truncate(en.Reason, 90))
	}
	return tw.Flush()
}

func what(en dlq.Entry) string {
	if a := en.Action; a != nil {
		return fmt.Sprintf("%s %s on %s", a.Kind, a.User, a.Target)
	}
	return en.EventType + " " + en.EventID
}

func (e *env) dlqShow(ctx context.Context, arg string) error {
	seq, err := strconv.ParseUint(arg, 10, 64)
	if err != nil {
		return fmt.Errorf("SEQ %q: want the number from quellctl dlq list", arg)
	}
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	en, err := dlq.Get(ctx, e.js, seq)
	if err != nil {
		return err
	}
	if e.jsonOut {
		return e.print(map[string]any{"entry": en, "body": string(en.Body())}, "")
	}
	fmt.Fprintf(e.out, "Seq        %d (%s)\nStage      %s\nWhat       %s\nReason     %s\nClass      %s\nSubject    %s\nDeliveries %d, replays %d\n\n%s\n",
		en.Seq, en.Time.Local().Format(time.DateTime), en.Stage, what(en), en.Reason, en.ErrorClass, en.Subject, en.Deliveries, en.Replays, en.Body())
	return nil
}

func (e *env) dlqReplay(ctx context.Context, args []string, f dlqFlags) error {
	if f.all == (len(args) > 0) {
		return errors.New("name DLQ sequences or use --all with filters (not both)")
	}
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	entries, err := e.selectEntries(ctx, args, f)
	if err != nil {
		return err
	}
	counts := map[dlq.Outcome]int{}
	var errs []error
	bar := newProgress(e.errOut, len(entries))
	for _, en := range entries {
		out, err := dlq.Replay(ctx, e.js, en, f.maxReplays, f.dryRun)
		if err != nil {
			errs = append(errs, err)
		} else {
			counts[out]++
		}
		bar.step()
	}
	bar.done()
	fmt.Fprintf(e.out, "%d replayed, %d would replay (dry run), %d sent back by the loop guard, %d already replayed by another run, %d failed\n",
		counts[dlq.Replayed], counts[dlq.WouldReplay], counts[dlq.LoopGuard], counts[dlq.AlreadyReplayed], len(errs))
	return errors.Join(errs...)
}

func (e *env) selectEntries(ctx context.Context, args []string, f dlqFlags) ([]dlq.Entry, error) {
	if !f.all {
		var out []dlq.Entry
		for _, a := range args {
			seq, err := strconv.ParseUint(a, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("SEQ %q: want the number from quellctl dlq list", a)
			}
			en, err := dlq.Get(ctx, e.js, seq)
			if err != nil {
				return nil, err
			}
			out = append(out, en)
		}
		return out, nil
	}
	all, err := dlq.List(ctx, e.js, f.filter())
	if err != nil {
		return nil, err
	}
	var out []dlq.Entry
	for _, en := range all {
		if f.contains == "" || strings.Contains(en.Reason, f.contains) {
			out = append(out, en)
		}
	}
	return out, nil
}
