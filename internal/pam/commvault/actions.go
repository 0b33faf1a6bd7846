package commvault

import (
	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// handlers maps each supported action to its file's functions (see
// [pam.Handler]: check refuses bad parameters before any request and before
// a dry run, run does it, plan lists the calls a dry run reports instead,
// sending nothing). Kinds not listed here (rotate_client_secret,
// terminate_sessions) are refused with [actions.Unsupported] before any
// request: the V4 user API has no client secret and no session list.
var handlers = pam.Handlers[*Client]{
	actions.Quarantine:       {Check: checkQuarantine, Run: (*Client).quarantine, Plan: planQuarantine},
	actions.UpdateAttributes: {Check: checkUpdate, Run: (*Client).updateAttributes, Plan: planUpdate},
	actions.AddGroup:         {Check: checkGroupAction, Run: (*Client).addGroup, Plan: planGroupAction},
	actions.RemoveGroup:      {Check: checkGroupAction, Run: (*Client).removeGroup, Plan: planGroupAction},
	actions.Undo:             {Check: checkUndo, Run: (*Client).undo, Plan: planUndo},
}

// Supports reports whether the commvault client implements k: whether its
// handler table has k. The config, the policy and the ingest ask
// internal/capability instead, which TestHandlersMatchCapability holds to
// the same list.
func Supports(k actions.Kind) bool { return handlers.Supports(k) }
