package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
)

// plan handles one stored event: evaluate the policy, publish the action
// requests it yields, and acknowledge. Publishing is idempotent (action ids
// are deterministic), so a redelivered event requests nothing new.
func (w *Worker) plan(ctx context.Context, msg jetstream.Msg) {
	log := w.cfg.Logger
	ev, err := events.Decode(msg.Data())
	if err != nil {
		w.deadLetterMsg(ctx, events.StagePlan, msg, actions.ClassPermanent, err.Error())
		return
	}
	ctx = events.ExtractTrace(ctx, msg.Headers(), &ev)
	ctx, span := w.tracer.Start(ctx, "plan "+ev.Type(), trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("cloudevents.event_id", ev.ID()), attribute.String("cloudevents.event_source", ev.Source())))
	defer span.End()
	log = log.With("event_id", ev.ID(), "event_type", ev.Type())

	results, err := w.cfg.Policy.Plan(ev, w.cfg.Now())
	if err != nil {
		w.deadLetterMsg(ctx, events.StagePlan, msg, actions.ClassPermanent, err.Error())
		return
	}
	var problems []string
	var planned []plannedAction
	for _, r := range results {
		for _, e := range r.Errors {
			log.WarnContext(ctx, "rule evaluation problem", "rule", r.Rule, "error", e)
			if r.Matched {
				problems = append(problems, fmt.Sprintf("rule %s: %s", r.Rule, e))
			}
		}
		for _, a := range r.Actions {
			planned = append(planned, plannedAction{rule: r.Rule, action: a})
		}
	}
	if err := w.requestActions(ctx, planned); err != nil {
		span.SetStatus(codes.Error, err.Error())
		log.ErrorContext(ctx, "publish action requests failed; event will be redelivered", "error", err)
		_ = msg.NakWithDelay(w.cfg.AckWait / 3)
		return
	}
	for _, p := range planned {
		a := p.action
		log.InfoContext(ctx, "action requested", "rule", p.rule, "action_id", a.ID, "action", a.Kind, "target", a.Target, "user", a.User.String())
	}
	w.cfg.Metrics.eventPlanned(ctx, ev.Type())
	if len(problems) > 0 {
		// A rule matched but could not build its action: a person must look.
		w.deadLetterMsg(ctx, events.StagePlan, msg, actions.ClassPermanent, strings.Join(problems, "; "))
		return
	}
	// Not waited for: a lost ack redelivers the event, and its action
	// requests, which have deterministic ids, are deduplicated.
	if err := msg.Ack(); err != nil {
		log.WarnContext(ctx, "ack failed; event will be redelivered and deduplicated", "error", err)
	}
}

type plannedAction struct {
	rule   string
	action actions.Action
}

// requestActions publishes the action requests of one event together and
// waits for every ack.
func (w *Worker) requestActions(ctx context.Context, planned []plannedAction) error {
	if len(planned) == 0 {
		return nil
	}
	out := make([]events.Outgoing, len(planned))
	for i, p := range planned {
		ev, err := events.NewActionRequested(events.SourcePlanner, p.action)
		if err != nil {
			return fmt.Errorf("action %s: %w", p.action.ID, err)
		}
		out[i] = events.Outgoing{Subject: events.ActionSubject(p.action.Target, string(p.action.Kind)), Event: ev}
	}
	_, err := w.pub.PublishAll(ctx, out)
	return err
}

// deadLetterMsg dead-letters msg and terminates it; if the DLQ cannot be
// written the message is given back rather than lost.
func (w *Worker) deadLetterMsg(ctx context.Context, stage string, msg jetstream.Msg, class actions.Class, reason string) {
	raw, deliveries := rawOf(msg)
	if err := dlq.Write(ctx, w.cfg.JS, stage, raw, deliveries, class, reason); err != nil {
		w.cfg.Logger.ErrorContext(ctx, "dead-letter failed; message given back", "stage", stage, "error", err)
		_ = msg.NakWithDelay(w.cfg.AckWait / 3)
		return
	}
	w.cfg.Metrics.deadLettered(ctx, stage)
	w.cfg.Logger.WarnContext(ctx, "message dead-lettered", "stage", stage, "subject", raw.Subject, "stream_seq", raw.Sequence, "reason", reason)
	_ = msg.TermWithReason(reason)
}
