package worker

import (
	"context"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/executor"
)

// execute handles one action request message.
func (w *Worker) execute(ctx context.Context, msg jetstream.Msg) {
	ev, err := events.Decode(msg.Data())
	if err != nil {
		w.deadLetterMsg(ctx, events.StageExecute, msg, actions.ClassPermanent, err.Error())
		return
	}
	ctx = events.ExtractTrace(ctx, msg.Headers(), &ev)
	a, err := events.DataAs[actions.Action](ev)
	if err != nil {
		w.deadLetterMsg(ctx, events.StageExecute, msg, actions.ClassPermanent, err.Error())
		return
	}
	ctx, span := w.tracer.Start(ctx, "execute "+string(a.Kind), trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("quell.action_id", a.ID), attribute.String("quell.target", a.Target),
			attribute.String("quell.action", string(a.Kind))))
	defer span.End()
	log := w.cfg.Logger.With("action_id", a.ID, "event_id", a.Cause, "action", a.Kind, "target", a.Target, "user", a.User.String())

	d := delivery(msg)
	dec := w.cfg.Executor.Execute(w.callContext(ctx, a.ID), a, d)
	switch dec.Verdict {
	case executor.Finish:
		if err := w.publishResult(ctx, dec.Result); err != nil {
			log.ErrorContext(ctx, "publish result failed; action will be redelivered and its result republished from the ledger", "error", err)
			_ = msg.NakWithDelay(time.Second)
			return
		}
		if !dec.Result.Replayed {
			w.cfg.Metrics.actionDone(ctx, a, dec.Result.Status, dec.Result.FinishedAt.Sub(dec.Result.StartedAt))
		}
		if dec.Result.Guard != "" {
			w.cfg.Metrics.guard(ctx, a)
		}
		log.InfoContext(ctx, "action "+string(dec.Result.Status), "reason", dec.Result.Reason, "attempts", dec.Result.Attempts, "replayed", dec.Result.Replayed)
		// A plain ack, not waited for: the ledger holds the result, so if
		// this ack is lost the redelivery replays it (same result id,
		// deduplicated) without calling the target. Waiting would hold a
		// handler slot for one more round trip per action.
		_ = msg.Ack()
	case executor.Redeliver:
		log.WarnContext(ctx, "action will be redelivered", "delay", dec.Delay.String(), "delivery", d.Num, "error", dec.Err)
		_ = msg.NakWithDelay(dec.Delay)
	case executor.DeadLetter:
		span.SetStatus(codes.Error, dec.Result.Reason)
		if err := w.publishResult(ctx, dec.Result); err != nil {
			log.ErrorContext(ctx, "publish failed result", "error", err)
			_ = msg.NakWithDelay(time.Second)
			return
		}
		w.cfg.Metrics.actionDone(ctx, a, actions.StatusFailed, dec.Result.FinishedAt.Sub(dec.Result.StartedAt))
		log.ErrorContext(ctx, "action failed", "error_class", dec.Result.ErrorClass, "reason", dec.Result.Reason, "attempts", dec.Result.Attempts)
		w.deadLetterMsg(ctx, events.StageExecute, msg, classOf(dec.Result.ErrorClass), dec.Result.Reason)
	}
}

// delivery reads the delivery number and the DLQ replay count of msg.
func delivery(msg jetstream.Msg) executor.Delivery {
	var d executor.Delivery
	if md, _ := msg.Metadata(); md != nil {
		d.Num = int(md.NumDelivered)
	}
	d.Replays, _ = strconv.Atoi(msg.Headers().Get(dlq.HeaderReplays))
	return d
}

func (w *Worker) publishResult(ctx context.Context, r actions.Result) error {
	ev, err := events.NewResult(r)
	if err != nil {
		return err
	}
	_, err = w.pub.Publish(ctx, events.ResultSubject(r.Action.Target, string(r.Action.Kind)), ev)
	return err
}

func classOf(s string) actions.Class {
	if s == actions.ClassPermanent.String() {
		return actions.ClassPermanent
	}
	return actions.ClassTransient
}

// callContext hands the action id and the lease fence down to the target's
// HTTP client (see [actions.WithFence]).
func (w *Worker) callContext(ctx context.Context, id string) context.Context {
	ctx = actions.WithActionID(ctx, id)
	if w.cfg.Fence != nil {
		ctx = actions.WithFence(ctx, func(c context.Context) error { return w.cfg.Fence(c, id) })
	}
	return ctx
}
