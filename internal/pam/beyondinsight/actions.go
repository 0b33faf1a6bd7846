package beyondinsight

import (
	"context"

	"github.com/quell-dev/quell/internal/actions"
)

// handler is one action as this target carries it out: run does it, plan
// lists the calls a dry run reports instead, sending nothing.
type handler struct {
	run  func(c *Client, ctx context.Context, a actions.Action) (actions.Outcome, error)
	plan func(a actions.Action) []actions.Call
}

// handlers maps each supported action to its file's functions. Kinds not
// listed here are refused with actions.Unsupported before any request.
var handlers = map[actions.Kind]handler{
	actions.Quarantine: {run: (*Client).quarantine, plan: planQuarantine},
}
