package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/api/index"
	"github.com/quell-dev/quell/internal/safety"
)

// DecideRequest is the body of POST /v1/parked/{id}/approve and /reject.
type DecideRequest struct {
	Reason string `json:"reason"`
}

// Decided is their answer.
type Decided struct {
	ID       string `json:"id"`
	Decision string `json:"decision"`
	By       string `json:"by"`
	Reason   string `json:"reason"`
}

func (a *API) listParked(ctx context.Context, c call) (int, any, error) {
	list, err := c.deps.board.List(ctx)
	if err != nil {
		return 0, nil, err
	}
	if list == nil {
		list = []safety.Parked{}
	}
	return http.StatusOK, Page[safety.Parked]{Items: list}, nil
}

func (a *API) approve(ctx context.Context, c call) (int, any, error) {
	return a.decide(ctx, c, "approve", "approved", func(id, reason string) error {
		_, err := c.deps.board.Approve(ctx, id, who(c.token))
		return err
	})
}

func (a *API) reject(ctx context.Context, c call) (int, any, error) {
	return a.decide(ctx, c, "reject", "rejected", func(id, reason string) error {
		_, err := c.deps.board.Reject(ctx, id, who(c.token), reason)
		return err
	})
}

// decide checks the request and the parked action, applies fn and records
// the decision with the token that took it. Of two approvers deciding at
// once, the board's compare-and-set lets one win; the other gets 409.
func (a *API) decide(ctx context.Context, c call, op, verb string, fn func(id, reason string) error) (int, any, error) {
	id := c.r.PathValue("id")
	var req DecideRequest
	if err := decodeBody(c.r, &req); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return 0, nil, badRequest("reason: missing (it goes into the audit trail)")
	}
	if !index.ValidID(id) {
		return 0, nil, notFound("no parked action " + id)
	}
	p, err := c.deps.board.Get(ctx, id)
	if errors.Is(err, safety.ErrNotParked) {
		return 0, nil, a.notParked(ctx, c.deps, id)
	}
	if err != nil {
		return 0, nil, err
	}
	if op == "approve" && a.cfg.FourEyes && requester(p.Action.RequestedBy) == c.token.Name {
		return 0, nil, apiError(http.StatusForbidden, "four_eyes",
			fmt.Sprintf("token %q requested %s and cannot approve it too: another approver must (ingest.four_eyes)", c.token.Name, id))
	}
	if err := fn(id, req.Reason); err != nil {
		if errors.Is(err, safety.ErrNotParked) {
			return 0, nil, conflict("already_decided", fmt.Sprintf("%s was decided meanwhile", id))
		}
		return 0, nil, err
	}
	a.cfg.Logger.InfoContext(ctx, "parked action "+verb, "action_id", id, "token", c.token.Name, "reason", req.Reason)
	if err := c.deps.index.Record(ctx, id, index.Decision{Op: op, Token: c.token.Name, Reason: req.Reason}); err != nil {
		// Decided, and the decision is in the action or its result; only
		// the API's own record of it failed.
		a.cfg.Logger.WarnContext(ctx, "decision not recorded in the index", "action_id", id, "error", err)
	}
	return http.StatusOK, Decided{ID: id, Decision: verb, By: who(c.token), Reason: req.Reason}, nil
}

// notParked tells an action decided already (409) from no action (404).
func (a *API) notParked(ctx context.Context, d *deps, id string) error {
	if _, err := a.actionView(ctx, d, id); err == nil {
		return conflict("not_parked", fmt.Sprintf("%s is not parked: it was decided already, or never needed approval", id))
	}
	return notFound("no parked action " + id)
}
