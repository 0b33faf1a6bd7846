package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ledger"
)

// UndoRequest is the body of POST /v1/actions/{id}/undo.
type UndoRequest struct {
	Reason string `json:"reason"`
	// Force restores the earlier state even if it changed since.
	Force bool `json:"force,omitempty"`
	// RequestedBy names the person behind the token, as on POST /v1/actions.
	RequestedBy string `json:"requested_by,omitempty"`
}

// UndoAccepted is its answer: the undo is a new action, read it with GET
// /v1/actions/{id}.
type UndoAccepted struct {
	ID     string `json:"id"`
	UndoOf string `json:"undo_of"`
}

func (a *API) undo(ctx context.Context, c call) (int, any, error) {
	id := c.r.PathValue("id")
	var req UndoRequest
	if err := decodeBody(c.r, &req); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return 0, nil, badRequest("reason: missing (it goes into the audit trail)")
	}
	if !index.ValidID(id) {
		return 0, nil, notFound("no action " + id)
	}
	// Recorded like a direct request: "<token>" or "<token>:<requested_by>".
	by := c.token.Name
	if req.RequestedBy != "" {
		by += ":" + req.RequestedBy
	}
	u, err := c.deps.ledger.BuildUndo(ctx, id, by, req.Reason, req.Force, a.cfg.Now())
	if err != nil {
		return 0, nil, undoError(err)
	}
	ev, err := events.NewActionRequested(events.SourceResponder, u)
	if err != nil {
		return 0, nil, err
	}
	if _, err := c.deps.pub.Publish(ctx, events.ActionSubject(u.Target, string(u.Kind)), ev); err != nil {
		return 0, nil, errors.Join(errUnavailable, err)
	}
	a.cfg.Logger.InfoContext(ctx, "undo requested", "action_id", id, "undo_id", u.ID, "token", c.token.Name, "force", req.Force)
	if err := c.deps.index.Record(ctx, id, index.Decision{Op: "undo", Token: c.token.Name, Reason: req.Reason, Ref: u.ID}); err != nil {
		a.cfg.Logger.WarnContext(ctx, "undo not recorded in the index", "action_id", id, "error", err)
	}
	return http.StatusAccepted, UndoAccepted{ID: u.ID, UndoOf: id}, nil
}

func undoError(err error) error {
	switch {
	case errors.Is(err, ledger.ErrNoEntry):
		return notFound(err.Error())
	case errors.Is(err, ledger.ErrNotFinished):
		return conflict("not_finished", err.Error())
	case actions.IsPermanent(err):
		return conflict("not_undoable", err.Error())
	default:
		return fmt.Errorf("build undo: %w", err)
	}
}
