package beyondinsight

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// liveStatuses are the session statuses GET Sessions is asked for: 1 In
// Progress, 5 Locked and 9 Disconnected (RDP only), the documented
// statuses of a session that is, or can again be, connected. 0 Not
// Started is left out: it has no connection to end, and terminating its
// request first keeps it from starting [INFERRED].
var liveStatuses = []int{1, 5, 9}

// pamSession is the part of a Password Safe session Quell reads (GET
// Sessions documents SessionID, UserID, Status and more).
type pamSession struct {
	SessionID int `json:"SessionID"`
	UserID    int `json:"UserID"`
	Status    int `json:"Status"`
}

func (s pamSession) hasID() bool { return s.SessionID > 0 }
func (pamSession) name() string  { return "session" }

// terminateLiveSessions lists user id's live sessions with
// GET Sessions?userID=&status= and ends each with
// POST Sessions/{sessionId}/Terminate (204). Listing needs one of the
// session roles (Administrators, ISA, a session auditor or reviewer role)
// and terminating the Password Safe API Global Quarantine permission or one
// of those roles: without them the API's 403 is returned, permanent. The
// list is filtered again here, by user and status, so that a product that
// ignored a filter could not make Quell end someone else's session. A 404
// on a termination means the session ended since the list: nothing to do.
func (c *Client) terminateLiveSessions(ctx context.Context, id int) ([]actions.Call, []string, error) {
	var list many[pamSession]
	uid := strconv.Itoa(id)
	if _, err := c.call(ctx, sessionsRequest(uid, &list)); err != nil {
		return nil, nil, fmt.Errorf("list sessions: %w", err)
	}
	var calls []actions.Call
	var ended []string
	for _, s := range list.v {
		if s.UserID != id || !isLive(s.Status) {
			continue
		}
		sid := strconv.Itoa(s.SessionID)
		r := sessionTerminateRequest(sid)
		status, err := c.call(ctx, r)
		switch {
		case pam.IsStatus(err, http.StatusNotFound):
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("terminate session %s (after %d others): %w", sid, len(ended), err)
		}
		calls, ended = append(calls, r.sent(status)), append(ended, sid)
	}
	return calls, ended, nil
}

func isLive(status int) bool { return slices.Contains(liveStatuses, status) }

func sessionsRequest(userID string, out any) request {
	statuses := make([]string, len(liveStatuses))
	for i, st := range liveStatuses {
		statuses[i] = strconv.Itoa(st)
	}
	return request{method: http.MethodGet, path: "Sessions",
		query: url.Values{"userID": {userID}, "status": {strings.Join(statuses, ",")}}, out: out}
}

// sessionTerminateRequest is POST Sessions/{sessionId}/Terminate, no body.
func sessionTerminateRequest(id string) request {
	return request{method: http.MethodPost, path: "Sessions/" + id + "/Terminate"}
}
