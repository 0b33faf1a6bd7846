package beyondinsight

import (
	"fmt"
	"sort"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// handlers maps each supported action to its file's functions (see
// [pam.Handler]: check refuses bad parameters before any request, run does
// it, plan lists the calls a dry run reports instead, sending nothing).
// Kinds not listed here are refused with [actions.Unsupported] before any
// request.
var handlers = pam.Handlers[*Client]{
	actions.Quarantine:         {Run: (*Client).quarantine, Plan: planQuarantine},
	actions.UpdateAttributes:   {Check: checkUpdate, Run: (*Client).updateAttributes, Plan: planUpdate},
	actions.RotateClientSecret: {Check: checkNoParams, Run: (*Client).rotateClientSecret, Plan: planRotate},
	actions.AddGroup:           {Check: checkGroup, Run: (*Client).addGroup, Plan: planAddGroup},
	actions.RemoveGroup:        {Check: checkGroup, Run: (*Client).removeGroup, Plan: planRemoveGroup},
	actions.TerminateSessions:  {Check: checkTerminate, Run: (*Client).terminateSessions, Plan: planTerminate},
	actions.Undo:               {Check: checkUndo, Run: (*Client).undo, Plan: planUndo},
}

// checkNoParams refuses every parameter, for actions that take none: a
// parameter the target would silently ignore is a mistake in the policy.
// ([actions.CheckParams] would word it "it can set" followed by nothing.)
func checkNoParams(a actions.Action) error {
	if len(a.Params) == 0 {
		return nil
	}
	names := make([]string, 0, len(a.Params))
	for name := range a.Params {
		names = append(names, name)
	}
	sort.Strings(names)
	return actions.Permanent(fmt.Errorf("%s %s takes no parameters (got %s)", Kind, a.Kind, strings.Join(names, ", ")))
}
