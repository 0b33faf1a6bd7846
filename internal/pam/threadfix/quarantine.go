package threadfix

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
)

// quarantineForm removes global access: globalRoleId=-1.
func quarantineForm() url.Values {
	return url.Values{"globalRoleId": {strconv.Itoa(NoGlobalAccess)}}
}

// checkQuarantine refuses parameters quarantine cannot use. "reason" is
// accepted and ignored, as ThreadFix has nowhere to record it.
func checkQuarantine(a actions.Action) error {
	return actions.CheckParams(Kind, a.Kind, a.Params, actions.ParamReason)
}

// quarantine resolves the user, reads its global access from users/audit
// and, unless it already has none, sets globalRoleId=-1. Team and
// application roles are left as they are: the Edit User API cannot change
// them, and they are what an administrator reviews before restoring access.
func (c *Client) quarantine(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine %s: %w", a.User, err)
	}
	access, err := c.readAccess(ctx, u)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine %s: %w", a.User, err)
	}
	out := actions.Outcome{
		TargetUserID: strconv.Itoa(u.ID),
		Details:      map[string]string{"user_name": u.Name, "previous_global_access": access.describe()},
	}
	if id, ok := access.globalRoleID(); ok && id == NoGlobalAccess {
		out.Status, out.Reason = actions.StatusSkipped, "already has no global access"
		return out, nil
	}
	call, err := c.update(ctx, u, quarantineForm())
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine %s: %w", a.User, err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "global access removed (was "+access.describe()+")", []actions.Call{call}
	return out, nil
}

// planQuarantine is what a dry run reports: the two reads, then the POST
// with the id left as {id} when only a name is known.
func planQuarantine(a actions.Action) []actions.Call {
	return []actions.Call{planResolve(), planAudit(), planUpdateCall(a.User, quarantineForm())}
}
