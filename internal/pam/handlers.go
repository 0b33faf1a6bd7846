package pam

import (
	"context"
	"fmt"

	"github.com/quell-dev/quell/internal/actions"
)

// Handler is one action as a target client of type C carries it out. Each
// vendor package keeps its handlers in a [Handlers] table, one action per
// file; the functions are the vendor's own logic, Handlers only decides
// which of them runs.
type Handler[C any] struct {
	// Check refuses bad parameters before any request, and before a dry
	// run: a rehearsal of an action that would be refused is refused too.
	// Nil when the action takes no parameters it checks.
	Check func(a actions.Action) error
	// Run carries the action out: resolve the user, read the state, write
	// only if it differs (see [actions.Target]).
	Run func(c C, ctx context.Context, a actions.Action) (actions.Outcome, error)
	// Plan lists the calls a dry run reports instead, sending nothing.
	Plan func(a actions.Action) []actions.Call
}

// Handlers maps every action a target kind supports to its [Handler]. A kind
// not in the table is refused with [actions.Unsupported] before any request.
type Handlers[C any] map[actions.Kind]Handler[C]

// Supports reports whether the table has a handler for k.
func (hs Handlers[C]) Supports(k actions.Kind) bool {
	_, ok := hs[k]
	return ok
}

// Execute is [actions.Target]'s Execute for client c of kind targetKind:
// an unsupported action, an action without a user identifier and bad
// parameters are refused as permanent errors before any request; a dry
// run sends nothing and reports, as skipped, the calls Plan lists;
// anything else is Run.
func (hs Handlers[C]) Execute(ctx context.Context, c C, targetKind string, a actions.Action) (actions.Outcome, error) {
	h, ok := hs[a.Kind]
	if !ok {
		return actions.Outcome{}, actions.Unsupported(targetKind, a.Kind)
	}
	if a.User.IsZero() {
		return actions.Outcome{}, actions.Permanent(fmt.Errorf("%s: no user identifier given", a.Kind))
	}
	if h.Check != nil {
		if err := h.Check(a); err != nil {
			return actions.Outcome{}, err
		}
	}
	if a.DryRun {
		return actions.Outcome{Status: actions.StatusSkipped, Reason: "dry run", Calls: h.Plan(a)}, nil
	}
	return h.Run(c, ctx, a)
}
