package actions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kind names one of the actions Quell can carry out.
type Kind string

// The actions of SPEC.md. Each is defined once here and mapped onto each
// target kind that supports it by that target's client.
const (
	Quarantine         Kind = "quarantine"
	UpdateAttributes   Kind = "update_attributes"
	RotateClientSecret Kind = "rotate_client_secret"
	RemoveGroup        Kind = "remove_group"
	AddGroup           Kind = "add_group"
	TerminateSessions  Kind = "terminate_sessions"
)

// Kinds lists every action kind, in a stable order.
var Kinds = []Kind{Quarantine, UpdateAttributes, RotateClientSecret, RemoveGroup, AddGroup, TerminateSessions}

// ParseKind returns the [Kind] named s, or an error listing the valid ones.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown action %q (want one of %s)", s, strings.Join(names, ", "))
}

// UserRef identifies the person an action is about by whatever the signal
// carried. A target resolves it to its own user id; at least one field must
// be set.
type UserRef struct {
	Username   string `json:"username,omitempty"`
	Domain     string `json:"domain,omitempty"`
	Email      string `json:"email,omitempty"`
	UPN        string `json:"upn,omitempty"`
	ObjectID   string `json:"object_id,omitempty"`
	EmployeeID string `json:"employee_id,omitempty"`
	// TargetID is the target's own id for the user, when the requester knows it.
	TargetID string `json:"target_id,omitempty"`
}

// IsZero reports whether no identifier is set.
func (u UserRef) IsZero() bool { return u == UserRef{} }

// String is a short human form, used in logs and reasons.
func (u UserRef) String() string {
	switch {
	case u.Domain != "" && u.Username != "":
		return u.Domain + `\` + u.Username
	case u.Username != "":
		return u.Username
	case u.UPN != "":
		return u.UPN
	case u.Email != "":
		return u.Email
	case u.TargetID != "":
		return "id:" + u.TargetID
	case u.ObjectID != "":
		return "oid:" + u.ObjectID
	case u.EmployeeID != "":
		return "employee:" + u.EmployeeID
	}
	return "<no user>"
}

// canonical is the identity used in deterministic ids: every field, in order.
func (u UserRef) canonical() string {
	return strings.Join([]string{u.Username, u.Domain, u.Email, u.UPN, u.ObjectID, u.EmployeeID, u.TargetID}, "\x1f")
}

// Action is one request to change one user on one target.
type Action struct {
	// ID is deterministic (see [NewID]): the same cause asking for the same
	// change gets the same id, and the executor acts at most once per id.
	ID     string         `json:"id"`
	Kind   Kind           `json:"action"`
	Target string         `json:"target"`
	User   UserRef        `json:"user"`
	Params map[string]any `json:"params,omitempty"`
	// Reason is the human explanation carried into the audit trail.
	Reason string `json:"reason,omitempty"`
	// RequestedBy is "policy" for planned actions or the responder's name.
	RequestedBy string `json:"requested_by,omitempty"`
	// Cause is the id of the event that led to this action, if any.
	Cause string `json:"cause,omitempty"`
	// Rule names the policy rule that planned it, if any.
	Rule   string `json:"rule,omitempty"`
	DryRun bool   `json:"dry_run,omitempty"`
	// OnlyIfExists marks an action fanned out to every target: a user with
	// no account on this one is skipped, not failed.
	OnlyIfExists bool `json:"only_if_exists,omitempty"`
	// ApprovedBy names the operator who approved a parked action; an
	// approved action is not held to the blast-radius limit again.
	ApprovedBy  string    `json:"approved_by,omitempty"`
	RequestedAt time.Time `json:"requested_at"`
	// Undo describes the action an undo reverses ([Kind] [Undo] only).
	Undo *UndoSpec `json:"undo,omitempty"`
}

// Validate checks what every target needs: an id, a known kind, a target and
// a user.
func (a Action) Validate() error {
	var problems []string
	if a.ID == "" {
		problems = append(problems, "id: missing")
	}
	switch _, err := ParseKind(string(a.Kind)); {
	case a.Kind == Undo && (a.Undo == nil || a.Undo.Of == ""):
		problems = append(problems, "undo: does not say which action it reverses")
	case a.Kind != Undo && err != nil:
		problems = append(problems, "action: "+err.Error())
	}
	if a.Target == "" {
		problems = append(problems, "target: missing")
	}
	if a.User.IsZero() {
		problems = append(problems, "user: no identifier given")
	}
	if len(problems) > 0 {
		return Permanent(fmt.Errorf("invalid action: %s", strings.Join(problems, "; ")))
	}
	return nil
}

// NewID derives an action id from everything that makes two requests "the
// same action": the cause, the rule, the kind, the target, the user, the
// parameters and whether it is a dry run (a rehearsal is not the act, and
// must not stand in for it). A redelivered event therefore plans the same
// ids again.
func NewID(cause, rule string, kind Kind, target string, user UserRef, params map[string]any, dryRun bool) string {
	h := sha256.New()
	for _, part := range []string{cause, rule, string(kind), target, user.canonical(), canonicalParams(params), fmt.Sprint(dryRun)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return "act_" + hex.EncodeToString(h.Sum(nil)[:16])
}

// AssignID sets a.ID from cause and a's own fields (see [NewID]).
func (a *Action) AssignID(cause string) {
	a.ID = NewID(cause, a.Rule, a.Kind, a.Target, a.User, a.Params, a.DryRun)
}

// LockKey names the lock that serializes actions on a's user at a's target.
func (a Action) LockKey() string {
	sum := sha256.Sum256([]byte(a.Target + "\x00" + a.User.canonical()))
	return "lock_" + hex.EncodeToString(sum[:16])
}

func canonicalParams(p map[string]any) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%v\x1f", k, p[k])
	}
	return b.String()
}

// ParseUserRef reads a user as people write one: DOMAIN\name, an address
// with @ (tried as UPN and as email), or a plain username.
func ParseUserRef(s string) UserRef {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return UserRef{}
	case strings.Contains(s, `\`):
		domain, name, _ := strings.Cut(s, `\`)
		return UserRef{Domain: domain, Username: name}
	case strings.Contains(s, "@"):
		return UserRef{UPN: s, Email: s}
	default:
		return UserRef{Username: s}
	}
}
