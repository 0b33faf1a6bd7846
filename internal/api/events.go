package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/events"
)

// EventView is GET /v1/events/{id}: the stored CloudEvent and the actions
// planned from it.
type EventView struct {
	Event   json.RawMessage `json:"event"`
	Actions []ActionSummary `json:"actions"`
}

// ActionSummary is one action in an [EventView].
type ActionSummary struct {
	ID         string          `json:"id"`
	State      string          `json:"state"`
	Final      bool            `json:"final"`
	Action     actions.Kind    `json:"action,omitempty"`
	Target     string          `json:"target,omitempty"`
	User       actions.UserRef `json:"user"`
	Rule       string          `json:"rule,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

func (a *API) getEvent(ctx context.Context, c call) (int, any, error) {
	id := c.r.PathValue("id")
	seq, ok, err := c.deps.index.EventSeq(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, notFound(fmt.Sprintf("no event %s (unknown, not indexed yet, or older than the retention of results)", id))
	}
	m, err := c.deps.streams[events.StreamEvents].GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil, notFound(fmt.Sprintf("event %s is older than the retention of events (nats.events_max_age)", id))
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read event %s: %w", id, err)
	}
	ids, err := c.deps.index.CausedBy(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	v := EventView{Event: json.RawMessage(m.Data), Actions: make([]ActionSummary, 0, len(ids))}
	for _, aid := range ids {
		s, err := a.summary(ctx, c.deps, aid)
		if err != nil {
			return 0, nil, err
		}
		v.Actions = append(v.Actions, s)
	}
	return http.StatusOK, v, nil
}

// summary is an action's state from the index and its request: two key
// lookups and one direct read, no result body.
func (a *API) summary(ctx context.Context, d *deps, id string) (ActionSummary, error) {
	s := ActionSummary{ID: id, State: StateRequested}
	rec, ok, err := d.index.Result(ctx, id)
	if err != nil {
		return s, err
	}
	if ok {
		s.State, s.Final = recordState(rec), rec.Final()
		t := rec.FinishedAt
		s.FinishedAt = &t
	}
	act, err := a.requested(ctx, d, id)
	if err != nil {
		return s, err
	}
	if act != nil {
		s.Action, s.Target, s.User, s.Rule = act.Kind, act.Target, act.User, act.Rule
	}
	return s, nil
}

func recordState(r index.Record) string {
	if r.Status == actions.StatusSkipped && r.Guard == actions.GuardParked {
		return StateParked
	}
	return string(r.Status)
}
