package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/events"
)

func TestGetEvent(t *testing.T) {
	e := newEnv(t, true)
	alert := events.Alert{SourceKind: "generic", SourceName: "demo", Rule: "impossible travel", Severity: 90,
		User: actions.UserRef{Username: "jdoe"}, ReceivedAt: time.Now().UTC()}
	ev, err := events.New(events.SourceFor("demo"), "evt/with spaces:1", events.TypeAlert, time.Now(), alert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pub.Publish(context.Background(), events.EventSubject(events.KindAlert, "demo"), ev); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"act_ev1", "act_ev2"} {
		a := testAction(id, "bi", "jdoe")
		a.Cause, a.Rule = ev.ID(), "quarantine-high-severity"
		e.request(a)
	}
	e.result(testActionWithCause("act_ev1", ev.ID()), actions.StatusCompleted, "", time.Now())
	e.indexed()
	v := want[api.EventView](t)(e.as("reader", "GET", "/v1/events/evt%2Fwith%20spaces:1", nil))
	got, err := events.Decode(v.Event)
	if err != nil || got.ID() != ev.ID() || got.Type() != events.TypeAlert {
		t.Fatalf("event: %s (%v)", v.Event, err)
	}
	if len(v.Actions) != 2 || v.Actions[0].ID != "act_ev1" || v.Actions[0].State != "completed" || !v.Actions[0].Final ||
		v.Actions[1].State != api.StateRequested || v.Actions[1].Rule != "quarantine-high-severity" {
		t.Fatalf("actions: %+v", v.Actions)
	}
	if st, _ := e.as("reader", "GET", "/v1/events/no-such-event", nil); st != http.StatusNotFound {
		t.Fatalf("unknown event: %d, want 404", st)
	}
}

func testActionWithCause(id, cause string) actions.Action {
	a := testAction(id, "bi", "jdoe")
	a.Cause = cause
	return a
}
