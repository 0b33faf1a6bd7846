package actions

import "time"

// Result is the outcome of one action: what the executor decides, what the
// worker publishes as the data of the action.completed, action.failed and
// action.skipped events
// ([github.com/quell-dev/quell/internal/events.ActionResult] is this type),
// and what the API and the console read back.
type Result struct {
	Action Action `json:"action"`
	Status Status `json:"status"`
	// Reason says why it was skipped or failed, or what was done.
	Reason  string  `json:"reason,omitempty"`
	Outcome Outcome `json:"outcome"`
	// ErrorClass is "transient" or "permanent" for failures.
	ErrorClass string `json:"error_class,omitempty"`
	// Guard is set when a safety guard skipped the action: [GuardRefused]
	// (protected account), [GuardParked] (waiting for approval) or
	// [GuardRejected].
	Guard string `json:"guard,omitempty"`
	// Attempts counts target calls made across all deliveries of this action.
	Attempts int `json:"attempts"`
	// Deliveries is the JetStream delivery number that produced the result.
	Deliveries int `json:"deliveries"`
	// Replays counts how often the action was replayed from the DLQ.
	Replays    int       `json:"replays,omitempty"`
	Worker     string    `json:"worker,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Replayed is true when the ledger already held this result: the
	// effect happened on an earlier delivery. It is not on the wire.
	Replayed bool `json:"-"`
}

// Guards that can skip an action ([Result.Guard]).
const (
	GuardRefused  = "refused"  // a protected account: never acted on
	GuardParked   = "parked"   // past the blast-radius limit: waits for approval
	GuardRejected = "rejected" // a parked action an operator (or the timeout) rejected
)

// DetailEffect is the Details key that says who made an effect found
// already in place: [EffectEarlierAttempt] when one of this action's own
// writes was sent and its answer lost (Quell most likely made it), and
// [EffectPossiblyEarlierAttempt] when an attempt was interrupted without
// recording whether it sent anything (it may have, or another action on
// the same user may have).
const (
	DetailEffect                 = "effect"
	EffectEarlierAttempt         = "earlier_attempt"
	EffectPossiblyEarlierAttempt = "possibly_earlier_attempt"
)
