package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ledger"
	"github.com/quell-dev/quell/internal/notify"
)

type listFlags struct {
	user, target, status string
	since                time.Duration
	limit                int
}

func newActionsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "actions", Short: "Show what Quell did: outcomes and history of actions"}
	var f listFlags
	list := &cobra.Command{
		Use:     "list",
		Short:   "List action outcomes, newest last",
		Example: "  quellctl actions list --since 1h --status failed\n  quellctl actions list --user jdoe --json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.listActions(cmd.Context(), f) },
	}
	list.Flags().StringVar(&f.user, "user", "", "only actions on this user (substring)")
	list.Flags().StringVar(&f.target, "target", "", "only this target")
	list.Flags().StringVar(&f.status, "status", "", "only completed, skipped or failed")
	list.Flags().DurationVar(&f.since, "since", 24*time.Hour, "how far back")
	list.Flags().IntVar(&f.limit, "limit", 100, "at most this many (the newest)")
	show := &cobra.Command{
		Use:   "show ACTION_ID",
		Short: "Show one action: the request, its ledger state and every result",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return e.showAction(cmd.Context(), args[0]) },
	}
	cmd.AddCommand(list, show)
	return cmd
}

func (e *env) listActions(ctx context.Context, f listFlags) error {
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	all, err := readResults(ctx, e.js, time.Now().Add(-f.since))
	if err != nil {
		return err
	}
	var rows []events.ActionResult
	for _, r := range all {
		if (f.target == "" || r.Action.Target == f.target) && (f.status == "" || string(r.Status) == f.status) &&
			(f.user == "" || strings.Contains(strings.ToLower(r.Action.User.String()), strings.ToLower(f.user))) {
			rows = append(rows, r)
		}
	}
	if len(rows) > f.limit {
		rows = rows[len(rows)-f.limit:]
	}
	if e.jsonOut {
		return e.print(rows, "")
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.out, "no actions in that window")
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FINISHED\tACTION ID\tACTION\tTARGET\tUSER\tSTATUS\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.FinishedAt.Local().Format(time.DateTime), r.Action.ID,
			r.Action.Kind, r.Action.Target, r.Action.User, r.Status, truncate(r.Reason, 80))
	}
	return tw.Flush()
}

func (e *env) showAction(ctx context.Context, id string) error {
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	led, err := ledger.Open(ctx, e.js, events.BucketLedger)
	if err != nil {
		return err
	}
	entry, err := led.Get(ctx, id)
	if err != nil {
		return err
	}
	all, err := readResults(ctx, e.js, time.Time{})
	if err != nil {
		return err
	}
	var results, undos []events.ActionResult
	for _, r := range all {
		switch {
		case r.Action.ID == id:
			results = append(results, r)
		case r.Action.Undo != nil && r.Action.Undo.Of == id:
			undos = append(undos, r)
		}
	}
	if entry == nil && len(results) == 0 {
		return fmt.Errorf("no action %s: not in the ledger or the results (is the id right? `quellctl actions list` shows recent ones)", id)
	}
	if e.jsonOut {
		return e.print(map[string]any{"id": id, "ledger": entry, "results": results, "undone_by": undos}, "")
	}
	if entry != nil {
		a := entry.Action
		fmt.Fprintf(e.out, "Action    %s\nRequest   %s %s on %s by %s\nReason    %s\n", id, a.Kind, a.User, a.Target, a.RequestedBy, a.Reason)
		if a.Rule != "" {
			fmt.Fprintf(e.out, "Rule      %s (event %s)\n", a.Rule, a.Cause)
		}
		if a.Undo != nil {
			fmt.Fprintf(e.out, "Undo of   %s (%s)%s\n", a.Undo.Of, a.Undo.Kind, map[bool]string{true: ", forced"}[a.Undo.Force])
		}
		fmt.Fprintf(e.out, "Ledger    %s, %d target call(s), updated %s\n", entry.State, entry.Attempts, entry.UpdatedAt.Local().Format(time.DateTime))
		if entry.LastError != "" {
			fmt.Fprintf(e.out, "Last error %s\n", entry.LastError)
		}
	}
	for _, r := range results {
		if err := e.printResult(r); err != nil {
			return err
		}
	}
	for _, r := range undos {
		fmt.Fprintf(e.out, "Undone by %s: %s at %s: %s\n", r.Action.ID, r.Status, r.FinishedAt.Local().Format(time.DateTime), r.Reason)
	}
	return nil
}

func (e *env) printResult(r events.ActionResult) error {
	if e.jsonOut {
		return e.print(r, "")
	}
	fmt.Fprintf(e.out, "Result    %s at %s after %d call(s): %s\n", r.Status, r.FinishedAt.Local().Format(time.DateTime), r.Attempts, r.Reason)
	for _, c := range r.Outcome.Calls {
		fmt.Fprintf(e.out, "  call    %s %s -> %d\n", c.Method, c.Path, c.Status)
	}
	if len(r.Outcome.Before) > 0 {
		before, _ := json.Marshal(r.Outcome.Before)
		after, _ := json.Marshal(r.Outcome.After)
		fmt.Fprintf(e.out, "  before  %s\n  after   %s\n", before, after)
	}
	return nil
}

// readResults reads the results stream from since with an ordered consumer.
func readResults(ctx context.Context, js jetstream.JetStream, since time.Time) ([]events.ActionResult, error) {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{"quell.results.>"}}
	if !since.IsZero() {
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := js.OrderedConsumer(ctx, events.StreamResults, cfg)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var out []events.ActionResult
	for pending := info.NumPending; pending > 0; {
		batch, err := cons.Fetch(int(min(pending, 500)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if m.Headers().Get(notify.HeaderRoute) != "" {
				continue // a notification replayed from the DLQ, not a new result
			}
			if r, err := decodeResult(m.Data()); err == nil {
				out = append(out, r)
			}
		}
		if batch.Error() != nil && !errors.Is(batch.Error(), context.DeadlineExceeded) {
			return nil, batch.Error()
		}
		if n == 0 {
			break
		}
		pending -= uint64(n)
	}
	return out, nil
}

func decodeResult(data []byte) (events.ActionResult, error) {
	ev, err := events.Decode(data)
	if err != nil {
		return events.ActionResult{}, err
	}
	return events.DataAs[events.ActionResult](ev)
}

// waitResult waits for the first result of action id.
func (e *env) waitResult(ctx context.Context, id string) (events.ActionResult, error) {
	start := time.Now().Add(-time.Minute)
	cons, err := e.js.OrderedConsumer(ctx, events.StreamResults, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"quell.results.>"}, DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start})
	if err != nil {
		return events.ActionResult{}, err
	}
	for {
		msg, err := cons.Next(jetstream.FetchMaxWait(time.Second))
		if ctx.Err() != nil {
			return events.ActionResult{}, fmt.Errorf("no outcome for %s yet; check later with `quellctl actions show %s`", id, id)
		}
		if err != nil {
			continue
		}
		if r, err := decodeResult(msg.Data()); err == nil && r.Action.ID == id {
			return r, nil
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func defaultRequester() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}
