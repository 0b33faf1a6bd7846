package actions

import (
	"errors"
	"fmt"
	"time"
)

// Class is how the executor treats an error.
type Class int

// Error classes. ClassTransient is the default for unclassified errors: it is
// safer to retry a read-before-write action than to drop it.
const (
	ClassTransient Class = iota
	ClassPermanent
)

func (c Class) String() string {
	if c == ClassPermanent {
		return "permanent"
	}
	return "transient"
}

// Sentinel errors that callers branch on with [errors.Is].
var (
	// ErrUserNotFound means the target has no user matching the [UserRef].
	ErrUserNotFound = errors.New("user not found")
	// ErrUnsupported means the target kind cannot carry out the action.
	ErrUnsupported = errors.New("action not supported by target")
	// ErrUnknownTarget means no target of that name is configured.
	ErrUnknownTarget = errors.New("unknown target")
	// ErrInFlight means another worker holds the action's lease right now.
	ErrInFlight = errors.New("action in flight elsewhere")
	// ErrTargetUnavailable means the target was not called at all (its
	// circuit is open): the delivery waits and does not count as a failed
	// attempt.
	ErrTargetUnavailable = errors.New("target unavailable")
)

// InFlightError says who holds an action or user lock and until when; it
// matches [ErrInFlight] with [errors.Is].
type InFlightError struct {
	What  string
	Owner string
	Until time.Time
}

func (e *InFlightError) Error() string {
	return fmt.Sprintf("%s: %s is held by %s until %s", ErrInFlight, e.What, e.Owner, e.Until.Format(time.RFC3339))
}

// Is makes errors.Is(err, ErrInFlight) true.
func (e *InFlightError) Is(target error) bool { return target == ErrInFlight }

type classified struct {
	err        error
	class      Class
	retryAfter time.Duration
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

// Permanent marks err as not worth retrying (400, 403, 404, validation).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, class: ClassPermanent}
}

// Transient marks err as worth retrying (network, 408, 429, 5xx, expired
// session). retryAfter, if positive, is the earliest the target asked to be
// called again.
func Transient(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &classified{err: err, class: ClassTransient, retryAfter: retryAfter}
}

// Classify returns err's class and requested retry delay. Errors wrapped
// several times keep the outermost classification; [ErrUserNotFound],
// [ErrUnsupported] and [ErrUnknownTarget] are permanent even unwrapped.
func Classify(err error) (Class, time.Duration) {
	var c *classified
	if errors.As(err, &c) {
		return c.class, c.retryAfter
	}
	if errors.Is(err, ErrUserNotFound) || errors.Is(err, ErrUnsupported) || errors.Is(err, ErrUnknownTarget) {
		return ClassPermanent, 0
	}
	return ClassTransient, 0
}

// IsPermanent reports whether err is classified permanent.
func IsPermanent(err error) bool {
	c, _ := Classify(err)
	return c == ClassPermanent
}

// Unsupported returns the clear refusal for an action a target cannot do.
func Unsupported(targetKind string, k Kind) error {
	return Permanent(fmt.Errorf("%w: %s cannot %s", ErrUnsupported, targetKind, k))
}

// UnansweredError is a state-changing request that was sent but got no
// answer (a timeout, a connection dropped mid-exchange): it may have taken
// effect. The executor keeps the call, so that when a later attempt finds
// the state already as wanted, the result says which of Quell's own calls
// most likely made the change.
type UnansweredError struct {
	Call Call
	Err  error
}

func (e *UnansweredError) Error() string { return e.Err.Error() }
func (e *UnansweredError) Unwrap() error { return e.Err }

// UnansweredCall returns the call of an *[UnansweredError] in err's chain.
func UnansweredCall(err error) (Call, bool) {
	var ue *UnansweredError
	if errors.As(err, &ue) {
		return ue.Call, true
	}
	return Call{}, false
}
