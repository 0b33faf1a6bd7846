package events

import (
	"encoding/json"
	"time"

	"github.com/quell-dev/quell/internal/actions"
)

// Event types of SPEC.md.
const (
	TypeAlert           = "dev.quell.alert.v1"
	TypeHREmployee      = "dev.quell.hr.employee.v1"
	TypeActionRequested = "dev.quell.action.requested.v1"
	TypeActionCompleted = "dev.quell.action.completed.v1"
	TypeActionFailed    = "dev.quell.action.failed.v1"
	TypeActionSkipped   = "dev.quell.action.skipped.v1"
)

// CloudEvents sources of the events Quell itself produces.
const (
	SourcePlanner   = "/quell/planner"
	SourceResponder = "/quell/responder"
	SourceExecutor  = "/quell/executor"
)

// SourceFor returns the CloudEvents source of events received from the
// configured source named name.
func SourceFor(name string) string { return "/quell/sources/" + name }

// Alert is the data of a dev.quell.alert.v1 event: one SIEM/SOAR alert about
// one user, normalized.
type Alert struct {
	// SourceKind is the parser that produced it (generic, splunk, ...).
	SourceKind string `json:"source_kind"`
	// SourceName is the configured source (sources[].name).
	SourceName string `json:"source_name"`
	// SourceEventID is the sender's own id for the alert, when it has one.
	SourceEventID string `json:"source_event_id,omitempty"`
	Title         string `json:"title,omitempty"`
	Rule          string `json:"rule,omitempty"`
	// Severity is normalized to 0-100; SeverityOriginal keeps what was sent.
	Severity         int             `json:"severity"`
	SeverityOriginal string          `json:"severity_original,omitempty"`
	User             actions.UserRef `json:"user"`
	Links            []string        `json:"links,omitempty"`
	ReceivedAt       time.Time       `json:"received_at"`
	// Identity-provider events (source kind okta) also carry what the
	// provider's log says: the event type (user.lifecycle.deactivate), its
	// outcome (SUCCESS, FAILURE), who did it, what it was done to, when,
	// and from where.
	EventType     string      `json:"event_type,omitempty"`
	Outcome       string      `json:"outcome,omitempty"`
	OutcomeReason string      `json:"outcome_reason,omitempty"`
	Actor         *Principal  `json:"actor,omitempty"`
	Targets       []Principal `json:"targets,omitempty"`
	Published     time.Time   `json:"published,omitzero"`
	Client        *Client     `json:"client,omitempty"`
	// Raw is the sender's payload, capped in size by the ingest.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// Principal is an actor or target of an identity-provider event: a user,
// a group, an application.
type Principal struct {
	ID          string `json:"id,omitempty"`
	Type        string `json:"type,omitempty"`
	AlternateID string `json:"alternate_id,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
}

// Client is where an identity-provider event came from.
type Client struct {
	IPAddress  string   `json:"ip_address,omitempty"`
	City       string   `json:"city,omitempty"`
	State      string   `json:"state,omitempty"`
	Country    string   `json:"country,omitempty"`
	PostalCode string   `json:"postal_code,omitempty"`
	Latitude   *float64 `json:"latitude,omitempty"`
	Longitude  *float64 `json:"longitude,omitempty"`
}

// HREmployee is the data of a dev.quell.hr.employee.v1 event: one change to
// one employee reported by an HR system.
type HREmployee struct {
	SourceKind    string `json:"source_kind"`
	SourceName    string `json:"source_name"`
	SourceEventID string `json:"source_event_id,omitempty"`
	// Change is "terminated", "updated" or "created".
	Change        string          `json:"change"`
	User          actions.UserRef `json:"user"`
	ChangedFields map[string]any  `json:"changed_fields,omitempty"`
	EffectiveDate string          `json:"effective_date,omitempty"`
	ReceivedAt    time.Time       `json:"received_at"`
	Raw           json.RawMessage `json:"raw,omitempty"`
}

// ActionResult is the data of the action.completed / failed / skipped
// events: the executor's [actions.Result], as published.
type ActionResult = actions.Result

// ResultType maps an action status to its event type.
func ResultType(s actions.Status) string {
	switch s {
	case actions.StatusCompleted:
		return TypeActionCompleted
	case actions.StatusSkipped:
		return TypeActionSkipped
	default:
		return TypeActionFailed
	}
}
