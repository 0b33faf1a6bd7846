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
	for _, r := range results {
		for _, e := range r.Errors {
			log.WarnContext(ctx, "rule evaluation problem", "rule", r.Rule, "error", e)
			if r.Matched {
				problems = append(problems, fmt.Sprintf("rule %s: %s", r.Rule, e))
			}
		}
		for _, a := range r.Actions {
			if err := w.requestAction(ctx, a); err != nil {
				span.SetStatus(codes.Error, err.Error())
				log.ErrorContext(ctx, "publish action request failed; event will be redelivered", "action_id", a.ID, "error", err)
				_ = msg.NakWithDelay(w.cfg.AckWait / 3)
				return
			}
			log.InfoContext(ctx, "action requested", "rule", r.Rule, "action_id", a.ID, "action", a.Kind, "target", a.Target, "user", a.User.String())
		}
	}
	w.cfg.Metrics.eventPlanned(ctx, ev.Type())
	if len(problems) > 0 {
		// A rule matched but could not build its action: a person must look.
		w.deadLetterMsg(ctx, events.StagePlan, msg, actions.ClassPermanent, strings.Join(problems, "; "))
		return
	}
	if err := msg.DoubleAck(ctx); err != nil {
		log.WarnContext(ctx, "ack failed; event will be redelivered and deduplicated", "error", err)
	}
}

func (w *Worker) requestAction(ctx context.Context, a actions.Action) error {
	ev, err := events.NewActionRequested(events.SourcePlanner, a)
	if err != nil {
		return err
	}
	_, err = w.pub.Publish(ctx, events.ActionSubject(a.Target, string(a.Kind)), ev)
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
