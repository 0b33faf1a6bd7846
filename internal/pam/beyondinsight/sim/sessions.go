package sim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Session statuses as GET Sessions documents them.
const (
	SessionNotStarted   = 0
	SessionInProgress   = 1
	SessionCompleted    = 2
	SessionLocked       = 5
	SessionLoggedOff    = 8
	SessionDisconnected = 9
)

// PAMSession is a Password Safe session (an RDP or SSH connection opened
// under a request), as GET Sessions lists it. It is not the API session
// Sessions counts.
type PAMSession struct {
	SessionID int    `json:"SessionID"`
	UserID    int    `json:"UserID"` // the user who requested it
	Status    int    `json:"Status"`
	AssetName string `json:"AssetName,omitempty"`
}

// DefaultSessions is the seed used when [Options.PAMSessions] is nil: jdoe
// (12) has an SSH session in progress under request 102, and a completed
// one from earlier.
func DefaultSessions() []PAMSession {
	return []PAMSession{
		{SessionID: 7001, UserID: 12, Status: SessionInProgress, AssetName: "web-prod-01"},
		{SessionID: 6990, UserID: 12, Status: SessionCompleted, AssetName: "web-prod-01"},
	}
}

// AddSession records a session (an existing id is replaced).
func (s *Server) AddSession(ps PAMSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pamSessions[ps.SessionID] = ps
}

// PAMSessions returns user id's sessions in the given statuses (all when
// none is given), by SessionID.
func (s *Server) PAMSessions(id int, statuses ...int) []PAMSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PAMSession
	for _, ps := range s.pamSessions {
		if ps.UserID == id && (len(statuses) == 0 || containsInt(statuses, ps.Status)) {
			out = append(out, ps)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SessionID < out[j].SessionID })
	return out
}

// listSessions serves GET Sessions with the documented optional filters
// status (one value or a comma-separated list) and userID; the answer is
// an array in both modes, as documented. A filter that does not parse
// answers 400 [INFERRED].
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, _ simkit.Params, _ string) {
	var statuses []int
	if v, ok := queryParam(r, "status"); ok && v != "" {
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				badRequest(w, "status must be a comma-separated list of session statuses.")
				return
			}
			statuses = append(statuses, n)
		}
	}
	userID := -1
	if v, ok := queryParam(r, "userID"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			badRequest(w, "userID must be an integer.")
			return
		}
		userID = n
	}
	out := []PAMSession{}
	s.mu.Lock()
	for _, ps := range s.pamSessions {
		if (userID < 0 || ps.UserID == userID) && (len(statuses) == 0 || containsInt(statuses, ps.Status)) {
			out = append(out, ps)
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].SessionID < out[j].SessionID })
	simkit.WriteJSON(w, http.StatusOK, out)
}

// terminateSession serves POST Sessions/{sessionId}/Terminate: the session
// ends (Completed) and the answer is 204 No Content, as documented with
// feedback=false. An unknown session answers 404; ending a session that
// already ended succeeds again [INFERRED].
func (s *Server) terminateSession(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	id, err := strconv.Atoi(p["sessionId"])
	s.mu.Lock()
	ps, ok := s.pamSessions[id]
	if ok && err == nil {
		ps.Status = SessionCompleted
		s.pamSessions[id] = ps
	}
	s.mu.Unlock()
	if !ok || err != nil {
		http.Error(w, "Session "+p["sessionId"]+" not found.", http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func containsInt(list []int, n int) bool {
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}
