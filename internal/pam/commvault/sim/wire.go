package sim

import (
	"fmt"
	"net/http"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Error codes of GenericResp answers.
const (
	// ErrCodeAccessDenied is the documented 401 body's code:
	// {"errorMessage": "Access denied", "errorCode": 5}. [DOC]
	ErrCodeAccessDenied = 5
	// ErrCodeRequestFailed is used in the simulator's 400 and 404 bodies;
	// the product's codes for those are not documented. [INFERRED]
	ErrCodeRequestFailed = 1
	// ErrCodeLoginRefused is the errorCode of errList in a refused login.
	// [INFERRED]
	ErrCodeLoginRefused = 1
)

// MsgNotFound is the documented text of the V4 user API's 404. [DOC]
const MsgNotFound = "Requested Details not found"

// genericResp is GenericResp {errorMessage, errorCode}. Success carries
// errorCode 0 and an empty message, as Commvault's documented examples of
// the same shape show; for the user API that is [INFERRED].
type genericResp struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorCode    int    `json:"errorCode"`
}

// lockInfo is the documented lockInfo object; the simulator never locks.
type lockInfo struct {
	IsLocked  bool  `json:"isLocked"`
	StartTime int64 `json:"startTime"`
	EndTime   int64 `json:"endTime"`
}

// wireUser is the User schema as GET V4/user/{userId} sends it, in the
// field order of samples/commvault-user.json. serviceType and
// authenticationMethodServer are not simulated.
type wireUser struct {
	ID                   int         `json:"id"`
	Name                 string      `json:"name"`
	GUID                 string      `json:"GUID"`
	FullName             string      `json:"fullName"`
	Email                string      `json:"email"`
	Enabled              bool        `json:"enabled"`
	LockInfo             lockInfo    `json:"lockInfo"`
	Description          string      `json:"description"`
	AuthenticationMethod string      `json:"authenticationMethod"`
	LastLoggedIn         int64       `json:"lastLoggedIn"`
	Company              Entity      `json:"company"`
	Plan                 Entity      `json:"plan"`
	AssociatedUserGroups []UserGroup `json:"associatedUserGroups"`
	UserPrincipalName    string      `json:"userPrincipalName"`
}

// wireSummary is UserSummary, one entry of GET V4/user. It has no
// authenticationMethod and no associatedUserGroups. The "commcell" field is
// left out: its shape is not in the reference.
type wireSummary struct {
	ID                int      `json:"id"`
	Name              string   `json:"name"`
	GUID              string   `json:"GUID"`
	Email             string   `json:"email"`
	FullName          string   `json:"fullName"`
	Plan              Entity   `json:"plan"`
	Enabled           bool     `json:"enabled"`
	LockInfo          lockInfo `json:"lockInfo"`
	NumberOfLaptops   int      `json:"numberOfLaptops"`
	Company           Entity   `json:"company"`
	UserPrincipalName string   `json:"userPrincipalName"`
}

// wireList is UserListResp.
type wireList struct {
	NumberOfUsers int           `json:"numberOfUsers"`
	Users         []wireSummary `json:"users"`
}

// wire is u as GET V4/user/{userId} answers it (see reportedAuthMethod).
func (s *Server) wire(u User) wireUser {
	groups := u.AssociatedUserGroups
	if groups == nil {
		groups = []UserGroup{}
	}
	return wireUser{
		ID: u.ID, Name: u.Name, GUID: u.GUID, FullName: u.FullName, Email: u.Email, Enabled: u.Enabled,
		Description: u.Description, AuthenticationMethod: s.reportedAuthMethod(u.AuthenticationMethod), LastLoggedIn: u.LastLoggedIn,
		Company: u.Company, Plan: u.Plan, AssociatedUserGroups: groups, UserPrincipalName: u.UserPrincipalName,
	}
}

func summary(u User) wireSummary {
	return wireSummary{
		ID: u.ID, Name: u.Name, GUID: u.GUID, Email: u.Email, FullName: u.FullName, Plan: u.Plan,
		Enabled: u.Enabled, Company: u.Company, UserPrincipalName: u.UserPrincipalName,
	}
}

// guidFor invents a stable GUID for a seed user that has none.
func guidFor(id int) string {
	return fmt.Sprintf("%08X-0000-4000-8000-%012X", id, id)
}

// writeError answers a GenericResp with a non-zero code.
func writeError(w http.ResponseWriter, status, code int, msg string) {
	simkit.WriteJSON(w, status, genericResp{ErrorMessage: msg, ErrorCode: code})
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, ErrCodeRequestFailed, MsgNotFound)
}

func badRequest(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, ErrCodeRequestFailed, fmt.Sprintf(format, args...))
}
