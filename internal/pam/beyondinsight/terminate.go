package beyondinsight

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf16"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// maxTerminateReason is the longest Reason the termination endpoints take
// (documented for the managed-account and managed-system variants; the
// by-user variant is assumed to match).
const maxTerminateReason = 1000

// terminateBody is the optional body of POST Users/{userId}/Requests/Terminate.
type terminateBody struct {
	Reason string `json:"Reason"`
}

// checkTerminate refuses parameters other than reason before any request.
func checkTerminate(a actions.Action) error {
	return actions.CheckParams(Kind, a.Kind, a.Params, actions.ParamReason)
}

// terminateSessions resolves the user and ends every active request it
// made, and the sessions opened under them, with
// POST Users/{userId}/Requests/Terminate: the endpoint is known from
// BeyondTrust's own libraries, its details are inferred from the
// documented managed-account and managed-system variants (optional body
// {"Reason"}, 204 No Content).
//
// There is no cheap read first, so the POST is always sent: GET Requests
// lists only the calling API user's own queue, and GET Sessions?userID=
// (which needs session-auditor roles an API registration may lack) sees
// sessions but not password releases, which hold no session; skipping on
// an empty session list could leave an active release running.
// Terminating nothing is harmless, so the outcome is always completed.
func (c *Client) terminateSessions(ctx context.Context, a actions.Action) (actions.Outcome, error) {
	u, err := c.resolve(ctx, a.User)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("terminate sessions of %s: %w", a.User, err)
	}
	id := strconv.Itoa(u.UserID)
	details := map[string]string{"user_name": u.displayName()}
	reason, cut := truncateUTF16(actions.StringParam(a.Params, actions.ParamReason), maxTerminateReason)
	if cut {
		details["reason_truncated"] = fmt.Sprintf("to %d characters", maxTerminateReason)
	}
	r := terminateRequest(id, reason)
	status, err := c.call(ctx, r)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("terminate sessions of user %d: %w", u.UserID, notFoundSinceLookup(err))
	}
	return actions.Outcome{
		Status:       actions.StatusCompleted,
		Reason:       "active requests and sessions terminated",
		TargetUserID: id,
		Calls:        []actions.Call{r.sent(status)},
		Details:      details,
	}, nil
}

// truncateUTF16 cuts s to at most n UTF-16 code units, the unit .NET counts
// string lengths in, without splitting a character. A too-long reason is
// cut rather than refused: ending the sessions matters more than the note.
func truncateUTF16(s string, n int) (string, bool) {
	units := 0
	for i, r := range s {
		w := utf16.RuneLen(r) // invalid UTF-8 ranges as U+FFFD: 1, as it is sent
		if units+w > n {
			return s[:i], true
		}
		units += w
	}
	return s, false
}

// planTerminate is what a dry run reports: the lookup, then the POST.
func planTerminate(a actions.Action) []actions.Call {
	reason, _ := truncateUTF16(actions.StringParam(a.Params, actions.ParamReason), maxTerminateReason)
	return []actions.Call{planResolve(a.User), terminateRequest(pam.PlannedUserID(a.User), reason).planned()}
}

// terminateRequest is the POST, with a body only when there is a reason:
// the body is optional, and an empty Reason says nothing.
func terminateRequest(id, reason string) request {
	r := request{method: http.MethodPost, path: "Users/" + id + "/Requests/Terminate"}
	if reason != "" {
		r.body = terminateBody{Reason: reason}
	}
	return r
}
