package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

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

// Max-deliveries advisories are core NATS messages: one emitted while no
// worker is subscribed, or taken by a worker that dies before it has
// dead-lettered the message, was lost, and so was the message (neither
// acted on nor dead-lettered). The stream QUELL_ADVISORIES stores the
// advisories of Quell's own consumers, and the workers read it with a
// durable consumer, acking an advisory only once its message is in the DLQ.
const (
	StreamAdvisories   = "QUELL_ADVISORIES"
	ConsumerAdvisories = "dlq-advisories"
	advisoryPrefix     = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."
	advisoryMaxAge     = 7 * 24 * time.Hour
)

// AdvisorySubjects are the advisories QUELL_ADVISORIES captures: those of
// the planner and the executor only (an operator's own consumers on the
// same streams are not Quell's to dead-letter).
func AdvisorySubjects() []string {
	return []string{
		advisoryPrefix + events.StreamEvents + "." + events.ConsumerPlanner,
		advisoryPrefix + events.StreamActions + "." + events.ConsumerExecutor,
	}
}

// ensureAdvisories creates or updates the advisory stream and its durable
// consumer, retrying until ctx ends: on a cluster, replicas starting
// together (or a meta leader election) can make one attempt time out.
func (w *Worker) ensureAdvisories(ctx context.Context) (jetstream.Consumer, error) {
	for {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		cons, err := w.tryEnsureAdvisories(actx)
		cancel()
		if err == nil {
			return cons, nil
		}
		w.cfg.Logger.Warn("advisory stream not ready; retrying", "error", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
}

func (w *Worker) tryEnsureAdvisories(ctx context.Context) (jetstream.Consumer, error) {
	_, err := w.cfg.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: StreamAdvisories, Description: "Quell: max-deliveries advisories of the planner and executor, until dead-lettered",
		Subjects: AdvisorySubjects(), Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy,
		Discard: jetstream.DiscardOld, MaxAge: advisoryMaxAge, Replicas: max(w.cfg.Replicas, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("advisory stream: %w", err)
	}
	cons, err := w.cfg.JS.CreateOrUpdateConsumer(ctx, StreamAdvisories, jetstream.ConsumerConfig{
		Durable: ConsumerAdvisories, Description: "Quell: dead-letter messages that reached max deliveries",
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: w.cfg.AckWait, DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("advisory consumer: %w", err)
	}
	return cons, nil
}

// handleAdvisory dead-letters the message an advisory names; the advisory
// is acked only then, so a worker that dies meanwhile loses nothing.
func (w *Worker) handleAdvisory(ctx context.Context, msg jetstream.Msg) {
	var adv maxDeliverAdvisory
	if err := json.Unmarshal(msg.Data(), &adv); err != nil {
		w.cfg.Logger.Warn("unreadable max-deliveries advisory; dropped", "error", err)
		_ = msg.Term()
		return
	}
	stage := stageOf(adv)
	if stage == "" {
		_ = msg.Ack()
		return
	}
	err := w.deadLetterSeq(ctx, stage, adv)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		// Purged or aged out of its stream: there is nothing left to
		// dead-letter, and retrying would never end. Say so loudly once.
		w.cfg.Logger.Error("message JetStream gave up on is gone from its stream; it cannot be dead-lettered",
			"stream", adv.Stream, "stream_seq", adv.StreamSeq, "deliveries", adv.Deliveries)
		_ = msg.Term()
		return
	}
	if err != nil {
		w.cfg.Logger.Error("dead-letter after max deliveries failed; will retry", "stream", adv.Stream, "stream_seq", adv.StreamSeq, "error", err)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	_ = msg.DoubleAck(ctx)
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
// The result id is deterministic, so a repeat after a crash is deduplicated.
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
		ErrorClass: actions.ClassTransient.String(), Deliveries: deliveries, Worker: w.cfg.ID, StartedAt: now, FinishedAt: now})
}
