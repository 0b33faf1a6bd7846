package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/policy"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/worker"
)

// What the consumers do when a stream they write to is not there: nothing
// is acknowledged that was not recorded, and once the stream is back the
// message is handled on a later delivery.
func TestConsumersWhenAStreamIsUnavailable(t *testing.T) {
	t.Parallel()

	deleteStream := func(t *testing.T, b *testBundle, name string) {
		t.Helper()
		if err := b.js.DeleteStream(t.Context(), name); err != nil {
			t.Fatal(err)
		}
	}
	restoreStreams := func(t *testing.T, b *testBundle) {
		t.Helper()
		if err := events.EnsureStreams(t.Context(), b.js, events.DefaultStreamOptions()); err != nil {
			t.Fatal(err)
		}
	}

	// A result that cannot be published: the action is not acked but
	// redelivered (after a second), and its result published then.
	t.Run("ResultsStreamMissing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		deleteStream(t, b, events.StreamResults)
		a := newAction("evt-no-results", "rule", "jdoe")
		b.requestAction(t, a, nil)

		quelltest.Eventually(t, 10*time.Second, "the result's publish failed", func() bool {
			return strings.Contains(b.logs.String(), "publish result failed")
		})
		info := b.consumerInfo(t, events.StreamActions, events.ConsumerExecutor)
		if info.AckFloor.Stream != 0 {
			t.Fatalf("action acked (ack floor %d) though its result was not published", info.AckFloor.Stream)
		}
		restoreStreams(t, b)
		res := b.waitResults(t, 1)[0]
		got, err := events.DataAs[actions.Result](res.Event)
		if err != nil {
			t.Fatal(err)
		}
		calls := b.exec.CallsFor(a.ID)
		last := calls[len(calls)-1]
		if len(calls) < 2 || got.Deliveries != last.Delivery.Num {
			t.Errorf("executor saw %d deliveries, result from delivery %d; want the result of a later delivery", len(calls), got.Deliveries)
		}
		for i, c := range calls {
			if c.Delivery.Num != i+1 {
				t.Errorf("call %d was delivery %d", i, c.Delivery.Num)
			}
			if i > 0 && c.Start.Sub(calls[i-1].End) < 900*time.Millisecond {
				t.Errorf("delivery %d came %s after the failed publish, want about a second", c.Delivery.Num, c.Start.Sub(calls[i-1].End))
			}
		}
		b.waitSettled(t, events.StreamActions, events.ConsumerExecutor)
		if e := b.dlqEntries(t); len(e) != 0 {
			t.Errorf("DLQ: %+v", e)
		}
	})

	// A message that cannot be dead-lettered is given back rather than
	// terminated and lost.
	t.Run("DLQStreamMissing", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		deleteStream(t, b, events.StreamDLQ)
		subject := events.ActionSubject("bi", string(actions.Quarantine))
		b.publishRaw(t, subject, []byte("not an action"))

		quelltest.Eventually(t, 10*time.Second, "the message redelivered", func() bool {
			return b.consumerInfo(t, events.StreamActions, events.ConsumerExecutor).Delivered.Consumer >= 2
		})
		if adv := b.terminal.of(events.ConsumerExecutor); len(adv) != 0 {
			t.Fatalf("terminated though not dead-lettered: %+v", adv)
		}
		restoreStreams(t, b)
		e := b.waitDLQ(t, 1)[0]
		if e.Stage != events.StageExecute || e.Subject != subject || e.Deliveries < 2 {
			t.Errorf("DLQ entry %+v, want stage execute from a later delivery", e)
		}
		b.waitSettled(t, events.StreamActions, events.ConsumerExecutor)
		if n := b.exec.Started(); n != 0 {
			t.Errorf("executor called %d times", n)
		}
	})
}

// The executor is called with the action's id and, when the worker has a
// Fence, a fence that asks it about this action.
func TestExecutorContextCarriesActionIDAndFence(t *testing.T) {
	t.Parallel()
	errFenced := errors.New("lease lost")
	var (
		mu     sync.Mutex
		fenced []string
	)
	type seen struct {
		id    string
		fence error
	}
	got := make(chan seen, 1)
	b := setup(t, func(b *testBundle) {
		b.cfg.Fence = func(_ context.Context, id string) error {
			mu.Lock()
			defer mu.Unlock()
			fenced = append(fenced, id)
			return errFenced
		}
		b.exec.ExecuteFunc = func(ctx context.Context, a actions.Action, d executor.Delivery) executor.Decision {
			got <- seen{actions.ActionIDFrom(ctx), actions.CheckFence(ctx)}
			return finished(a, d)
		}
	})
	a := newAction("evt-fence", "rule", "jdoe")
	b.requestAction(t, a, nil)
	var s seen
	select {
	case s = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("not executed")
	}
	if s.id != a.ID || !errors.Is(s.fence, actions.ErrFenced) || !strings.Contains(fmt.Sprint(s.fence), errFenced.Error()) {
		t.Errorf("executor context: action id %q, fence %v; want %q and the worker's fence", s.id, s.fence, a.ID)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(fenced) != 1 || fenced[0] != a.ID {
		t.Errorf("fence asked about %v, want [%s]", fenced, a.ID)
	}
}

// An event the planner gives back on every delivery (here: an action request
// it cannot publish) reaches MaxDeliveries and is dead-lettered at stage
// plan from the advisory; no result is published for it.
func TestPlannerMaxDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t, func(b *testBundle) {
		b.cfg.MaxDeliveries = 2
		b.cfg.AckWait = time.Second // the planner gives back for AckWait/3
		b.planner.PlanFunc = func(ev cloudevents.Event, _ time.Time) ([]policy.RuleResult, error) {
			a := newAction(ev.ID(), "rule", "jdoe")
			a.ID = "" // not a valid CloudEvent: cannot be published
			return []policy.RuleResult{{Rule: "rule", Matched: true, Actions: []actions.Action{a}}}, nil
		}
	})
	ev := newEvent(t, "evt-planner-max")
	b.publishEvent(t, ev, false)

	e := b.waitDLQ(t, 1)[0]
	reason := "delivered 2 times without an outcome (max deliveries reached)"
	if e.Stage != events.StagePlan || e.Reason != reason || e.ErrorClass != actions.ClassTransient.String() ||
		e.Deliveries != 2 || e.EventID != ev.ID() || e.Subject != eventSubject {
		t.Errorf("DLQ entry %+v, want stage plan, reason %q, class transient, 2 deliveries of %s", e, reason, ev.ID())
	}
	if n := len(b.planner.Calls()); n != 2 {
		t.Errorf("planned %d times, want 2", n)
	}
	consistently(t, 300*time.Millisecond, "no results", func() bool { return b.streamCount(t, events.StreamResults) == 0 })
}

// Advisories the worker cannot use are dropped, not retried: one that is
// not JSON, and one about a consumer that is not Quell's.
func TestAdvisoriesThatAreNotForTheWorker(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	subject := worker.AdvisorySubjects()[1]
	other, err := json.Marshal(map[string]any{"type": "io.nats.jetstream.advisory.v1.max_deliver",
		"stream": "SOMEONE_ELSES", "consumer": "theirs", "stream_seq": 1, "deliveries": 5})
	if err != nil {
		t.Fatal(err)
	}
	b.publishRaw(t, subject, []byte("not json"))
	b.publishRaw(t, subject, other)

	b.waitSettled(t, worker.StreamAdvisories, worker.ConsumerAdvisories)
	if e := b.dlqEntries(t); len(e) != 0 {
		t.Errorf("DLQ: %+v", e)
	}
	if !strings.Contains(b.logs.String(), "unreadable max-deliveries advisory") {
		t.Error("the unreadable advisory was not logged")
	}
}

// A max-deliveries advisory whose message is gone from its stream (an
// operator purged QUELL_ACTIONS to stop a storm; the message aged out
// while no worker ran) can never be dead-lettered: it should be dropped
// with a log line, not retried every second for as long as the advisory
// stream keeps it (7 days).
func TestAdvisoryForAVanishedMessageIsNotRetriedForever(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	adv, err := json.Marshal(map[string]any{"type": "io.nats.jetstream.advisory.v1.max_deliver",
		"stream": events.StreamActions, "consumer": events.ConsumerExecutor, "stream_seq": 999, "deliveries": 10})
	if err != nil {
		t.Fatal(err)
	}
	b.publishRaw(t, worker.AdvisorySubjects()[1], adv)

	quelltest.Eventually(t, 10*time.Second, "the advisory handled", func() bool {
		return b.consumerInfo(t, worker.StreamAdvisories, worker.ConsumerAdvisories).Delivered.Consumer >= 1
	})
	time.Sleep(3 * time.Second)
	info := b.consumerInfo(t, worker.StreamAdvisories, worker.ConsumerAdvisories)
	if info.Delivered.Consumer > 1 || info.NumAckPending != 0 {
		t.Errorf("the advisory was delivered %d times in 3s and is still pending (%d); %d failures logged", info.Delivered.Consumer,
			info.NumAckPending, strings.Count(b.logs.String(), "dead-letter after max deliveries failed"))
	}
}
