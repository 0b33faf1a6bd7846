package threadfix

import (
	"context"

	"github.com/quell-dev/quell/internal/actions"
)

// handler is one action as this target carries it out: check refuses bad
// parameters before any request, run does it, plan lists the calls a dry run
// reports instead, sending nothing.
type handler struct {
	check func(a actions.Action) error
	run   func(c *Client, ctx context.Context, a actions.Action) (actions.Outcome, error)
	plan  func(a actions.Action) []actions.Call
}

// handlers maps each supported action to its file's functions. Kinds not
// listed here are refused with actions.Unsupported before any request.
var handlers = map[actions.Kind]handler{
	actions.Quarantine:       {check: checkQuarantine, run: (*Client).quarantine, plan: planQuarantine},
	actions.UpdateAttributes: {check: checkUpdate, run: (*Client).updateAttributes, plan: planUpdate},
}

// Supports reports whether the threadfix target kind implements k; the
// config and the ingest use it to refuse an action before it is stored.
func Supports(k actions.Kind) bool {
	_, ok := handlers[k]
	return ok
}
