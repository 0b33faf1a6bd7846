package actions

import (
	"context"

	"github.com/quell-dev/quell/internal/secret"
)

// Status is how an action ended.
type Status string

// The three outcomes a result event reports.
const (
	StatusCompleted Status = "completed"
	StatusSkipped   Status = "skipped"
	StatusFailed    Status = "failed"
)

// Call describes one request made (or, in dry-run, one that would be made)
// to a target API. It never holds a secret.
type Call struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status is the HTTP status received; 0 when no answer arrived (or, in
	// a dry run or a plan, the call was not made).
	Status int `json:"status,omitempty"`
	// Body is the request body with secrets redacted, when there was one.
	Body any `json:"body,omitempty"`
}

// Outcome is what a target reports for an action it handled without error.
type Outcome struct {
	// Status is [StatusCompleted] when the target changed state, [StatusSkipped]
	// when the read-before-write check found the state already as wanted.
	Status Status `json:"status"`
	// Reason explains a skip ("already quarantined") or summarises the change.
	Reason string `json:"reason,omitempty"`
	// TargetUserID is the target's own id of the resolved user.
	TargetUserID string `json:"target_user_id,omitempty"`
	// Calls lists the requests that changed state, in order.
	Calls []Call `json:"calls,omitempty"`
	// Details carries non-secret facts, such as a rotated secret's fingerprint.
	Details map[string]string `json:"details,omitempty"`
	// Before is the state the action changed, as it was before: the
	// fields it changed, in the target's terms, as undo restores them.
	// After is the same fields as the action left them; undo checks the
	// state is still that. Every completed action that changed something
	// sets both.
	Before map[string]any `json:"before,omitempty"`
	After  map[string]any `json:"after,omitempty"`
	// Refused is set when a safety rule the target checked (membership of
	// a protected group) stopped the action: the result's guard is "refused".
	Refused bool `json:"refused,omitempty"`
	// Secret is a credential the action produced (rotate_client_secret). It
	// is never serialized: the executor encrypts it for its recipient at
	// once, and only its fingerprint (Details["secret_fingerprint"]) travels.
	Secret secret.Secret `json:"-"`
}

// GroupReader is implemented by targets that can list a user's groups; the
// executor uses it to keep members of protected groups out of reach. A
// target that cannot answers with an error wrapping [ErrUnsupported].
type GroupReader interface {
	UserGroups(ctx context.Context, u UserRef) ([]string, error)
}

// DetailSecretFingerprint is the Details key of a produced secret's fingerprint.
const DetailSecretFingerprint = "secret_fingerprint"

// Target is one configured system that actions run against.
//
// Execute resolves the user, reads the current state and changes it only if
// it differs (read-before-write), so that repeating an action that already
// took effect reports [StatusSkipped] instead of acting twice. Errors must be
// classified with [Permanent] or [Transient]; an unclassified error is treated
// as transient.
type Target interface {
	// Name is the target's configured name (targets[].name).
	Name() string
	// Kind is the target kind ("beyondinsight", "commvault", "threadfix").
	Kind() string
	// Supports reports whether this target kind can carry out k.
	Supports(k Kind) bool
	// Execute carries out a against the target.
	Execute(ctx context.Context, a Action) (Outcome, error)
}
