package beyondinsight

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// handler is one action as this target carries it out: check refuses bad
// parameters before any request (nil: the action takes none it checks),
// run does it, plan lists the calls a dry run reports instead, sending
// nothing.
type handler struct {
	check func(a actions.Action) error
	run   func(c *Client, ctx context.Context, a actions.Action) (actions.Outcome, error)
	plan  func(a actions.Action) []actions.Call
}

// handlers maps each supported action to its file's functions. Kinds not
// listed here are refused with actions.Unsupported before any request.
var handlers = map[actions.Kind]handler{
	actions.Quarantine:         {run: (*Client).quarantine, plan: planQuarantine},
	actions.UpdateAttributes:   {check: checkUpdate, run: (*Client).updateAttributes, plan: planUpdate},
	actions.RotateClientSecret: {check: checkNoParams, run: (*Client).rotateClientSecret, plan: planRotate},
	actions.AddGroup:           {check: checkGroup, run: (*Client).addGroup, plan: planAddGroup},
	actions.RemoveGroup:        {check: checkGroup, run: (*Client).removeGroup, plan: planRemoveGroup},
	actions.TerminateSessions:  {check: checkTerminate, run: (*Client).terminateSessions, plan: planTerminate},
}

// checkNoParams refuses every parameter, for actions that take none: a
// parameter the target would silently ignore is a mistake in the policy.
// (actions.CheckParams would word it "it can set" followed by nothing.)
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
