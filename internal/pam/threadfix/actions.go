package threadfix

import (
	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// handlers maps each supported action to its file's functions (see
// [pam.Handler]: check refuses bad parameters before any request, run does
// it, plan lists the calls a dry run reports instead, sending nothing).
// Kinds not listed here are refused with [actions.Unsupported] before any
// request.
var handlers = pam.Handlers[*Client]{
	actions.Quarantine:       {Check: checkQuarantine, Run: (*Client).quarantine, Plan: planQuarantine},
	actions.UpdateAttributes: {Check: checkUpdate, Run: (*Client).updateAttributes, Plan: planUpdate},
	actions.Undo:             {Check: checkUndo, Run: (*Client).undo, Plan: planUndo},
}

// Supports reports whether the threadfix client implements k: whether its
// handler table has k. The config, the policy and the ingest ask
// internal/capability instead, which TestHandlersMatchCapability holds to
// the same list.
func Supports(k actions.Kind) bool { return handlers.Supports(k) }
