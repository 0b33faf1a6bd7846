package index

import (
	"time"

	"github.com/quell-dev/quell/internal/actions"
)

// Record is the a.<id> entry: where an action's latest result is, and
// enough of it to decide whether a long poll is over without reading it.
type Record struct {
	// Seq is the results stream sequence of the latest result.
	Seq        uint64         `json:"seq"`
	Status     actions.Status `json:"status"`
	Guard      string         `json:"guard,omitempty"`
	FinishedAt time.Time      `json:"finished_at"`
}

// Final reports whether the result is the action's last word: completed,
// failed, or skipped for any reason but waiting for approval.
func (r Record) Final() bool {
	return r.Status != "" && !(r.Status == actions.StatusSkipped && r.Guard == actions.GuardParked)
}

// seqOnly is the value of q. and e. entries.
type seqOnly struct {
	Seq uint64 `json:"seq"`
}

// Decision is one approval, rejection, replay or undo taken through the
// API, recorded with the token that took it.
type Decision struct {
	Op     string    `json:"op"`
	Token  string    `json:"token"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	// Ref is what the decision produced or acted on: the undo's action id,
	// or the DLQ sequence replayed.
	Ref string `json:"ref,omitempty"`
}
