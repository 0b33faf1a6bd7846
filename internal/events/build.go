package events

import (
	"fmt"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/quell-dev/quell/internal/actions"
)

// New builds a CloudEvent with JSON data.
func New(source, id, typ string, at time.Time, data any) (cloudevents.Event, error) {
	ev := cloudevents.NewEvent()
	ev.SetID(id)
	ev.SetSource(source)
	ev.SetType(typ)
	ev.SetTime(at.UTC())
	if err := ev.SetData(cloudevents.ApplicationJSON, data); err != nil {
		return ev, fmt.Errorf("encode %s data: %w", typ, err)
	}
	if err := ev.Validate(); err != nil {
		return ev, fmt.Errorf("%w: %v", ErrInvalidEvent, err)
	}
	return ev, nil
}

// NewActionRequested builds the dev.quell.action.requested.v1 event for a.
// Its id is the action id, so a re-planned action is deduplicated.
func NewActionRequested(source string, a actions.Action) (cloudevents.Event, error) {
	ev, err := New(source, a.ID, TypeActionRequested, a.RequestedAt, a)
	if err != nil {
		return ev, err
	}
	ev.SetSubject(a.Target + "/" + string(a.Kind))
	return ev, nil
}

// NewResult builds the result event of r. Its id is stable for a given
// action and status, so a result republished after a crash is deduplicated.
func NewResult(r ActionResult) (cloudevents.Event, error) {
	id := fmt.Sprintf("%s/%s/%d", r.Action.ID, r.Status, r.Deliveries)
	if r.Status != actions.StatusFailed {
		id = fmt.Sprintf("%s/%s", r.Action.ID, r.Status)
	}
	if r.Action.DryRun {
		// A dry run's "skipped" must not deduplicate the real run's result.
		id += "/dry-run"
	}
	if r.Replays > 0 {
		// Each replay from the DLQ is a new attempt with its own outcome.
		id += fmt.Sprintf("/replay%d", r.Replays)
	}
	if r.Guard != "" {
		// Parked, then approved and run (or rejected): each step is a result.
		id += "/" + r.Guard
	}
	ev, err := New(SourceExecutor, id, ResultType(r.Status), r.FinishedAt, r)
	if err != nil {
		return ev, err
	}
	ev.SetSubject(r.Action.ID)
	return ev, nil
}

// DataAs decodes ev's JSON data into v.
func DataAs[T any](ev cloudevents.Event) (T, error) {
	var v T
	if err := ev.DataAs(&v); err != nil {
		return v, fmt.Errorf("%w: %s data: %v", ErrInvalidEvent, ev.Type(), err)
	}
	return v, nil
}
