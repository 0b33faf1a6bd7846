package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/executor"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/worker"
)

// The executor consumer's decision table: what the worker does with an
// action request for each Decision the executor returns.
func TestExecutorConsumerDecisions(t *testing.T) {
	t.Parallel()

	deadLetter := func(class string) func(context.Context, actions.Action, executor.Delivery) executor.Decision {
		return func(_ context.Context, a actions.Action, d executor.Delivery) executor.Decision {
			return executor.Decision{Verdict: executor.DeadLetter, Err: errScripted, Result: actions.Result{
				Action: a, Status: actions.StatusFailed, Reason: fmt.Sprintf("target said no (class %q)", class), ErrorClass: class, Attempts: 3,
				Deliveries: d.Num, Replays: d.Replays, Worker: executorOwner, StartedAt: testTime, FinishedAt: testTime.Add(time.Second),
			}}
		}
	}
	tests := []struct {
		name    string
		execute func(context.Context, actions.Action, executor.Delivery) executor.Decision
		// The published result: its event type and the id suffix after
		// the action id.
		wantType, wantIDSuffix string
		// wantDLQClass is the DLQ entry's class; none when empty.
		wantDLQClass string
		// wantCounted is whether quell.actions counts the outcome.
		wantCounted bool
		wantGuarded bool
	}{{
		name: "FinishCompleted",
		execute: func(_ context.Context, a actions.Action, d executor.Delivery) executor.Decision {
			return finished(a, d)
		},
		wantType: events.TypeActionCompleted, wantIDSuffix: "/completed", wantCounted: true,
	}, {
		name: "FinishSkippedByGuard",
		execute: func(_ context.Context, a actions.Action, d executor.Delivery) executor.Decision {
			dec := finished(a, d)
			dec.Result.Status, dec.Result.Guard, dec.Result.Reason, dec.Result.Attempts = actions.StatusSkipped, actions.GuardParked, "parked for approval", 0
			return dec
		},
		wantType: events.TypeActionSkipped, wantIDSuffix: "/skipped/parked", wantCounted: true, wantGuarded: true,
	}, {
		// The ledger already held the outcome: it is published again (the
		// result may have been lost) but was counted when it happened.
		name: "FinishReplayedIsNotCountedAgain",
		execute: func(_ context.Context, a actions.Action, d executor.Delivery) executor.Decision {
			dec := finished(a, d)
			dec.Result.Replayed = true
			return dec
		},
		wantType: events.TypeActionCompleted, wantIDSuffix: "/completed", wantCounted: false,
	}, {
		name:     "DeadLetterPermanent",
		execute:  deadLetter(actions.ClassPermanent.String()),
		wantType: events.TypeActionFailed, wantIDSuffix: "/failed/1", wantDLQClass: "permanent", wantCounted: true,
	}, {
		name:     "DeadLetterTransient",
		execute:  deadLetter(actions.ClassTransient.String()),
		wantType: events.TypeActionFailed, wantIDSuffix: "/failed/1", wantDLQClass: "transient", wantCounted: true,
	}, {
		// A class the worker does not know is filed as transient, the
		// default for unclassified errors.
		name:     "DeadLetterUnknownClass",
		execute:  deadLetter(""),
		wantType: events.TypeActionFailed, wantIDSuffix: "/failed/1", wantDLQClass: "transient", wantCounted: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(b *testBundle) { b.exec.ExecuteFunc = tt.execute })
			a := newAction("evt-"+tt.name, "rule", "jdoe")
			seq := b.requestAction(t, a, nil)

			res := b.waitResults(t, 1)[0]
			calls := b.exec.Calls()
			if len(calls) != 1 {
				t.Fatalf("executor called %d times, want once", len(calls))
			}
			if c := calls[0]; c.Delivery != (executor.Delivery{Num: 1}) || !sameJSON(t, c.Action, a) {
				t.Errorf("executor saw delivery %+v of %s, want delivery 1 of %s", c.Delivery, actions.CanonicalJSON(c.Action), actions.CanonicalJSON(a))
			}
			want := calls[0].Decision.Result
			if res.Event.Type() != tt.wantType || res.Event.ID() != a.ID+tt.wantIDSuffix || res.Event.Source() != events.SourceExecutor {
				t.Errorf("result event %s %s from %s, want %s %s from %s", res.Event.Type(), res.Event.ID(), res.Event.Source(),
					tt.wantType, a.ID+tt.wantIDSuffix, events.SourceExecutor)
			}
			if wantSubj := events.ResultSubject(a.Target, string(a.Kind)); res.Subject != wantSubj {
				t.Errorf("result on %s, want %s", res.Subject, wantSubj)
			}
			got, err := events.DataAs[actions.Result](res.Event)
			if err != nil {
				t.Fatal(err)
			}
			// The data is the Decision's Result as the executor made it:
			// deliveries, replays and worker included.
			if !sameJSON(t, got, want) {
				t.Errorf("result data:\n got %s\nwant %s", actions.CanonicalJSON(got), actions.CanonicalJSON(want))
			}
			if got.Deliveries != 1 || got.Worker != executorOwner {
				t.Errorf("result deliveries %d worker %q, want 1 and the executor's %q", got.Deliveries, got.Worker, executorOwner)
			}

			// Settled once: acked (Finish) or terminated (DeadLetter), and
			// never delivered again.
			b.waitSettled(t, events.StreamActions, events.ConsumerExecutor)
			if tt.wantDLQClass == "" {
				if e := b.dlqEntries(t); len(e) != 0 {
					t.Errorf("DLQ: %+v", e)
				}
			} else {
				e := b.waitDLQ(t, 1)[0]
				if e.Stage != events.StageExecute || e.Reason != want.Reason || e.ErrorClass != tt.wantDLQClass ||
					e.Subject != events.ActionSubject(a.Target, string(a.Kind)) || e.Deliveries != 1 || e.Action == nil || e.Action.ID != a.ID {
					t.Errorf("DLQ entry %+v, want stage execute, reason %q, class %s, 1 delivery of %s", e, want.Reason, tt.wantDLQClass, a.ID)
				}
				if dl := quelltest.StreamMsgs(t, b.js, events.StreamDLQ, events.DLQSubject(events.StageExecute)); len(dl) != 1 {
					t.Errorf("%d messages on %s, want 1", len(dl), events.DLQSubject(events.StageExecute))
				}
				assertTerminated(t, b, events.ConsumerExecutor, seq, want.Reason)
				if n := b.counter(t, "quell.dlq.messages", attribute.String("stage", events.StageExecute)); n != 1 {
					t.Errorf("quell.dlq.messages{stage=execute} = %d, want 1", n)
				}
			}
			consistently(t, 300*time.Millisecond, "one delivery", func() bool { return b.exec.Started() == 1 })
			if tt.wantDLQClass == "" {
				if adv := b.terminal.of(events.ConsumerExecutor); len(adv) != 0 {
					t.Errorf("action terminated, want acked: %+v", adv)
				}
			}
			if n := b.streamCount(t, events.StreamResults); n != 1 {
				t.Errorf("%d results, want 1", n)
			}

			wantCount := int64(0)
			if tt.wantCounted {
				wantCount = 1
			}
			if n := b.counter(t, "quell.actions", attribute.String("target", a.Target), attribute.String("action", string(a.Kind)),
				attribute.String("outcome", string(want.Status))); n != wantCount {
				t.Errorf("quell.actions{outcome=%s} = %d, want %d", want.Status, n, wantCount)
			}
			wantGuarded := int64(0)
			if tt.wantGuarded {
				wantGuarded = 1
			}
			if n := b.counter(t, "quell.actions.guarded"); n != wantGuarded {
				t.Errorf("quell.actions.guarded = %d, want %d", n, wantGuarded)
			}
		})
	}
}

// Redeliver gives the message back for Delay: the executor sees delivery 2
// no sooner, and nothing is published meanwhile.
func TestExecutorConsumerRedeliver(t *testing.T) {
	t.Parallel()
	const delay = 700 * time.Millisecond
	b := setup(t, func(b *testBundle) {
		b.exec.ExecuteFunc = func(_ context.Context, a actions.Action, d executor.Delivery) executor.Decision {
			if d.Num == 1 {
				return executor.Decision{Verdict: executor.Redeliver, Delay: delay, Err: errScripted}
			}
			// Park it well past the test's end.
			return executor.Decision{Verdict: executor.Redeliver, Delay: time.Minute, Err: errScripted}
		}
	})
	a := newAction("evt-redeliver", "rule", "jdoe")
	b.requestAction(t, a, nil)

	quelltest.Eventually(t, delay+5*time.Second, "delivery 2", func() bool { return len(b.exec.Calls()) == 2 })
	calls := b.exec.Calls()
	for i, c := range calls {
		if c.Delivery.Num != i+1 || c.Action.ID != a.ID {
			t.Errorf("call %d: delivery %d of %s, want delivery %d of %s", i, c.Delivery.Num, c.Action.ID, i+1, a.ID)
		}
	}
	gap := calls[1].Start.Sub(calls[0].End)
	if gap < delay || gap > delay+2*time.Second {
		t.Errorf("delivery 2 came %s after delivery 1 asked for %s", gap, delay)
	}
	if n := b.streamCount(t, events.StreamResults); n != 0 {
		t.Errorf("%d results published for a redelivered action", n)
	}
	if e := b.dlqEntries(t); len(e) != 0 {
		t.Errorf("DLQ: %+v", e)
	}
	info := b.consumerInfo(t, events.StreamActions, events.ConsumerExecutor)
	if info.NumAckPending != 1 || info.AckFloor.Stream != 0 {
		t.Errorf("ack pending %d, ack floor %d: want the message held, unacked", info.NumAckPending, info.AckFloor.Stream)
	}
	consistently(t, 300*time.Millisecond, "no third delivery", func() bool { return b.exec.Started() == 2 })
}

// A message the executor cannot read as an action is dead-lettered without
// the executor seeing it.
func TestExecutorConsumerUndecodableAction(t *testing.T) {
	t.Parallel()
	notAnAction, err := events.New(events.SourceResponder, "evt-not-an-action", events.TypeActionRequested, testTime, "just a string")
	if err != nil {
		t.Fatal(err)
	}
	notAnActionBody, err := notAnAction.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		body []byte
	}{
		{"NotJSON", []byte("quarantine jdoe please")},
		{"NotACloudEvent", []byte(`{"id": "x"}`)},
		{"DataNotAnAction", notAnActionBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil)
			subject := events.ActionSubject("bi", string(actions.Quarantine))
			seq := b.publishRaw(t, subject, tt.body)

			e := b.waitDLQ(t, 1)[0]
			if e.Stage != events.StageExecute || !strings.Contains(e.Reason, events.ErrInvalidEvent.Error()) ||
				e.ErrorClass != actions.ClassPermanent.String() || e.Subject != subject || e.Deliveries != 1 {
				t.Errorf("DLQ entry %+v, want stage execute, an invalid-event reason, class permanent, subject %s, 1 delivery", e, subject)
			}
			if string(e.Body()) != string(tt.body) {
				t.Errorf("DLQ body %q, want the original %q", e.Body(), tt.body)
			}
			assertTerminated(t, b, events.ConsumerExecutor, seq, events.ErrInvalidEvent.Error())
			b.waitSettled(t, events.StreamActions, events.ConsumerExecutor)
			if n := b.exec.Started(); n != 0 {
				t.Errorf("executor called %d times", n)
			}
			if n := b.streamCount(t, events.StreamResults); n != 0 {
				t.Errorf("%d results published", n)
			}
		})
	}
}

// A message replayed from the DLQ carries its replay count in a header; the
// executor is told it (Delivery.Replays) and its result is a new one.
func TestExecutorConsumerReadsReplays(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	a := newAction("evt-replayed", "rule", "jdoe")
	b.requestAction(t, a, nats.Header{dlq.HeaderReplays: []string{"2"}})
	plain := newAction("evt-not-replayed", "rule", "jdoe")
	b.requestAction(t, plain, nil)

	res := b.waitResults(t, 2)
	quelltest.Eventually(t, 5*time.Second, "both executed", func() bool { return len(b.exec.Calls()) == 2 })
	for _, tc := range []struct {
		a       actions.Action
		replays int
		id      string
	}{{a, 2, a.ID + "/completed/replay2"}, {plain, 0, plain.ID + "/completed"}} {
		calls := b.exec.CallsFor(tc.a.ID)
		if len(calls) != 1 || calls[0].Delivery != (executor.Delivery{Num: 1, Replays: tc.replays}) {
			t.Errorf("%s: executor saw %+v, want one delivery {Num:1 Replays:%d}", tc.a.ID, calls, tc.replays)
		}
		found := false
		for _, r := range res {
			if r.Event.ID() == tc.id {
				found = true
				got, err := events.DataAs[actions.Result](r.Event)
				if err != nil {
					t.Fatal(err)
				}
				if got.Replays != tc.replays {
					t.Errorf("result %s replays %d, want %d", tc.id, got.Replays, tc.replays)
				}
			}
		}
		if !found {
			t.Errorf("no result %s", tc.id)
		}
	}
}

// With MaxDeliveries 2 and an executor that always gives the action back,
// JetStream stops delivering it and says so in a max-deliveries advisory;
// the worker dead-letters the action from that and publishes its failed
// result (advisory.go).
func TestExecutorConsumerMaxDeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t, func(b *testBundle) {
		b.cfg.MaxDeliveries = 2
		b.exec.ExecuteFunc = func(context.Context, actions.Action, executor.Delivery) executor.Decision {
			return executor.Decision{Verdict: executor.Redeliver, Delay: 10 * time.Millisecond, Err: errScripted}
		}
	})
	a := newAction("evt-max-deliveries", "rule", "jdoe")
	seq := b.requestAction(t, a, nil)

	reason := fmt.Sprintf("delivered %d times without an outcome (max deliveries reached)", 2)
	e := b.waitDLQ(t, 1)[0]
	if e.Stage != events.StageExecute || e.Reason != reason || e.ErrorClass != actions.ClassTransient.String() ||
		e.Deliveries != 2 || e.Subject != events.ActionSubject(a.Target, string(a.Kind)) || e.Action == nil || e.Action.ID != a.ID {
		t.Errorf("DLQ entry %+v, want stage execute, reason %q, class transient, 2 deliveries of %s", e, reason, a.ID)
	}
	if dl := quelltest.StreamMsgs(t, b.js, events.StreamDLQ, ""); len(dl) != 1 || dl[0].Header.Get(dlq.HeaderStreamSeq) != fmt.Sprint(seq) {
		t.Errorf("DLQ holds %d messages, want 1 naming action request seq %d", len(dl), seq)
	}
	res := b.waitResults(t, 1)[0]
	got, err := events.DataAs[actions.Result](res.Event)
	if err != nil {
		t.Fatal(err)
	}
	if res.Event.Type() != events.TypeActionFailed || got.Status != actions.StatusFailed || got.Reason != reason ||
		got.ErrorClass != actions.ClassTransient.String() || got.Deliveries != 2 || got.Worker != workerID || !sameJSON(t, got.Action, a) {
		t.Errorf("result %s %s, want failed, reason %q, transient, 2 deliveries, worker %s", res.Event.Type(), actions.CanonicalJSON(got), reason, workerID)
	}
	// Each delivery JetStream made reached the executor; there was no third.
	calls := b.exec.CallsFor(a.ID)
	if len(calls) != 2 || calls[0].Delivery.Num != 1 || calls[1].Delivery.Num != 2 {
		t.Errorf("executor saw %+v, want deliveries 1 and 2", calls)
	}
	consistently(t, 300*time.Millisecond, "no third delivery", func() bool { return b.exec.Started() == 2 })
	if adv := b.terminal.of(events.ConsumerExecutor); len(adv) != 0 {
		t.Errorf("the worker terminated the message itself: %+v", adv)
	}
	// The advisory is acked once its message is in the DLQ.
	quelltest.Eventually(t, 10*time.Second, "advisory acked", func() bool {
		info := b.consumerInfo(t, worker.StreamAdvisories, worker.ConsumerAdvisories)
		return info.Delivered.Stream >= 1 && info.NumAckPending == 0 && info.NumPending == 0
	})
	if n := b.counter(t, "quell.dlq.messages", attribute.String("stage", events.StageExecute)); n != 1 {
		t.Errorf("quell.dlq.messages{stage=execute} = %d, want 1", n)
	}
	if n := b.counter(t, "quell.actions", attribute.String("outcome", string(actions.StatusFailed))); n != 1 {
		t.Errorf("quell.actions{outcome=failed} = %d, want 1", n)
	}
}
