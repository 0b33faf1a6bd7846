package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ledger"
	"github.com/quell-dev/quell/internal/policy"
	"github.com/quell-dev/quell/internal/sourcecfg"
)

func newPolicyCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Try the policy on sample or stored events, without acting"}
	var eventFile, payloadFile, source string
	test := &cobra.Command{
		Use:   "test --event FILE | --payload FILE --source NAME",
		Short: "Show which rules match an event and the action requests they would make",
		Long: "--event takes a CloudEvent (structured JSON); --payload takes what a configured source sends and\n" +
			"runs it through that source's parser first. Nothing is published; NATS is not needed.",
		Example: "  quellctl policy test --payload deploy/local/alerts/high-severity.json --source demo",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.policyTest(eventFile, payloadFile, source)
		},
	}
	test.Flags().StringVar(&eventFile, "event", "", "a CloudEvent JSON file")
	test.Flags().StringVar(&payloadFile, "payload", "", "a sender's payload, parsed as --source would parse it")
	test.Flags().StringVar(&source, "source", "", "the configured source for --payload")
	var since time.Duration
	replay := &cobra.Command{
		Use:   "replay --since 24h",
		Short: "Run stored events through the current policy in dry-run and show what would change",
		Long: "Reads QUELL_EVENTS from --since, plans each event with the current configuration and compares the\n" +
			"actions with the ledger: new ones are what this policy would do that was not done. Nothing is sent.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.policyReplay(cmd.Context(), since) },
	}
	replay.Flags().DurationVar(&since, "since", 24*time.Hour, "how far back")
	cmd.AddCommand(test, replay)
	return cmd
}

func (e *env) engine() (*policy.Engine, error) {
	if err := e.load(); err != nil {
		return nil, err
	}
	eng, err := policy.Compile(e.cfg.Policy, e.cfg.Targets, capability.Supports, policy.WithDryRun(e.cfg.Safety.DryRun))
	if err != nil {
		return nil, err
	}
	return eng, nil
}

func (e *env) policyTest(eventFile, payloadFile, source string) error {
	eng, err := e.engine()
	if err != nil {
		return err
	}
	evs, err := e.testEvents(eventFile, payloadFile, source)
	if err != nil {
		return err
	}
	var all []policy.RuleResult
	for _, ev := range evs {
		res, err := eng.Plan(ev, time.Now())
		if err != nil {
			return err
		}
		all = append(all, res...)
	}
	if e.jsonOut {
		return e.print(all, "")
	}
	for _, r := range all {
		state := "no match"
		if r.Matched {
			state = fmt.Sprintf("MATCHED, %d action(s)", len(r.Actions))
		}
		fmt.Fprintf(e.out, "rule %s: %s\n", r.Rule, state)
		for _, a := range r.Actions {
			dry := ""
			if a.DryRun {
				dry = " (dry run)"
			}
			fmt.Fprintf(e.out, "  %s %s on %s%s params=%v  id=%s\n", a.Kind, a.User, a.Target, dry, a.Params, a.ID)
		}
		for _, p := range r.Errors {
			fmt.Fprintf(e.out, "  problem: %s\n", p)
		}
	}
	return nil
}

func (e *env) testEvents(eventFile, payloadFile, source string) ([]cloudevents.Event, error) {
	switch {
	case eventFile != "" && payloadFile == "":
		b, err := os.ReadFile(eventFile)
		if err != nil {
			return nil, err
		}
		ev := cloudevents.NewEvent()
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, fmt.Errorf("%s is not a CloudEvent: %w", eventFile, err)
		}
		return []cloudevents.Event{ev}, nil
	case payloadFile != "" && eventFile == "" && source != "":
		b, err := os.ReadFile(payloadFile)
		if err != nil {
			return nil, err
		}
		return sourcecfg.ParsePayload(e.cfg, source, b, time.Now())
	default:
		return nil, fmt.Errorf("give --event FILE, or --payload FILE with --source NAME")
	}
}

func (e *env) policyReplay(ctx context.Context, since time.Duration) error {
	eng, err := e.engine()
	if err != nil {
		return err
	}
	ctx, done, err := e.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	start := time.Now().Add(-since)
	cons, err := e.js.OrderedConsumer(ctx, events.StreamEvents, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start})
	if err != nil {
		return err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return err
	}
	led, err := ledger.Open(ctx, e.js, events.BucketLedger)
	if err != nil {
		return err
	}
	return e.replayEvents(ctx, cons, int(info.NumPending), eng, led)
}

type replayRow struct {
	EventID string `json:"event_id"`
	Rule    string `json:"rule"`
	Action  string `json:"action"`
	User    string `json:"user"`
	Target  string `json:"target"`
	ID      string `json:"action_id"`
	Change  string `json:"change"`
}

func (e *env) replayEvents(ctx context.Context, cons jetstream.Consumer, total int, eng *policy.Engine, led *ledger.Ledger) error {
	bar := newProgress(e.errOut, total)
	var rows []replayRow
	for range total {
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			break
		}
		bar.step()
		ev, err := events.Decode(msg.Data())
		if err != nil {
			continue
		}
		res, err := eng.Plan(ev, time.Now())
		if err != nil {
			continue
		}
		for _, r := range res {
			for _, a := range r.Actions {
				change := "would request (new)"
				if entry, _ := led.Get(ctx, a.ID); entry != nil {
					change = "already " + entry.State
				}
				rows = append(rows, replayRow{ev.ID(), r.Rule, string(a.Kind), a.User.String(), a.Target, a.ID, change})
			}
		}
	}
	bar.done()
	if e.jsonOut {
		return e.print(rows, "")
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tRULE\tACTION\tUSER\tTARGET\tCHANGE")
	newCount := 0
	for _, r := range rows {
		if r.Change == "would request (new)" {
			newCount++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.EventID, r.Rule, r.Action, r.User, r.Target, r.Change)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "%d event(s), %d action(s) planned, %d new (nothing was sent)\n", total, len(rows), newCount)
	return nil
}
