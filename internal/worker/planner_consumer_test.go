package worker_test

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"go.opentelemetry.io/otel/attribute"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/policy"
	"github.com/quell-dev/quell/internal/quelltest"
)

// The planner consumer: events in, the policy's actions out as action
// requests on QUELL_ACTIONS, or the event dead-lettered at stage plan.
func TestPlannerConsumer(t *testing.T) {
	t.Parallel()

	// twoActions plans, for any event, two actions of one matched rule and
	// nothing for an unmatched one, with the ids the policy would give them.
	twoActions := func(ev cloudevents.Event, _ time.Time) ([]policy.RuleResult, error) {
		return []policy.RuleResult{
			{Rule: "quarantine", Matched: true, Actions: []actions.Action{
				newAction(ev.ID(), "quarantine", "alice"), newAction(ev.ID(), "quarantine", "bob"),
			}},
			{Rule: "unmatched", Matched: false},
		}, nil
	}

	// assertRequests checks QUELL_ACTIONS holds exactly one action request
	// per planned action, each as the executor will read it.
	assertRequests := func(t *testing.T, b *testBundle, want []actions.Action) {
		t.Helper()
		got := b.streamEvents(t, events.StreamActions)
		if len(got) != len(want) {
			t.Fatalf("%d action requests on %s, want %d (one per action id)", len(got), events.StreamActions, len(want))
		}
		for i, a := range want {
			g := got[i]
			if g.Event.Type() != events.TypeActionRequested || g.Event.ID() != a.ID || g.Event.Source() != events.SourcePlanner {
				t.Errorf("request %d: type %s id %s source %s, want %s %s %s", i, g.Event.Type(), g.Event.ID(), g.Event.Source(),
					events.TypeActionRequested, a.ID, events.SourcePlanner)
			}
			if want := events.ActionSubject(a.Target, string(a.Kind)); g.Subject != want {
				t.Errorf("request %d on %s, want %s", i, g.Subject, want)
			}
			data, err := events.DataAs[actions.Action](g.Event)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, data, a) {
				t.Errorf("request %d data:\n got %s\nwant %s", i, actions.CanonicalJSON(data), actions.CanonicalJSON(a))
			}
		}
	}

	t.Run("EventBecomesActionRequests", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(b *testBundle) { b.planner.PlanFunc = twoActions })
		ev := newEvent(t, "evt-1")
		b.publishEvent(t, ev, false)

		b.waitSettled(t, events.StreamEvents, events.ConsumerPlanner)
		calls := b.planner.Calls()
		if len(calls) != 1 || calls[0].ID() != ev.ID() || calls[0].Type() != ev.Type() {
			t.Fatalf("planner saw %d events (%v), want the one published", len(calls), calls)
		}
		want := []actions.Action{newAction(ev.ID(), "quarantine", "alice"), newAction(ev.ID(), "quarantine", "bob")}
		assertRequests(t, b, want)
		if n := b.counter(t, "quell.events.planned", attribute.String("type", events.TypeAlert)); n != 1 {
			t.Errorf("quell.events.planned = %d, want 1", n)
		}
		if adv := b.terminal.of(events.ConsumerPlanner); len(adv) != 0 {
			t.Errorf("event terminated, want acked: %+v", adv)
		}
		if e := b.dlqEntries(t); len(e) != 0 {
			t.Errorf("DLQ: %+v", e)
		}
		// The executor consumer takes the requests: each is executed once.
		quelltest.Eventually(t, 10*time.Second, "both actions executed", func() bool { return len(b.exec.Calls()) == 2 })
	})

	// The same event stored twice (ingest outside its dedupe window, a
	// replay): both copies are planned, and JetStream's Nats-Msg-Id dedupe
	// keeps one request per action id.
	t.Run("SameEventTwiceRequestsEachActionOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(b *testBundle) { b.planner.PlanFunc = twoActions })
		ev := newEvent(t, "evt-twice")
		b.publishEvent(t, ev, true)
		b.publishEvent(t, ev, true)

		quelltest.Eventually(t, 10*time.Second, "both copies planned", func() bool { return len(b.planner.Calls()) == 2 })
		b.waitSettled(t, events.StreamEvents, events.ConsumerPlanner)
		if n := b.streamCount(t, events.StreamEvents); n != 2 {
			t.Fatalf("%d events stored, want the 2 copies", n)
		}
		assertRequests(t, b, []actions.Action{newAction(ev.ID(), "quarantine", "alice"), newAction(ev.ID(), "quarantine", "bob")})
	})

	// One stored event delivered twice: the first delivery published one
	// request and failed on the next, so the event was given back; the
	// second delivery re-plans both and only the missing one is stored.
	t.Run("RedeliveredEventRequestsEachActionOnce", func(t *testing.T) {
		t.Parallel()
		var replanned atomic.Bool
		b := setup(t, func(b *testBundle) {
			b.planner.PlanFunc = func(ev cloudevents.Event, now time.Time) ([]policy.RuleResult, error) {
				res, _ := twoActions(ev, now)
				if !replanned.Swap(true) {
					// A request that cannot be published (no id: not a
					// valid CloudEvent) stands in for a publish that failed.
					res[0].Actions[1].ID = ""
				}
				return res, nil
			}
		})
		ev := newEvent(t, "evt-redelivered")
		b.publishEvent(t, ev, false)

		quelltest.Eventually(t, 10*time.Second, "the event planned twice", func() bool { return len(b.planner.Calls()) == 2 })
		info := b.consumerInfo(t, events.StreamEvents, events.ConsumerPlanner)
		quelltest.Eventually(t, 10*time.Second, "the redelivered event acked", func() bool {
			info = b.consumerInfo(t, events.StreamEvents, events.ConsumerPlanner)
			return info.NumAckPending == 0 && info.AckFloor.Stream == 1
		})
		if info.Delivered.Consumer != 2 || info.NumRedelivered != 0 {
			t.Errorf("planner consumer delivered %d times (redelivered pending %d), want 2 deliveries of one event",
				info.Delivered.Consumer, info.NumRedelivered)
		}
		if n := b.streamCount(t, events.StreamEvents); n != 1 {
			t.Fatalf("%d events stored, want 1", n)
		}
		assertRequests(t, b, []actions.Action{newAction(ev.ID(), "quarantine", "alice"), newAction(ev.ID(), "quarantine", "bob")})
		if e := b.dlqEntries(t); len(e) != 0 {
			t.Errorf("DLQ: %+v", e)
		}
	})

	t.Run("PlanErrorIsDeadLettered", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(b *testBundle) {
			b.planner.PlanFunc = func(cloudevents.Event, time.Time) ([]policy.RuleResult, error) {
				return nil, errScripted
			}
		})
		ev := newEvent(t, "evt-plan-error")
		seq := b.publishEvent(t, ev, false)

		e := b.waitDLQ(t, 1)[0]
		if e.Stage != events.StagePlan || e.Reason != errScripted.Error() || e.ErrorClass != actions.ClassPermanent.String() ||
			e.Subject != eventSubject || e.Deliveries != 1 || e.EventID != ev.ID() || e.EventType != ev.Type() || e.Action != nil {
			t.Errorf("DLQ entry %+v, want stage %s, reason %q, class permanent, subject %s, 1 delivery, event %s",
				e, events.StagePlan, errScripted, eventSubject, ev.ID())
		}
		if dl := quelltest.StreamMsgs(t, b.js, events.StreamDLQ, events.DLQSubject(events.StagePlan)); len(dl) != 1 {
			t.Errorf("%d messages on %s, want 1", len(dl), events.DLQSubject(events.StagePlan))
		}
		assertTerminated(t, b, events.ConsumerPlanner, seq, errScripted.Error())
		b.waitSettled(t, events.StreamEvents, events.ConsumerPlanner)
		if n := len(b.planner.Calls()); n != 1 {
			t.Errorf("planned %d times, want once", n)
		}
		if n := b.streamCount(t, events.StreamActions); n != 0 {
			t.Errorf("%d action requests, want none", n)
		}
		if n := b.counter(t, "quell.dlq.messages", attribute.String("stage", events.StagePlan)); n != 1 {
			t.Errorf("quell.dlq.messages{stage=plan} = %d, want 1", n)
		}
	})

	t.Run("UndecodableEventIsDeadLettered", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		body := []byte(`{"not": "a cloudevent"`)
		seq := b.publishRaw(t, eventSubject, body)

		e := b.waitDLQ(t, 1)[0]
		if e.Stage != events.StagePlan || !strings.Contains(e.Reason, events.ErrInvalidEvent.Error()) ||
			e.ErrorClass != actions.ClassPermanent.String() || e.Subject != eventSubject || e.Deliveries != 1 {
			t.Errorf("DLQ entry %+v, want stage plan, an invalid-event reason, class permanent, subject %s, 1 delivery", e, eventSubject)
		}
		if string(e.Body()) != string(body) {
			t.Errorf("DLQ body %q, want the original %q", e.Body(), body)
		}
		assertTerminated(t, b, events.ConsumerPlanner, seq, events.ErrInvalidEvent.Error())
		b.waitSettled(t, events.StreamEvents, events.ConsumerPlanner)
		if n := len(b.planner.Calls()); n != 0 {
			t.Errorf("the policy was asked about an undecodable event %d times", n)
		}
	})

	// A rule that matched but could not build an action (its user or
	// params failed to evaluate) needs a person: the actions it could build
	// are requested and the event is dead-lettered naming the rule. Errors
	// of rules that did not match are only logged.
	t.Run("MatchedRuleErrorsDeadLetterTheEvent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(b *testBundle) {
			b.planner.PlanFunc = func(ev cloudevents.Event, _ time.Time) ([]policy.RuleResult, error) {
				return []policy.RuleResult{
					{Rule: "broken-when", Matched: false, Errors: []string{"no such key: severity"}},
					{Rule: "half-built", Matched: true, Actions: []actions.Action{newAction(ev.ID(), "half-built", "alice")},
						Errors: []string{"user: no such key: manager"}},
				}, nil
			}
		})
		ev := newEvent(t, "evt-rule-errors")
		seq := b.publishEvent(t, ev, false)

		e := b.waitDLQ(t, 1)[0]
		const reason = "rule half-built: user: no such key: manager"
		if e.Stage != events.StagePlan || e.Reason != reason || e.ErrorClass != actions.ClassPermanent.String() || e.EventID != ev.ID() {
			t.Errorf("DLQ entry %+v, want stage plan, reason %q (only the matched rule), class permanent", e, reason)
		}
		assertTerminated(t, b, events.ConsumerPlanner, seq, reason)
		assertRequests(t, b, []actions.Action{newAction(ev.ID(), "half-built", "alice")})
	})

	t.Run("UnmatchedRuleErrorsAreOnlyLogged", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(b *testBundle) {
			b.planner.PlanFunc = func(cloudevents.Event, time.Time) ([]policy.RuleResult, error) {
				return []policy.RuleResult{{Rule: "broken-when", Errors: []string{"no such key: severity"}}}, nil
			}
		})
		b.publishEvent(t, newEvent(t, "evt-unmatched-errors"), false)
		b.waitSettled(t, events.StreamEvents, events.ConsumerPlanner)
		if e := b.dlqEntries(t); len(e) != 0 {
			t.Errorf("DLQ: %+v", e)
		}
		if adv := b.terminal.of(events.ConsumerPlanner); len(adv) != 0 {
			t.Errorf("event terminated, want acked: %+v", adv)
		}
		if !strings.Contains(b.logs.String(), "no such key: severity") {
			t.Error("the rule's error was not logged")
		}
	})
}

// assertTerminated waits for JetStream's advisory that consumer terminated
// the message at seq with reason (containing it).
func assertTerminated(t *testing.T, b *testBundle, consumer string, seq uint64, reason string) {
	t.Helper()
	quelltest.Eventually(t, 10*time.Second, consumer+" message terminated", func() bool {
		return slices.ContainsFunc(b.terminal.of(consumer), func(a terminatedAdvisory) bool {
			return a.StreamSeq == seq && strings.Contains(a.Reason, reason)
		})
	})
}
