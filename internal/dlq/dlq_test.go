package dlq_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
)

// A replay run again after an interruption (here: the same entry replayed
// twice) puts the message back once.
func TestReplayTwiceRepublishesOnce(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	ctx := context.Background()
	a := actions.Action{ID: "act_x", Kind: actions.Quarantine, Target: "bi", User: actions.UserRef{Username: "jdoe"}, RequestedAt: time.Now()}
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := events.Message(ctx, events.ActionSubject("bi", "quarantine"), ev)
	if err != nil {
		t.Fatal(err)
	}
	orig := &jetstream.RawStreamMsg{Subject: msg.Subject, Sequence: 7, Header: msg.Header, Data: msg.Data}
	if err := dlq.Write(ctx, n.JS, events.StageExecute, orig, 5, actions.ClassPermanent, "404"); err != nil {
		t.Fatal(err)
	}
	entries, err := dlq.List(ctx, n.JS, dlq.Filter{})
	if err != nil || len(entries) != 1 || entries[0].Action == nil || entries[0].Action.ID != "act_x" {
		t.Fatalf("list: %v %+v", err, entries)
	}
	for range 2 {
		out, err := dlq.Replay(ctx, n.JS, entries[0], 3, false)
		if err != nil || out != dlq.Replayed {
			t.Fatalf("replay: %s %v", out, err)
		}
	}
	if got := quelltest.StreamMsgs(t, n.JS, events.StreamActions, ""); len(got) != 1 || got[0].Header.Get(dlq.HeaderReplays) != "1" {
		t.Fatalf("%d replayed messages", len(got))
	}
	if rest, _ := dlq.List(ctx, n.JS, dlq.Filter{}); len(rest) != 0 {
		t.Fatalf("DLQ still holds %d entries", len(rest))
	}
}
