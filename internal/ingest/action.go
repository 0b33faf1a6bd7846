package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/google/uuid"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/apierr"
	"github.com/quell-dev/quell/internal/events"
)

// ActionRequest is the body of POST /v1/actions.
type ActionRequest struct {
	Action string `json:"action"`
	Target string `json:"target"`
	// User is a string ("jdoe", "CORP\\jdoe", "j@example.com") or an object
	// with the fields of [actions.UserRef].
	User        json.RawMessage `json:"user"`
	Params      map[string]any  `json:"params,omitempty"`
	Reason      string          `json:"reason"`
	RequestedBy string          `json:"requested_by,omitempty"`
	DryRun      bool            `json:"dry_run,omitempty"`
	// IdempotencyKey (or the Idempotency-Key header) makes a retried request
	// the same action; without one a new key is generated.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// action serves POST /v1/actions: validate, then store the request on
// quell.actions.<target>.<action> for the executor.
func (s *Server) action(_ http.ResponseWriter, r *http.Request) (accepted, error) {
	caller, err := s.bearer(r, auth.ActionsWrite)
	if err != nil {
		return accepted{}, err
	}
	if err := requireJSON(r); err != nil {
		return accepted{}, err
	}
	body, err := readBody(r)
	if err != nil {
		return accepted{}, err
	}
	var req ActionRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return accepted{}, badRequest("invalid JSON: " + err.Error())
	}
	a, err := s.buildAction(req, caller, r.Header.Get("Idempotency-Key"))
	if err != nil {
		return accepted{}, err
	}
	ev, err := events.NewActionRequested(events.SourceResponder, a)
	if err != nil {
		return accepted{}, badRequest(err.Error())
	}
	return s.publishAll(r.Context(), func(cloudevents.Event) string {
		return events.ActionSubject(a.Target, string(a.Kind))
	}, []cloudevents.Event{ev})
}

func (s *Server) buildAction(req ActionRequest, caller, headerKey string) (actions.Action, error) {
	var problems []string
	kind, err := actions.ParseKind(req.Action)
	if err != nil {
		problems = append(problems, "action: "+err.Error())
	}
	targetKind, ok := s.cfg.Targets[req.Target]
	switch {
	case req.Target == "":
		problems = append(problems, "target: missing")
	case !ok:
		problems = append(problems, fmt.Sprintf("target: %q is not a configured target", req.Target))
	case err == nil && s.cfg.Supports != nil && !s.cfg.Supports(targetKind, kind):
		problems = append(problems, fmt.Sprintf("target %s (%s) cannot %s", req.Target, targetKind, kind))
	case kind == actions.RotateClientSecret && !s.cfg.SecretTargets[req.Target]:
		problems = append(problems, fmt.Sprintf("target %s has no secret_recipients: the rotated secret would have no one to be delivered to", req.Target))
	}
	user, uerr := parseUser(req.User)
	if uerr != nil {
		problems = append(problems, "user: "+uerr.Error())
	}
	if strings.TrimSpace(req.Reason) == "" {
		problems = append(problems, "reason: missing (it goes into the audit trail)")
	}
	if len(problems) > 0 {
		return actions.Action{}, badRequest(strings.Join(problems, "; "))
	}
	key := headerKey
	if key == "" {
		key = req.IdempotencyKey
	}
	if key == "" {
		key = uuid.NewString()
	}
	requestedBy := caller
	if req.RequestedBy != "" {
		requestedBy = caller + ":" + req.RequestedBy
	}
	a := actions.Action{Kind: kind, Target: req.Target, User: user, Params: req.Params, Reason: req.Reason,
		RequestedBy: requestedBy, DryRun: req.DryRun || s.cfg.DryRun || s.cfg.DryRunTargets[req.Target], RequestedAt: s.cfg.Now().UTC()}
	a.AssignID("manual " + caller + " " + key)
	return a, nil
}

func parseUser(raw json.RawMessage) (actions.UserRef, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return actions.UserRef{}, errors.New("missing")
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		u := actions.ParseUserRef(str)
		if u.IsZero() {
			return u, errors.New("empty")
		}
		return u, nil
	}
	var u actions.UserRef
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		return u, fmt.Errorf("want a string or an object of username, domain, email, upn, object_id, employee_id, target_id: %v", err)
	}
	if u.IsZero() {
		return u, errors.New("no identifier given")
	}
	return u, nil
}

func badRequest(msg string) error { return apierr.New(http.StatusBadRequest, "invalid_request", msg) }
