package worker

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// Headers on a dead-lettered message. The body is the original event, so
// a replay republishes it unchanged.
const (
	HeaderDLQReason     = "Quell-Dlq-Reason"
	HeaderDLQStage      = "Quell-Dlq-Stage"
	HeaderDLQClass      = "Quell-Dlq-Error-Class"
	HeaderDLQSubject    = "Quell-Dlq-Original-Subject"
	HeaderDLQStreamSeq  = "Quell-Dlq-Original-Seq"
	HeaderDLQDeliveries = "Quell-Dlq-Deliveries"
)

// maxReasonLen keeps a vendor's long error body from bloating headers.
const maxReasonLen = 1024

// deadLetter stores the original message on quell.dlq.<stage> with why.
// The message id makes a repeat for the same stored message a duplicate,
// while a replayed (re-stored) message can be dead-lettered again.
func deadLetter(ctx context.Context, js jetstream.JetStream, stage string, orig *jetstream.RawStreamMsg,
	deliveries uint64, class actions.Class, reason string) error {
	if len(reason) > maxReasonLen {
		reason = reason[:maxReasonLen] + "…"
	}
	msg := nats.NewMsg(events.DLQSubject(stage))
	msg.Data = orig.Data
	for k, v := range orig.Header {
		if k != "Nats-Msg-Id" && k != "Nats-Expected-Stream" {
			msg.Header[k] = v
		}
	}
	msg.Header.Set(HeaderDLQReason, reason)
	msg.Header.Set(HeaderDLQStage, stage)
	msg.Header.Set(HeaderDLQClass, class.String())
	msg.Header.Set(HeaderDLQSubject, orig.Subject)
	msg.Header.Set(HeaderDLQStreamSeq, strconv.FormatUint(orig.Sequence, 10))
	msg.Header.Set(HeaderDLQDeliveries, strconv.FormatUint(deliveries, 10))
	id := fmt.Sprintf("dlq %s %d", stage, orig.Sequence)
	if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
		return fmt.Errorf("dead-letter %s seq %d: %w", stage, orig.Sequence, err)
	}
	return nil
}

// rawOf describes a consumed message as the stream holds it.
func rawOf(msg jetstream.Msg) (*jetstream.RawStreamMsg, uint64) {
	raw := &jetstream.RawStreamMsg{Subject: msg.Subject(), Header: msg.Headers(), Data: msg.Data()}
	var deliveries uint64
	if md, err := msg.Metadata(); err == nil {
		raw.Sequence = md.Sequence.Stream
		deliveries = md.NumDelivered
	}
	return raw, deliveries
}
