package events

import (
	"fmt"
	"regexp"
	"strings"
)

// Stream names and the ledger bucket.
const (
	StreamEvents  = "QUELL_EVENTS"
	StreamActions = "QUELL_ACTIONS"
	StreamResults = "QUELL_RESULTS"
	StreamDLQ     = "QUELL_DLQ"
	BucketLedger  = "quell_ledger"
	// BucketSecrets holds rotated secrets, age-encrypted, under the action id.
	BucketSecrets = "quell_secrets"
	// BucketStatus holds what workers report about themselves (circuit
	// states), refreshed while they run and expiring when they stop.
	BucketStatus = "quell_status"
	// BucketLimits holds the blast-radius windows, one key of counters per
	// target and action, and a marker per admitted action id.
	BucketLimits = "quell_limits"
	// BucketParked holds actions parked for approval, by action id.
	BucketParked = "quell_parked"
	// BucketIndex indexes results, requests and events by action id, user,
	// time and event id for the HTTP API (internal/api/index).
	BucketIndex = "quell_index"
	// BucketSCIM holds the users an identity provider provisioned over
	// SCIM (internal/scim), and their userName index.
	BucketSCIM = "quell_scim"
)

// Subject kinds for quell.events.<kind>.<source>.
const (
	KindAlert      = "alert"
	KindHR         = "hr"
	KindCloudEvent = "ce"
)

// DLQ stages for quell.dlq.<stage>.
const (
	StagePlan    = "plan"
	StageExecute = "execute"
)

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ValidToken reports whether s can be one token of a subject (configured
// source and target names must be).
func ValidToken(s string) bool { return tokenRE.MatchString(s) }

// CheckToken returns an error naming what is wrong with s as a subject token.
func CheckToken(s string) error {
	if !ValidToken(s) {
		return fmt.Errorf("%q must be letters, digits, '-' or '_' (it becomes a NATS subject token)", s)
	}
	return nil
}

// EventSubject is quell.events.<kind>.<source>.
func EventSubject(kind, source string) string { return join("quell.events", kind, source) }

// ActionSubject is quell.actions.<target>.<action>.
func ActionSubject(target, action string) string { return join("quell.actions", target, action) }

// ResultSubject is quell.results.<target>.<action>.
func ResultSubject(target, action string) string { return join("quell.results", target, action) }

// DLQSubject is quell.dlq.<stage>.
func DLQSubject(stage string) string { return join("quell.dlq", stage) }

// KindForType maps an event type to the <kind> subject token.
func KindForType(typ string) string {
	switch typ {
	case TypeAlert:
		return KindAlert
	case TypeHREmployee:
		return KindHR
	default:
		return KindCloudEvent
	}
}

func join(prefix string, tokens ...string) string {
	for i, t := range tokens {
		if !ValidToken(t) {
			// Subjects are built from validated names; anything else is
			// escaped rather than allowed to add wildcards or levels.
			tokens[i] = strings.Map(func(r rune) rune {
				if r == '.' || r == '*' || r == '>' || r <= ' ' {
					return '_'
				}
				return r
			}, t)
		}
	}
	return prefix + "." + strings.Join(tokens, ".")
}
