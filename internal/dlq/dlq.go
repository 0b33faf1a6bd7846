// Package dlq is the dead-letter queue: what could not be processed is
// kept on quell.dlq.<stage> in the QUELL_DLQ stream, as the original message
// with headers saying why, so that an operator can read it, fix the cause
// and replay it. The worker writes entries; quellctl lists, shows and
// replays them.
package dlq

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// Headers on a dead-lettered message. The body is the original message, so
// a replay republishes it unchanged.
const (
	HeaderReason     = "Quell-Dlq-Reason"
	HeaderStage      = "Quell-Dlq-Stage"
	HeaderClass      = "Quell-Dlq-Error-Class"
	HeaderSubject    = "Quell-Dlq-Original-Subject"
	HeaderStreamSeq  = "Quell-Dlq-Original-Seq"
	HeaderDeliveries = "Quell-Dlq-Deliveries"
	// HeaderReplays counts how often the message was replayed from the DLQ;
	// it travels with the message, so the loop guard sees it again.
	HeaderReplays = "Quell-Replay-Count"
)

// maxReasonLen keeps a vendor's long error body from bloating headers.
const maxReasonLen = 1024

// Write stores the original message orig on quell.dlq.<stage> with why.
// The message id makes a repeat for the same stored message a duplicate,
// while a replayed (re-stored) message can be dead-lettered again.
func Write(ctx context.Context, js jetstream.JetStream, stage string, orig *jetstream.RawStreamMsg,
	deliveries uint64, class actions.Class, reason string) error {
	id := fmt.Sprintf("dlq %s %s %d", stage, orig.Subject, orig.Sequence)
	_, err := write(ctx, js, stage, orig, deliveries, class, reason, id)
	return err
}

func write(ctx context.Context, js jetstream.JetStream, stage string, orig *jetstream.RawStreamMsg,
	deliveries uint64, class actions.Class, reason, id string) (*jetstream.PubAck, error) {
	reason = truncate(reason, maxReasonLen)
	msg := nats.NewMsg(events.DLQSubject(stage))
	msg.Data = orig.Data
	for k, v := range orig.Header {
		if k != "Nats-Msg-Id" && k != "Nats-Expected-Stream" {
			msg.Header[k] = v
		}
	}
	msg.Header.Set(HeaderReason, reason)
	msg.Header.Set(HeaderStage, stage)
	msg.Header.Set(HeaderClass, class.String())
	msg.Header.Set(HeaderSubject, orig.Subject)
	msg.Header.Set(HeaderStreamSeq, strconv.FormatUint(orig.Sequence, 10))
	msg.Header.Set(HeaderDeliveries, strconv.FormatUint(deliveries, 10))
	ack, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(id))
	if err != nil {
		return nil, fmt.Errorf("dead-letter %s seq %d: %w", stage, orig.Sequence, err)
	}
	return ack, nil
}

// Entry is one dead-lettered message as an operator sees it.
type Entry struct {
	Seq        uint64          `json:"seq"`
	Time       time.Time       `json:"time"`
	Stage      string          `json:"stage"`
	Reason     string          `json:"reason"`
	ErrorClass string          `json:"error_class"`
	Subject    string          `json:"original_subject"`
	Deliveries int             `json:"deliveries"`
	Replays    int             `json:"replays"`
	EventID    string          `json:"event_id,omitempty"`
	EventType  string          `json:"event_type,omitempty"`
	Action     *actions.Action `json:"action,omitempty"`
	raw        *jetstream.RawStreamMsg
}

func entryOf(m *jetstream.RawStreamMsg) Entry {
	e := Entry{Seq: m.Sequence, Time: m.Time, Stage: m.Header.Get(HeaderStage), Reason: m.Header.Get(HeaderReason),
		ErrorClass: m.Header.Get(HeaderClass), Subject: m.Header.Get(HeaderSubject), raw: m}
	e.Deliveries, _ = strconv.Atoi(m.Header.Get(HeaderDeliveries))
	e.Replays, _ = strconv.Atoi(m.Header.Get(HeaderReplays))
	if ev, err := events.Decode(m.Data); err == nil {
		e.EventID, e.EventType = ev.ID(), ev.Type()
		if ev.Type() == events.TypeActionRequested {
			if a, err := events.DataAs[actions.Action](ev); err == nil {
				e.Action = &a
			}
		}
	}
	return e
}

// Body returns the original message body.
func (e Entry) Body() []byte { return e.raw.Data }

// truncate shortens s to at most n bytes, ending in "…" when cut, without
// splitting a UTF-8 character (a header value must stay valid text).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
