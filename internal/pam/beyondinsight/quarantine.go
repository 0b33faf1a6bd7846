package beyondinsight

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// quarantine resolves the user and, unless already quarantined,
// POST Users/{id}/Quarantine (no body). The lookup answer carries
// IsQuarantined, so it doubles as the read-before-write check: repeating the
// action after it took effect reports skipped and writes nothing.
func (c *Client) quarantine(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine %s: %w", a.User, err)
	}
	id := strconv.Itoa(u.UserID)
	details := map[string]string{"user_name": u.displayName()}
	if u.IsQuarantined {
		return actions.Outcome{Status: actions.StatusSkipped, Reason: "already quarantined", TargetUserID: id, Details: details}, nil
	}
	r := quarantineRequest(id)
	// The answer (the user object per the vendor's library, an array per the
	// documentation) is not decoded: the 2xx status is the contract.
	status, err := c.call(ctx, r)
	if pam.IsStatus(err, http.StatusNotFound) {
		err = fmt.Errorf("%w: %w", actions.ErrUserNotFound, err) // deleted since the lookup
	}
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("quarantine user %d: %w", u.UserID, err)
	}
	return actions.Outcome{
		Status:       actions.StatusCompleted,
		Reason:       "user quarantined",
		TargetUserID: id,
		Calls:        []actions.Call{r.sent(status)},
		Details:      details,
		Before:       map[string]any{keyIsQuarantined: false},
		After:        map[string]any{keyIsQuarantined: true},
	}, nil
}

// keyIsQuarantined is the Outcome.Before and After key of a quarantine.
const keyIsQuarantined = "is_quarantined"

// planQuarantine is what a dry run reports: the lookup, then the POST with
// the id left as {id} when only a name is known.
func planQuarantine(a actions.Action) []actions.Call {
	r := quarantineRequest(pam.PlannedUserID(a.User))
	return []actions.Call{planResolve(a.User), r.planned()}
}

func quarantineRequest(id string) request {
	return request{method: http.MethodPost, path: "Users/" + id + "/Quarantine"}
}
