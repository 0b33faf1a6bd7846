package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
)

// maxDeliverAdvisory is JetStream's io.nats.jetstream.advisory.v1.max_deliver.
type maxDeliverAdvisory struct {
	Type       string `json:"type"`
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// advisoryQueue makes one replica handle each advisory.
const advisoryQueue = "quell-dlq-advisories"

// watchMaxDeliveries dead-letters messages that JetStream stopped
// delivering without any worker settling them (a worker died on the last
// delivery, or the last delivery found the action in flight elsewhere).
// The message stays in its stream; the advisory names its sequence.
func (w *Worker) watchMaxDeliveries(ctx context.Context) (*nats.Subscription, error) {
	subject := "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.*.*"
	sub, err := w.cfg.NC.QueueSubscribe(subject, advisoryQueue, func(m *nats.Msg) {
		var adv maxDeliverAdvisory
		if err := json.Unmarshal(m.Data, &adv); err != nil {
			w.cfg.Logger.Warn("unreadable max-deliveries advisory", "error", err)
			return
		}
		stage := stageOf(adv)
		if stage == "" {
			return // another consumer on our streams (an operator's): not ours to dead-letter
		}
		if err := w.deadLetterSeq(ctx, stage, adv); err != nil {
			w.cfg.Logger.Error("dead-letter after max deliveries failed", "stream", adv.Stream, "stream_seq", adv.StreamSeq, "error", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe max-deliveries advisories: %w", err)
	}
	return sub, nil
}

func stageOf(adv maxDeliverAdvisory) string {
	switch {
	case adv.Stream == events.StreamEvents && adv.Consumer == events.ConsumerPlanner:
		return events.StagePlan
	case adv.Stream == events.StreamActions && adv.Consumer == events.ConsumerExecutor:
		return events.StageExecute
	}
	return ""
}

func (w *Worker) deadLetterSeq(ctx context.Context, stage string, adv maxDeliverAdvisory) error {
	stream, err := w.cfg.JS.Stream(ctx, adv.Stream)
	if err != nil {
		return err
	}
	raw, err := stream.GetMsg(ctx, adv.StreamSeq)
	if err != nil {
		return err
	}
	reason := fmt.Sprintf("delivered %d times without an outcome (max deliveries reached)", adv.Deliveries)
	if err := dlq.Write(ctx, w.cfg.JS, stage, raw, adv.Deliveries, actions.ClassTransient, reason); err != nil {
		return err
	}
	w.cfg.Metrics.deadLettered(ctx, stage)
	w.cfg.Logger.Warn("message dead-lettered", "stage", stage, "stream_seq", adv.StreamSeq, "reason", reason)
	if stage == events.StageExecute {
		return w.failedResult(ctx, raw.Data, int(adv.Deliveries), reason)
	}
	return nil
}

// failedResult records, for the audit trail, that an action JetStream gave
// up on ended failed: without it the action would vanish from the results.
func (w *Worker) failedResult(ctx context.Context, data []byte, deliveries int, reason string) error {
	ev, err := events.Decode(data)
	if err != nil {
		return err
	}
	a, err := events.DataAs[actions.Action](ev)
	if err != nil {
		return err
	}
	now := w.cfg.Now()
	w.cfg.Metrics.actionDone(ctx, a, actions.StatusFailed, 0)
	return w.publishResult(ctx, actions.Result{Action: a, Status: actions.StatusFailed, Reason: reason,
		ErrorClass: actions.ClassTransient.String(), StartedAt: now, FinishedAt: now}, deliveries, 0)
}
