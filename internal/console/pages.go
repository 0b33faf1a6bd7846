package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/quell-dev/quell/internal/api"
	"github.com/quell-dev/quell/internal/dlq"
	"github.com/quell-dev/quell/internal/safety"
)

// filters are the actions list's query parameters, passed to GET /v1/actions.
var filters = []string{"user", "target", "status", "since", "cursor"}

type actionsData struct {
	Filter map[string]string
	Items  []api.ResultRow
	// Next continues the listing (older results).
	Next string
}

func (c *Console) actionsPage(ctx context.Context, q *req) error {
	in, v := q.r.URL.Query(), url.Values{"limit": {"100"}}
	d := actionsData{Filter: map[string]string{}}
	for _, f := range filters {
		if s := strings.TrimSpace(in.Get(f)); s != "" {
			v.Set(f, s)
			d.Filter[f] = s
		}
	}
	var page api.Page[api.ResultRow]
	if err := c.call(ctx, q.tok, http.MethodGet, "/v1/actions?"+v.Encode(), nil, &page); err != nil {
		return err
	}
	d.Items = page.Items
	if page.NextCursor != "" {
		delete(v, "limit")
		v.Set("cursor", page.NextCursor)
		d.Next = "/ui/?" + v.Encode()
	}
	c.render(q.w, http.StatusOK, "actions", q.view("Actions", "actions", d))
	return nil
}

type actionData struct {
	api.ActionView
	TraceID string
	// Undoable says the undo form is worth showing; the API decides.
	Undoable bool
}

// decidedNotices are the notices after a decision, by ?decided=.
var decidedNotices = map[string]string{
	"approved": "Approved. The action is back on its way to the worker; this page updates when its result lands.",
	"rejected": "Rejected. The action will not run.",
	"undo":     "Undo requested. This is the undo action; it updates when its result lands.",
}

func (c *Console) actionPage(ctx context.Context, q *req) error {
	id := q.r.PathValue("id")
	var d actionData
	if err := c.call(ctx, q.tok, http.MethodGet, "/v1/actions/"+url.PathEscape(id), nil, &d.ActionView); err != nil {
		return err
	}
	trace, err := c.reads.traceID(ctx, id)
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "console: trace id not read", "action_id", id, "error", err)
	}
	d.TraceID = trace
	d.Undoable = d.State == "completed" && d.Action != nil && d.Action.Kind != "undo"
	v := q.view("Action "+id, "actions", d)
	v.Notice = decidedNotices[q.r.URL.Query().Get("decided")]
	c.render(q.w, http.StatusOK, "action", v)
	return nil
}

func (c *Console) undo(ctx context.Context, q *req) error {
	id := q.r.PathValue("id")
	body := api.UndoRequest{Reason: q.r.PostFormValue("reason"), Force: q.r.PostFormValue("force") == "on"}
	var out api.UndoAccepted
	if err := c.call(ctx, q.tok, http.MethodPost, "/v1/actions/"+url.PathEscape(id)+"/undo", body, &out); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/ui/actions/"+url.PathEscape(out.ID)+"?decided=undo", http.StatusSeeOther)
	return nil
}

type parkedItem struct {
	safety.Parked
	// Mine says this token requested it: with four-eyes another approver
	// must approve (the API refuses; the page says so up front).
	Mine bool
}

func (c *Console) parkedPage(ctx context.Context, q *req) error {
	var page api.Page[safety.Parked]
	if err := c.call(ctx, q.tok, http.MethodGet, "/v1/parked", nil, &page); err != nil {
		return err
	}
	items := make([]parkedItem, 0, len(page.Items))
	for _, p := range page.Items {
		name, _, _ := strings.Cut(p.Action.RequestedBy, ":")
		items = append(items, parkedItem{Parked: p, Mine: name == q.tok.Name})
	}
	c.render(q.w, http.StatusOK, "parked", q.view("Parked actions", "parked", items))
	return nil
}

// decide approves or rejects a parked action through the API, which
// records "token:<name>" and enforces four-eyes.
func (c *Console) decide(ctx context.Context, q *req) error {
	id, decision := q.r.PathValue("id"), q.r.PathValue("decision")
	if decision != "approve" && decision != "reject" {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such decision: " + decision}
	}
	body := api.DecideRequest{Reason: q.r.PostFormValue("reason")}
	var out api.Decided
	path := "/v1/parked/" + url.PathEscape(id) + "/" + decision
	if err := c.call(ctx, q.tok, http.MethodPost, path, body, &out); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/ui/actions/"+url.PathEscape(id)+"?decided="+out.Decision, http.StatusSeeOther)
	return nil
}

type dlqData struct {
	Stage  string
	Items  []dlq.Entry
	Next   string
	Replay *api.Replayed
}

func (c *Console) dlqPage(ctx context.Context, q *req) error {
	return c.renderDLQ(ctx, q, nil)
}

func (c *Console) renderDLQ(ctx context.Context, q *req, replayed *api.Replayed) error {
	stage := q.r.URL.Query().Get("stage")
	v := url.Values{"limit": {"100"}}
	if stage != "" {
		v.Set("stage", stage)
	}
	if cur := q.r.URL.Query().Get("cursor"); cur != "" {
		v.Set("cursor", cur)
	}
	var page api.Page[dlq.Entry]
	if err := c.call(ctx, q.tok, http.MethodGet, "/v1/dlq?"+v.Encode(), nil, &page); err != nil {
		return err
	}
	d := dlqData{Stage: stage, Items: page.Items, Replay: replayed}
	if page.NextCursor != "" {
		delete(v, "limit")
		v.Set("cursor", page.NextCursor)
		d.Next = "/ui/dlq?" + v.Encode()
	}
	c.render(q.w, http.StatusOK, "dlq", q.view("Dead letters", "dlq", d))
	return nil
}

// replay answers with the DLQ page and the outcome (no redirect: the
// outcome is not something to put into a URL).
func (c *Console) replay(ctx context.Context, q *req) error {
	seq := q.r.PathValue("seq")
	body := api.ReplayRequest{Reason: q.r.PostFormValue("reason"), DryRun: q.r.PostFormValue("dry_run") == "on"}
	var out api.Replayed
	if err := c.call(ctx, q.tok, http.MethodPost, "/v1/dlq/"+url.PathEscape(seq)+"/replay", body, &out); err != nil {
		return err
	}
	q.r.URL.RawQuery = ""
	return c.renderDLQ(ctx, q, &out)
}

type eventData struct {
	ID string
	api.EventView
}

func (c *Console) eventLookup(ctx context.Context, q *req) error {
	if id := strings.TrimSpace(q.r.URL.Query().Get("id")); id != "" {
		http.Redirect(q.w, q.r, "/ui/events/"+url.PathEscape(id), http.StatusSeeOther)
		return nil
	}
	c.render(q.w, http.StatusOK, "event", q.view("Events", "events", eventData{}))
	return nil
}

func (c *Console) eventPage(ctx context.Context, q *req) error {
	d := eventData{ID: q.r.PathValue("id")}
	if err := c.call(ctx, q.tok, http.MethodGet, "/v1/events/"+url.PathEscape(d.ID), nil, &d.EventView); err != nil {
		return err
	}
	c.render(q.w, http.StatusOK, "event", q.view("Event "+d.ID, "events", d))
	return nil
}
