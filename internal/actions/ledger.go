package actions

import (
	"context"
	"errors"
	"time"

	"github.com/quell-dev/quell/internal/secret"
)

// Ledger records, per action id, whether the action is running, done or
// free to run, so that its effect happens at most once across redeliveries,
// restarts and replicas. Implementations must use compare-and-set.
type Ledger interface {
	// Acquire takes id's lease for owner until now+lease. It returns
	// [ErrAlreadyDone] (with the entry) when the action has finished, and
	// [ErrInFlight] when another owner holds an unexpired lease.
	Acquire(ctx context.Context, a Action, owner string, lease time.Duration) (Lease, error)
	// Finish records the final result; the action will not run again.
	Finish(ctx context.Context, l Lease, r Record) error
	// Release gives the lease back after a failed delivery, recording the
	// totals of target calls and of failed attempts (deliveries that reached
	// the target and failed) and the last error, so a later delivery may run it.
	Release(ctx context.Context, l Lease, calls, failures int, lastErr string) error
}

// ErrAlreadyDone is returned by [Ledger.Acquire] for a finished action.
var ErrAlreadyDone = errors.New("action already done")

// Lease is a held claim on one action id.
type Lease struct {
	ActionID string
	// Revision is the ledger revision the lease was written at (for CAS).
	Revision uint64
	// Attempts counts target calls made by earlier deliveries.
	Attempts int
	// Failures counts earlier deliveries that reached the target and failed.
	Failures int
	// Interrupted is true when an earlier attempt took the lease and never
	// released or finished it: it may have reached the target.
	Interrupted bool
	// Unanswered lists the writes earlier attempts sent without hearing
	// the answer (see [UnansweredError]); the executor adds this delivery's
	// before it releases or finishes the lease, and the ledger keeps them.
	Unanswered []Call
	// Done holds the finished record when Acquire returned [ErrAlreadyDone].
	Done *Record
}

// Record is the final state of an action in the ledger.
type Record struct {
	Status     Status    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Outcome    Outcome   `json:"outcome"`
	Attempts   int       `json:"attempts"`
	FinishedAt time.Time `json:"finished_at"`
}

// Locker serializes actions on the same user of the same target, across
// replicas, so that two read-before-write sequences never interleave (two
// alerts about one user must not both see "not quarantined", and two
// attribute updates must not overwrite each other).
type Locker interface {
	// TryLock takes the lock named key for owner until now+ttl. It returns
	// [ErrInFlight] while another owner holds an unexpired lock.
	TryLock(ctx context.Context, key, owner string, ttl time.Duration) (unlock func(context.Context) error, err error)
}

// SecretSink takes a secret an action produced and delivers it so that no
// one but its recipient can read it; the executor calls it before the
// action is recorded as done.
type SecretSink interface {
	// CanDeliver says, before anything is sent, whether a secret produced
	// by a would have a recipient.
	CanDeliver(a Action) error
	Deliver(ctx context.Context, a Action, s secret.Secret) error
}

// Safety decides, before anything is sent or recorded, whether an action
// may run now: a protected account is never acted on, and past a
// blast-radius limit actions wait for an operator's approval.
type Safety interface {
	Check(ctx context.Context, a Action) (SafetyVerdict, error)
}

// SafetyVerdict is a [Safety]'s answer; the zero value lets the action run.
type SafetyVerdict struct {
	// Refuse skips the action for good, with this reason.
	Refuse string
	// Park means the [Safety] has stored the action for approval, for this
	// reason; it runs only if an operator approves it.
	Park string
}
