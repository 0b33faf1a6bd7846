package commvault

import (
	"context"

	"github.com/quell-dev/quell/internal/actions"
)

// handler is one action as this target carries it out: check refuses bad
// parameters before any request (and before a dry run), run does it, plan
// lists the calls a dry run reports instead, sending nothing.
type handler struct {
	check func(a actions.Action) error
	run   func(c *Client, ctx context.Context, a actions.Action) (actions.Outcome, error)
	plan  func(a actions.Action) []actions.Call
}

// handlers maps each supported action to its file's functions. Kinds not
// listed here (rotate_client_secret, terminate_sessions) are refused with
// actions.Unsupported before any request: the V4 user API has no client
// secret and no session list.
var handlers = map[actions.Kind]handler{
	actions.Quarantine:       {check: checkQuarantine, run: (*Client).quarantine, plan: planQuarantine},
	actions.UpdateAttributes: {check: checkUpdate, run: (*Client).updateAttributes, plan: planUpdate},
	actions.AddGroup:         {check: checkGroupAction, run: (*Client).addGroup, plan: planGroupAction},
	actions.RemoveGroup:      {check: checkGroupAction, run: (*Client).removeGroup, plan: planGroupAction},
}

// Supports reports whether the commvault target kind implements k; the
// config and the ingest use it to refuse an action before it is stored.
func Supports(k actions.Kind) bool {
	_, ok := handlers[k]
	return ok
}
