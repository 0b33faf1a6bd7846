package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ledger"
)

// MaxWait caps ?wait=: a long poll longer than this is better repeated.
const MaxWait = 60 * time.Second

// Action states, from the caller's point of view.
const (
	StateRequested = "requested" // stored, no worker has taken it yet
	StateRunning   = "running"   // a worker holds it, or will retry it
	StateParked    = "parked"    // waits for an approver
)

// ActionView is GET /v1/actions/{id}: the action, its ledger state, its
// latest result and the decisions taken on it through the API.
type ActionView struct {
	ID string `json:"id"`
	// State is requested, running, parked, completed, failed or skipped.
	State string `json:"state"`
	// Final says the result will not change unless someone acts (an
	// approval, a replay).
	Final     bool                 `json:"final"`
	Action    *actions.Action      `json:"action,omitempty"`
	Ledger    *LedgerView          `json:"ledger,omitempty"`
	Result    *events.ActionResult `json:"result,omitempty"`
	Decisions []index.Decision     `json:"decisions,omitempty"`
}

// LedgerView is the ledger entry without the action (shown once, above).
type LedgerView struct {
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	Failures    int       `json:"failures"`
	LastError   string    `json:"last_error,omitempty"`
	Interrupted bool      `json:"interrupted,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func (a *API) getAction(ctx context.Context, c call) (int, any, error) {
	id := c.r.PathValue("id")
	wait, err := parseWait(c.r.URL.Query().Get("wait"))
	if err != nil {
		return 0, nil, err
	}
	if !index.ValidID(id) {
		return 0, nil, notFound("no action " + id)
	}
	if wait > 0 {
		a.longPoll(ctx, c, id, wait)
	}
	v, err := a.actionView(ctx, c.deps, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

func parseWait(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > MaxWait {
		return 0, badRequest(fmt.Sprintf("wait: %q: want a duration from 0s to %s, such as 30s", s, MaxWait))
	}
	return d, nil
}

// longPoll waits until id's result is final, wait passes, the client goes
// away or the server stops; the caller then answers with what is known.
func (a *API) longPoll(ctx context.Context, c call, id string, wait time.Duration) {
	// The server's write timeout is shorter than the longest wait.
	_ = http.NewResponseController(c.w).SetWriteDeadline(time.Now().Add(wait + 10*time.Second))
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	stop := context.AfterFunc(a.cfg.Stop, cancel)
	defer stop()
	if _, _, err := c.deps.index.WaitFinal(wctx, id); err != nil {
		a.cfg.Logger.WarnContext(ctx, "long poll ended early", "action_id", id, "error", err)
	}
}

// actionView assembles the view from the index (latest result, latest
// request), the ledger and the decisions: a handful of key lookups and
// direct reads by stream sequence, however many results are stored.
func (a *API) actionView(ctx context.Context, d *deps, id string) (ActionView, error) {
	v := ActionView{ID: id}
	rec, hasResult, err := d.index.Result(ctx, id)
	if err != nil {
		return v, err
	}
	entry, err := d.ledger.Get(ctx, id)
	if err != nil {
		return v, err
	}
	if hasResult {
		r, err := readResult(ctx, d, rec.Seq)
		if err != nil {
			return v, err
		}
		v.Result, v.Action = &r, &r.Action
	}
	if v.Action == nil {
		if v.Action, err = a.requested(ctx, d, id); err != nil {
			return v, err
		}
	}
	if v.Action == nil && entry != nil {
		v.Action = &entry.Action
	}
	if v.Action == nil {
		return v, notFound(fmt.Sprintf("no action %s (unknown, or older than the retention of results)", id))
	}
	if entry != nil {
		v.Ledger = &LedgerView{State: entry.State, Attempts: entry.Attempts, Failures: entry.Failures,
			LastError: entry.LastError, Interrupted: entry.Interrupted, UpdatedAt: entry.UpdatedAt}
	}
	v.State, v.Final = state(v.Result, entry)
	v.Decisions, err = d.index.Decisions(ctx, id)
	return v, err
}

// requested reads id's latest request from the actions stream, or nil.
func (a *API) requested(ctx context.Context, d *deps, id string) (*actions.Action, error) {
	seq, ok, err := d.index.RequestSeq(ctx, id)
	if err != nil || !ok {
		return nil, err
	}
	m, err := d.streams[events.StreamActions].GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil // aged out of the actions stream
	}
	if err != nil {
		return nil, fmt.Errorf("read request %s: %w", id, err)
	}
	act, err := decode[actions.Action](m.Data)
	if err != nil {
		return nil, err
	}
	return &act, nil
}

func readResult(ctx context.Context, d *deps, seq uint64) (events.ActionResult, error) {
	m, err := d.streams[events.StreamResults].GetMsg(ctx, seq)
	if err != nil {
		return events.ActionResult{}, fmt.Errorf("read result at %d: %w", seq, err)
	}
	return decode[events.ActionResult](m.Data)
}

func decode[T any](data []byte) (T, error) {
	ev, err := events.Decode(data)
	if err != nil {
		var zero T
		return zero, err
	}
	return events.DataAs[T](ev)
}

// state names where the action is, and whether that is final.
func state(r *events.ActionResult, e *ledger.Entry) (string, bool) {
	switch {
	case r != nil && r.Status == actions.StatusSkipped && r.Guard == actions.GuardParked:
		return StateParked, false
	case r != nil:
		// A failed action may be replayed from the DLQ, but that is
		// someone's decision: until then, failed is the answer.
		return string(r.Status), true
	case e != nil:
		return StateRunning, false
	default:
		return StateRequested, false
	}
}
