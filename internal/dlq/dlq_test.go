package dlq_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
)

// A replay run again after an interruption (here: the same entry replayed
// twice) puts the message back once, and only the first run says so.
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
	for i, want := range []dlq.Outcome{dlq.Replayed, dlq.AlreadyReplayed} {
		out, err := dlq.Replay(ctx, n.JS, entries[0], 3, false)
		if err != nil || out != want {
			t.Fatalf("replay %d: %s %v, want %s", i+1, out, err, want)
		}
	}
	if got := quelltest.StreamMsgs(t, n.JS, events.StreamActions, ""); len(got) != 1 || got[0].Header.Get(dlq.HeaderReplays) != "1" {
		t.Fatalf("%d replayed messages", len(got))
	}
	if rest, _ := dlq.List(ctx, n.JS, dlq.Filter{}); len(rest) != 0 {
		t.Fatalf("DLQ still holds %d entries", len(rest))
	}
}

// Two operators run "dlq replay --all" at once: each entry is replayed (or
// sent back by the loop guard) once, and exactly one of the runs says so.
func TestConcurrentReplaysClaimEachEntryOnce(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	ctx := context.Background()
	const entries, looping, maxReplays = 30, 6, 3
	for i := range entries {
		writeEntry(t, n, i, i < looping, maxReplays)
	}
	listed, err := dlq.List(ctx, n.JS, dlq.Filter{})
	if err != nil || len(listed) != entries {
		t.Fatalf("list: %v, %d entries", err, len(listed))
	}
	counts := make([]map[dlq.Outcome]int, 2)
	var wg sync.WaitGroup
	for run := range counts {
		counts[run] = map[dlq.Outcome]int{}
		order := slices.Clone(listed)
		if run == 1 {
			slices.Reverse(order) // meet in the middle, and race on every entry there
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, e := range order {
				out, err := dlq.Replay(ctx, n.JS, e, maxReplays, false)
				if err != nil {
					t.Errorf("run %d, entry %d: %v", run, e.Seq, err)
					continue
				}
				counts[run][out]++
			}
		}()
	}
	wg.Wait()
	sum := func(o dlq.Outcome) int { return counts[0][o] + counts[1][o] }
	if sum(dlq.Replayed) != entries-looping || sum(dlq.LoopGuard) != looping || sum(dlq.AlreadyReplayed) != entries {
		t.Fatalf("outcomes of the two runs: %v and %v", counts[0], counts[1])
	}
	if got := quelltest.StreamMsgs(t, n.JS, events.StreamActions, ""); len(got) != entries-looping {
		t.Fatalf("%d messages republished, want %d", len(got), entries-looping)
	}
	if rest, _ := dlq.List(ctx, n.JS, dlq.Filter{}); len(rest) != looping {
		t.Fatalf("DLQ holds %d entries, want the %d sent back by the loop guard", len(rest), looping)
	}
}

// writeEntry dead-letters one action request; a looping one has already
// been replayed maxReplays times.
func writeEntry(t *testing.T, n *quelltest.NATS, i int, looping bool, maxReplays int) {
	t.Helper()
	ctx := context.Background()
	a := actions.Action{ID: fmt.Sprintf("act_%d", i), Kind: actions.Quarantine, Target: "bi",
		User: actions.UserRef{Username: fmt.Sprintf("user%d", i)}, RequestedAt: time.Now()}
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := events.Message(ctx, events.ActionSubject("bi", "quarantine"), ev)
	if err != nil {
		t.Fatal(err)
	}
	if looping {
		msg.Header.Set(dlq.HeaderReplays, fmt.Sprint(maxReplays))
	}
	orig := &jetstream.RawStreamMsg{Subject: msg.Subject, Sequence: uint64(i + 1), Header: msg.Header, Data: msg.Data}
	if err := dlq.Write(ctx, n.JS, events.StageExecute, orig, 5, actions.ClassPermanent, "404"); err != nil {
		t.Fatal(err)
	}
}
