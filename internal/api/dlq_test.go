package api_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/notify"
	"github.com/quell-dev/quell/internal/quelltest"
)

// deadLetter stores a's request and dead-letters it, as the executor does
// after its last attempt.
func (e *env) deadLetter(a actions.Action) {
	e.t.Helper()
	e.request(a)
	msgs := quelltest.StreamMsgs(e.t, e.js, events.StreamActions, events.ActionSubject(a.Target, string(a.Kind)))
	orig := msgs[len(msgs)-1]
	if err := dlq.Write(context.Background(), e.js, events.StageExecute, &orig, 5, actions.ClassPermanent, "403 from the target"); err != nil {
		e.t.Fatal(err)
	}
}

func TestDLQListAndReplay(t *testing.T) {
	e := newEnv(t, true)
	for _, id := range []string{"act_dlq1", "act_dlq2", "act_dlq3"} {
		e.deadLetter(testAction(id, "bi", "jdoe"))
	}
	var all []dlq.Entry
	q := "/v1/dlq?limit=2"
	for q != "" {
		p := want[api.Page[dlq.Entry]](t)(e.as("operator", "GET", q, nil))
		all = append(all, p.Items...)
		q = ""
		if p.NextCursor != "" {
			q = "/v1/dlq?limit=2&cursor=" + p.NextCursor
		}
	}
	if len(all) != 3 || all[0].Action == nil || all[0].Action.ID != "act_dlq1" || all[2].Action.ID != "act_dlq3" {
		t.Fatalf("DLQ pages: %+v", all)
	}
	if p := want[api.Page[dlq.Entry]](t)(e.as("operator", "GET", "/v1/dlq?stage=plan", nil)); len(p.Items) != 0 {
		t.Fatalf("stage=plan: %+v", p.Items)
	}
	seq := all[0].Seq
	path := "/v1/dlq/" + itoa(seq) + "/replay"
	r := want[api.Replayed](t)(e.as("operator", "POST", path, map[string]any{"dry_run": true}))
	if r.Outcome != dlq.WouldReplay || !r.DryRun {
		t.Fatalf("dry run: %+v", r)
	}
	if p := want[api.Page[dlq.Entry]](t)(e.as("operator", "GET", "/v1/dlq", nil)); len(p.Items) != 3 {
		t.Fatalf("a dry run changed the DLQ: %d entries", len(p.Items))
	}
	r = want[api.Replayed](t)(e.as("operator", "POST", path, map[string]any{"reason": "target fixed"}))
	if r.Outcome != dlq.Replayed || r.By != "token:operator" {
		t.Fatalf("replay: %+v", r)
	}
	// The replayed request says who sent it back.
	msgs := quelltest.StreamMsgs(t, e.js, events.StreamActions, "quell.actions.>")
	if got := msgs[len(msgs)-1].Header.Get(dlq.HeaderReplayedBy); got != "token:operator" {
		t.Fatalf("replayed message %s header = %q", dlq.HeaderReplayedBy, got)
	}
	if st, _ := e.as("operator", "POST", path, nil); st != http.StatusNotFound {
		t.Fatalf("replaying a replayed entry: %d, want 404", st)
	}
	v := want[api.ActionView](t)(e.as("reader", "GET", "/v1/actions/act_dlq1", nil))
	if len(v.Decisions) != 1 || v.Decisions[0].Op != "replay" || v.Decisions[0].Token != "operator" {
		t.Fatalf("recorded decisions: %+v", v.Decisions)
	}
	if st, _ := e.as("operator", "POST", "/v1/dlq/999999/replay", nil); st != http.StatusNotFound {
		t.Fatalf("unknown seq: %d, want 404", st)
	}
	if st, _ := e.as("operator", "GET", "/v1/dlq?stage=nope", nil); st != http.StatusBadRequest {
		t.Fatalf("bad stage: %d, want 400", st)
	}
}

// A notification route's dead letters are listed and filtered like the
// pipeline's: their stage is notify-<route>.
func TestDLQNotifyStage(t *testing.T) {
	e := newEnv(t, true)
	e.deadLetter(testAction("act_dlq_exec", "bi", "jdoe"))
	e.request(testAction("act_dlq_note", "bi", "asmith"))
	msgs := quelltest.StreamMsgs(t, e.js, events.StreamActions, "quell.actions.>")
	orig := msgs[len(msgs)-1]
	if err := dlq.Write(context.Background(), e.js, notify.Stage("slack-oncall"), &orig, 3, actions.ClassTransient, "webhook answered 500"); err != nil {
		t.Fatal(err)
	}
	if p := want[api.Page[dlq.Entry]](t)(e.as("operator", "GET", "/v1/dlq", nil)); len(p.Items) != 2 {
		t.Fatalf("all stages: %+v", p.Items)
	}
	p := want[api.Page[dlq.Entry]](t)(e.as("operator", "GET", "/v1/dlq?stage=notify-slack-oncall", nil))
	if len(p.Items) != 1 || p.Items[0].Stage != "notify-slack-oncall" {
		t.Fatalf("stage=notify-slack-oncall: %+v", p.Items)
	}
	for _, bad := range []string{"notify-", "notify-a.b", "notify-*"} {
		if st, _ := e.as("operator", "GET", "/v1/dlq?stage="+url.QueryEscape(bad), nil); st != http.StatusBadRequest {
			t.Errorf("stage %q: %d, want 400", bad, st)
		}
	}
}
