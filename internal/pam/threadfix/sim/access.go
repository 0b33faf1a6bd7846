package sim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Objects of the group membership calls. [DOC]
const (
	MessageAddedToGroup     = "Successfully added user to group."
	MessageRemovedFromGroup = "Successfully removed user from group."
)

// accessChange is one change to a stored user's access. It returns the
// envelope to answer (message and object), or a refusal message. s.mu is
// held; u is the stored user, changed in place.
type accessChange func(u *User, params map[string]string) (env envelope, refusal string)

// changeAccess serves the role endpoints: parse the user id (a non-numeric
// one fails Spring's conversion: 400 [INFERRED]), read the form fields,
// apply the change under the lock. Refusals are failed envelopes with HTTP
// 200 that change nothing [INFERRED, as for Edit User].
func (s *Server) changeAccess(fields []string, change accessChange) simkit.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p simkit.Params) {
		id, err := strconv.ParseInt(p["userId"], 10, 32)
		if err != nil {
			http.Error(w, "Bad Request: userId must be an integer", http.StatusBadRequest)
			return
		}
		params := requestParams(r, fields)
		s.mu.Lock()
		env, refusal := s.applyAccess(int(id), params, change)
		s.mu.Unlock()
		if refusal != "" {
			writeEnvelope(w, http.StatusOK, failed(refusal))
			return
		}
		writeEnvelope(w, http.StatusOK, env)
	}
}

func (s *Server) applyAccess(id int, params map[string]string, change accessChange) (envelope, string) {
	stored, ok := s.users[id]
	if !ok {
		return envelope{}, fmt.Sprintf("Invalid user ID %d: no such user.", id)
	}
	next := clone(*stored)
	env, refusal := change(&next, params)
	if refusal == "" {
		*stored = next
	}
	return env, refusal
}

// intParam reads a required integer field; the refusal names it.
func intParam(params map[string]string, name string) (int, string) {
	v, err := strconv.Atoi(params[name])
	if err != nil {
		return 0, fmt.Sprintf("%s is required and must be an integer.", name)
	}
	return v, ""
}

// addTeamRole gives the user a role on a team and all its applications
// [DOC]; a role already held on that team is replaced [INFERRED]. The
// object is the documented access control map.
func (s *Server) addTeamRole(u *User, params map[string]string) (envelope, string) {
	teamID, bad := intParam(params, "teamId")
	roleID, bad2 := intParam(params, "roleId")
	team, known := s.cat.teams[teamID]
	switch {
	case bad != "" || bad2 != "":
		return envelope{}, bad + bad2
	case !known:
		return envelope{}, fmt.Sprintf("Invalid teamId %d: no such team.", teamID)
	case !s.cat.isRole(roleID):
		return envelope{}, fmt.Sprintf("Invalid roleId %d: no such role.", roleID)
	}
	u.TeamRoles = slices.DeleteFunc(u.TeamRoles, func(tr TeamRole) bool { return tr.TeamID == teamID })
	u.TeamRoles = append(u.TeamRoles, TeamRole{TeamID: teamID, RoleID: roleID})
	return succeeded(map[string]any{
		"id": teamID, "user": wireUserRef(*u), "organization": map[string]any{"id": team.ID, "name": team.Name},
		"role": s.cat.roles[roleID], "accessControlApplicationMaps": nil, "allApps": true,
	}), ""
}

// removeTeamRole removes the user's explicit role on a team, nothing else
// [DOC]; a user without one is refused [INFERRED].
func (s *Server) removeTeamRole(u *User, params map[string]string) (envelope, string) {
	teamID, bad := intParam(params, "teamId")
	if bad != "" {
		return envelope{}, bad
	}
	i := slices.IndexFunc(u.TeamRoles, func(tr TeamRole) bool { return tr.TeamID == teamID })
	if i < 0 {
		return envelope{}, fmt.Sprintf("No role mapping found for user %s on team %d.", u.Name, teamID)
	}
	u.TeamRoles = slices.Delete(u.TeamRoles, i, i+1)
	env := succeeded(map[string]int{"userId": u.ID, "teamId": teamID})
	env.Message = fmt.Sprintf("Successfully removed role mapping for user: %s from team: %s", u.Name, s.cat.teams[teamID].Name)
	return env, ""
}

// addAppRole gives the user a role on one application [VENDOR-CODE
// parameters]; the object's shape is [INFERRED] from the team map.
func (s *Server) addAppRole(u *User, params map[string]string) (envelope, string) {
	appID, bad := intParam(params, "appId")
	roleID, bad2 := intParam(params, "roleId")
	app, known := s.cat.apps[appID]
	switch {
	case bad != "" || bad2 != "":
		return envelope{}, bad + bad2
	case !known:
		return envelope{}, fmt.Sprintf("Invalid appId %d: no such application.", appID)
	case !s.cat.isRole(roleID):
		return envelope{}, fmt.Sprintf("Invalid roleId %d: no such role.", roleID)
	}
	u.AppRoles = slices.DeleteFunc(u.AppRoles, func(ar AppRole) bool { return ar.AppID == appID })
	u.AppRoles = append(u.AppRoles, AppRole{AppID: appID, RoleID: roleID})
	return succeeded(map[string]any{
		"id": appID, "user": wireUserRef(*u), "application": app.Application, "role": s.cat.roles[roleID],
	}), ""
}

// removeAppRole removes the user's explicit role on an application [DOC];
// a user without one is refused [INFERRED].
func (s *Server) removeAppRole(u *User, params map[string]string) (envelope, string) {
	appID, bad := intParam(params, "appId")
	if bad != "" {
		return envelope{}, bad
	}
	i := slices.IndexFunc(u.AppRoles, func(ar AppRole) bool { return ar.AppID == appID })
	if i < 0 {
		return envelope{}, fmt.Sprintf("No role mapping found for user %s on application %d.", u.Name, appID)
	}
	u.AppRoles = slices.Delete(u.AppRoles, i, i+1)
	env := succeeded(map[string]int{"userId": u.ID, "appId": appID})
	env.Message = fmt.Sprintf("Successfully removed role mapping for user: %s from app: %s", u.Name, s.cat.apps[appID].Name)
	return env, ""
}

// groupMembership serves addUser (add true) and removeUser: no parameters
// but the path's [DOC]. Adding a member or removing a non-member is
// refused [INFERRED].
func (s *Server) groupMembership(add bool) simkit.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p simkit.Params) {
		groupID, err := strconv.Atoi(p["groupId"])
		if err != nil {
			http.Error(w, "Bad Request: groupId must be an integer", http.StatusBadRequest)
			return
		}
		s.changeAccess(nil, func(u *User, _ map[string]string) (envelope, string) {
			return s.membership(u, groupID, add)
		})(w, r, p)
	}
}

func (s *Server) membership(u *User, groupID int, add bool) (envelope, string) {
	if _, ok := s.cat.groups[groupID]; !ok {
		return envelope{}, fmt.Sprintf("Invalid group ID %d: no such group.", groupID)
	}
	member := slices.Contains(u.Groups, groupID)
	switch {
	case add && member:
		return envelope{}, fmt.Sprintf("User %s is already in group %d.", u.Name, groupID)
	case add:
		u.Groups = append(u.Groups, groupID)
		return succeeded(MessageAddedToGroup), ""
	case !member:
		return envelope{}, fmt.Sprintf("User %s is not in group %d.", u.Name, groupID)
	}
	u.Groups = slices.DeleteFunc(u.Groups, func(g int) bool { return g == groupID })
	return succeeded(MessageRemovedFromGroup), ""
}

// wireUserRef is the user inside an access control map. [DOC]
func wireUserRef(u User) map[string]any {
	return map[string]any{"id": u.ID, "name": u.Name, "displayName": u.DisplayName, "type": u.Type}
}
