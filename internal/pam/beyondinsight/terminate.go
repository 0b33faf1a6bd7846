package beyondinsight

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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

// terminateSessions resolves the user, ends every active request it made
// with POST Users/{userId}/Requests/Terminate (documented: "Terminates all
// active requests by requestor user ID", optional body {"Reason"}, 204),
// then ends each of its live sessions with POST Sessions/{id}/Terminate
// (see terminateLiveSessions). Requests go first, so that no new session
// can start under them while the sessions are ended.
//
// The request termination is always sent: there is no read that covers
// every kind of active request (GET Requests lists only the calling API
// user's own queue, and a password release holds no session).
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
		return actions.Outcome{}, fmt.Errorf("terminate requests of user %d: %w", u.UserID, notFoundSinceLookup(err))
	}
	calls, ended, err := c.terminateLiveSessions(ctx, u.UserID)
	if err != nil {
		return actions.Outcome{}, fmt.Errorf("terminate sessions of user %d (its active requests were terminated): %w", u.UserID, err)
	}
	details["sessions_terminated"] = strconv.Itoa(len(ended))
	if len(ended) > 0 {
		details["session_ids"] = strings.Join(ended, ",")
	}
	return actions.Outcome{
		Status:       actions.StatusCompleted,
		Reason:       terminatedReason(len(ended)),
		TargetUserID: id,
		Calls:        append([]actions.Call{r.sent(status)}, calls...),
		Details:      details,
	}, nil
}

// terminatedReason says what terminate_sessions did: it cannot count the
// requests (the answer is 204 without a body), only the sessions.
func terminatedReason(sessions int) string {
	switch sessions {
	case 0:
		return "active requests terminated; no live sessions"
	case 1:
		return "active requests terminated; 1 live session terminated"
	}
	return fmt.Sprintf("active requests terminated; %d live sessions terminated", sessions)
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

// planTerminate is what a dry run reports: the lookup, the request
// termination, the session list, and a session termination for each live
// session ({sessionId}: a dry run does not list them).
func planTerminate(a actions.Action) []actions.Call {
	reason, _ := truncateUTF16(actions.StringParam(a.Params, actions.ParamReason), maxTerminateReason)
	id := pam.PlannedUserID(a.User)
	return []actions.Call{
		planResolve(a.User),
		terminateRequest(id, reason).planned(),
		sessionsRequest(id, nil).planned(),
		sessionTerminateRequest("{sessionId}").planned(),
	}
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
