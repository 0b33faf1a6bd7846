package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"unicode/utf16"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// MaxTerminateReason is the longest Reason the termination endpoints
// accept, in .NET characters (UTF-16 code units). [DOC] for the
// managed-account and managed-system variants; assumed for the by-user one.
const MaxTerminateReason = 1000

// ActiveRequest is an approved, not yet expired Password Safe access
// request. Sessions opened under it are PAMSessions, kept apart: ending a
// request is not documented to end its sessions, which the session
// termination endpoints do.
type ActiveRequest struct {
	RequestID   int    `json:"RequestID"`
	UserID      int    `json:"UserID"` // the requestor
	SystemName  string `json:"SystemName,omitempty"`
	AccountName string `json:"AccountName,omitempty"`
	// SessionID names the [PAMSession] running under the request; 0 for a
	// password release, which opens none. Informational only.
	SessionID int `json:"SessionID,omitempty"`
}

// DefaultRequests is the seed used when [Options.Requests] is nil: jdoe (12)
// holds a password release and an SSH session.
func DefaultRequests() []ActiveRequest {
	return []ActiveRequest{
		{RequestID: 101, UserID: 12, SystemName: "db-prod-01", AccountName: "sa"},
		{RequestID: 102, UserID: 12, SystemName: "web-prod-01", AccountName: "root", SessionID: 7001},
	}
}

// AddRequest records an active request (RequestID 0 assigns the next free
// id; an existing id is replaced) and returns it as stored.
func (s *Server) AddRequest(r ActiveRequest) ActiveRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.RequestID == 0 {
		r.RequestID = s.nextRequest
	}
	s.nextRequest = max(s.nextRequest, r.RequestID+1)
	s.requests[r.RequestID] = r
	return r
}

// ActiveRequests returns the active requests user id made, by RequestID.
func (s *Server) ActiveRequests(id int) []ActiveRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ActiveRequest
	for _, r := range s.requests {
		if r.UserID == id {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RequestID < out[j].RequestID })
	return out
}

// terminateRequests serves POST Users/{id}/Requests/Terminate: every active
// request of that requestor ends ("Terminates all active requests by
// requestor user ID" [DOC]); its sessions are left running, as nothing
// documents that they end too. The answer is 204
// No Content (what the documented variants answer with feedback=false, the
// default; feedback=true is not simulated). The body is optional; when
// present it must be a JSON object whose Reason, if any, is a string of at
// most [MaxTerminateReason] characters. Terminating nothing succeeds.
func (s *Server) terminateRequests(w http.ResponseWriter, r *http.Request, p simkit.Params, _ string) {
	u, ok := s.userParam(w, p)
	if !ok {
		return
	}
	if msg := checkTerminateBody(r); msg != "" {
		badRequest(w, msg)
		return
	}
	s.mu.Lock()
	for id, req := range s.requests {
		if req.UserID == u.UserID {
			delete(s.requests, id)
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// checkTerminateBody returns what is wrong with the request's body, or "".
func checkTerminateBody(r *http.Request) string {
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(r.Body) // simkit has already read it into memory
	if len(bytes.TrimSpace(buf.Bytes())) == 0 {
		return ""
	}
	var body struct {
		Reason *string `json:"Reason"`
	}
	if err := json.Unmarshal(buf.Bytes(), &body); err != nil {
		return "The request body is not a valid JSON object with an optional string Reason."
	}
	if body.Reason != nil && len(utf16.Encode([]rune(*body.Reason))) > MaxTerminateReason {
		return fmt.Sprintf("Reason must be at most %d characters.", MaxTerminateReason)
	}
	return ""
}
