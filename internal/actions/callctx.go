package actions

import (
	"context"
	"errors"
	"fmt"
)

// What a delivery hands down to the target's HTTP client through the
// context: which action a request belongs to (sent to the target, so an
// effect can be traced to its action), and a fence that every write must
// pass, so a worker that was paused past its lease does not act on an
// action another worker has taken over.

type actionIDKey struct{}

type fenceKey struct{}

// ErrFenced means a write was not sent because this worker no longer holds
// the action's lease. It wraps [ErrTargetUnavailable]: nothing reached the
// target, so it is not a failed attempt.
var ErrFenced = fmt.Errorf("lease no longer held; write not sent (%w)", ErrTargetUnavailable)

// WithActionID returns ctx carrying the action id.
func WithActionID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, actionIDKey{}, id)
}

// ActionIDFrom returns the action id ctx carries, or "".
func ActionIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(actionIDKey{}).(string)
	return id
}

// WithFence returns ctx carrying check, which [CheckFence] runs before every
// write; check reports [ErrFenced] (or any error) to stop the write.
func WithFence(ctx context.Context, check func(context.Context) error) context.Context {
	return context.WithValue(ctx, fenceKey{}, check)
}

// CheckFence runs the fence ctx carries, if any. Any failure is returned
// as [ErrFenced]: when the lease cannot be confirmed, the write must not go.
func CheckFence(ctx context.Context) error {
	check, _ := ctx.Value(fenceKey{}).(func(context.Context) error)
	if check == nil {
		return nil
	}
	if err := check(ctx); err != nil {
		if errors.Is(err, ErrFenced) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrFenced, err)
	}
	return nil
}
