package commvault

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// checkQuarantine accepts only a free-text reason, which Commvault has no
// field for and which the audit trail keeps instead.
func checkQuarantine(a actions.Action) error {
	return actions.CheckParams(Kind, a.Kind, a.Params, actions.ParamReason)
}

// fieldEnabled is the V4 user's enabled flag, as Before and After name it.
const fieldEnabled = "enabled"

// quarantineBody disables the user: the V4 update's "enabled" flag.
func quarantineBody() map[string]any { return map[string]any{fieldEnabled: false} }

// quarantine resolves the user and, unless already disabled, sends
// PUT V4/user/{id} {"enabled": false}. The user list carries enabled, so
// the lookup doubles as the read-before-write check: repeating the action
// after it took effect reports skipped and writes nothing.
func (c *Client) quarantine(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	u, err := c.resolve(ctx, a.User, false)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine %s: %w", a.User, err)
	}
	out := actions.Outcome{TargetUserID: strconv.Itoa(u.ID), Details: map[string]string{"user_name": u.Name}}
	if u.Enabled == nil {
		return actions.Outcome{}, actions.Permanent(fmt.Errorf("quarantine user %d: %w", u.ID, errNoEnabled))
	}
	if !*u.Enabled {
		out.Status, out.Reason = actions.StatusSkipped, "already disabled"
		return out, nil
	}
	call, err := c.modifyUser(ctx, u, quarantineBody())
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine: %w", err)
	}
	out.Status, out.Reason, out.Calls = actions.StatusCompleted, "user disabled", []actions.Call{call}
	out.Before, out.After = map[string]any{fieldEnabled: true}, map[string]any{fieldEnabled: false}
	return out, nil
}

// planQuarantine is what a dry run reports: the lookup, then the PUT with
// the id left as {id} when only a name is known.
func planQuarantine(a actions.Action) []actions.Call {
	put := actions.Call{Method: http.MethodPut, Path: userPath(pam.PlannedUserID(a.User)), Body: quarantineBody()}
	return append(planResolve(a.User, false), put)
}
