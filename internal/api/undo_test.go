package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ledger"
	"github.com/quell-dev/quell/internal/quelltest"
)

// finish records a in the ledger as the executor does when it is done.
func (e *env) finish(a actions.Action, state string, rec *actions.Record) {
	e.t.Helper()
	kv, err := e.js.KeyValue(context.Background(), events.BucketLedger)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := json.Marshal(ledger.Entry{State: state, Action: a, Result: rec, UpdatedAt: time.Now().UTC()})
	if _, err := kv.Put(context.Background(), a.ID, b); err != nil {
		e.t.Fatal(err)
	}
}

func TestUndo(t *testing.T) {
	e := newEnv(t, true)
	changed := actions.Record{Status: actions.StatusCompleted, FinishedAt: time.Now(), Outcome: actions.Outcome{
		Status: actions.StatusCompleted, TargetUserID: "42", Before: map[string]any{"global_role_id": 3}, After: map[string]any{"global_role_id": -1}}}
	a := testAction("act_undo1", "tf", "jdoe")
	e.finish(a, ledger.StateDone, &changed)
	running := testAction("act_undo2", "tf", "jdoe")
	e.finish(running, ledger.StateRunning, nil)
	dry := testAction("act_undo3", "tf", "jdoe")
	dry.DryRun = true
	e.finish(dry, ledger.StateDone, &changed)

	body := map[string]any{"reason": "INC-4711 was a false positive", "requested_by": "alice"}
	u := want[api.UndoAccepted](t)(e.as("actor", "POST", "/v1/actions/act_undo1/undo", body))
	if u.UndoOf != a.ID || u.ID == "" {
		t.Fatalf("undo: %+v", u)
	}
	msgs := quelltest.StreamMsgs(t, e.js, events.StreamActions, "quell.actions.tf.undo")
	if len(msgs) != 1 {
		t.Fatalf("%d undo requests stored, want 1", len(msgs))
	}
	ev, _ := events.Decode(msgs[0].Data)
	req, _ := events.DataAs[actions.Action](ev)
	if req.ID != u.ID || req.RequestedBy != "actor:alice" || req.Undo == nil || req.Undo.Of != a.ID || req.Reason != body["reason"] {
		t.Fatalf("undo request: %+v", req)
	}
	e.indexed()
	v := want[api.ActionView](t)(e.as("reader", "GET", "/v1/actions/act_undo1", nil))
	if len(v.Decisions) != 1 || v.Decisions[0].Op != "undo" || v.Decisions[0].Token != "actor" || v.Decisions[0].Ref != u.ID {
		t.Fatalf("recorded decisions: %+v", v.Decisions)
	}
	cases := []struct {
		id   string
		body any
		want int
	}{
		{"act_undo1", map[string]any{}, http.StatusBadRequest},
		{"act_undo1", map[string]any{"reason": "x", "bogus": 1}, http.StatusBadRequest},
		{"act_nothing", body, http.StatusNotFound},
		{"act_undo2", body, http.StatusConflict},
		{"act_undo3", body, http.StatusConflict},
	}
	for _, c := range cases {
		if st, out := e.as("actor", "POST", "/v1/actions/"+c.id+"/undo", c.body); st != c.want {
			t.Errorf("undo %s %v: %d %s, want %d", c.id, c.body, st, out, c.want)
		}
	}
}
