package threadfix

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/quell-dev/quell/internal/actions"
)

// Keys of a user's access in Outcome.Before/After and UndoSpec.
const (
	keyGlobal = "global_role_id"
	keyTeams  = "team_roles"
	keyApps   = "app_roles"
	keyGroups = "groups"
)

// Paths of the catalog reads.
const (
	pathTeams = "teams"
	pathRoles = "roles/list"
)

// teamRole is an explicit role on a team and all its applications. Ids are
// 0 when the audit's name matched no team (or role) exactly once: such an
// entry cannot be removed or restored through the API.
type teamRole struct {
	TeamID int    `json:"team_id"`
	Team   string `json:"team"`
	RoleID int    `json:"role_id"`
	Role   string `json:"role"`
}

// appRole is an explicit role on one application.
type appRole struct {
	TeamID int    `json:"team_id"`
	Team   string `json:"team"`
	AppID  int    `json:"app_id"`
	App    string `json:"app"`
	RoleID int    `json:"role_id"`
	Role   string `json:"role"`
}

// groupRef is a group the user belongs to.
type groupRef struct {
	GroupID int    `json:"group_id"`
	Group   string `json:"group"`
}

// accessState is every access a user holds, in the terms the API writes:
// the global role, team roles, application roles and group memberships.
// Lists are sorted, so that two reads of the same state compare equal.
type accessState struct {
	audit  auditUser
	teams  []teamRole
	apps   []appRole
	groups []groupRef
}

// contained reports whether the user holds no access of any kind.
func (s accessState) contained() bool {
	id, ok := s.audit.globalRoleID()
	return ok && id == NoGlobalAccess && len(s.teams) == 0 && len(s.apps) == 0 && len(s.groups) == 0
}

// values is the state under keys, as Outcome.Before/After hold it.
func (s accessState) values(keys ...string) map[string]any {
	all := map[string]any{keyGlobal: s.audit.globalValue(), keyTeams: nonNil(s.teams), keyApps: nonNil(s.apps), keyGroups: nonNil(s.groups)}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	return out
}

// nonNil is list, or an empty list for nil: a recorded state shows [], not null.
func nonNil[E any](list []E) []E {
	if list == nil {
		return []E{}
	}
	return list
}

// readState reads everything the user holds: users/audit for the global
// role, groups and team maps; when there are team maps, GET teams and
// GET roles/list as well, because the audit names teams, applications and
// roles while the role endpoints take their ids.
func (c *Client) readState(ctx context.Context, u user) (accessState, error) {
	a, err := c.readAccess(ctx, u)
	if err != nil {
		return accessState{}, err
	}
	st := accessState{audit: a}
	for _, g := range a.Groups {
		st.groups = append(st.groups, groupRef{GroupID: g.ID, Group: g.Name})
	}
	st.groups = sortedGroups(st.groups)
	if len(a.TeamMaps) == 0 {
		return st, nil
	}
	cat, err := c.readCatalog(ctx)
	if err != nil {
		return accessState{}, fmt.Errorf("read team and application roles of user %d: %w", u.ID, err)
	}
	st.teams, st.apps = cat.resolveMaps(a.TeamMaps)
	return st, nil
}

// catalogTeam is an entry of GET teams: the team and its applications.
type catalogTeam struct {
	ID           int          `json:"id"`
	Name         string       `json:"name"`
	Applications []catalogApp `json:"applications"`
}

// catalogApp is an application of a catalogTeam.
type catalogApp struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// catalog maps the audit's names onto ids.
type catalog struct {
	teams []catalogTeam
	roles []role
}

// readCatalog reads GET teams (every team with its applications; the
// documented default page holds 10000 teams) and GET roles/list.
func (c *Client) readCatalog(ctx context.Context) (catalog, error) {
	var cat catalog
	if _, err := c.call(ctx, request{method: http.MethodGet, path: pathTeams, out: &cat.teams}); err != nil {
		return catalog{}, fmt.Errorf("list teams: %w", err)
	}
	if _, err := c.call(ctx, request{method: http.MethodGet, path: pathRoles, out: &cat.roles}); err != nil {
		return catalog{}, fmt.Errorf("list roles: %w", err)
	}
	return cat, nil
}

// resolveMaps turns the audit's team maps into team and application roles
// with ids. A name that matches nothing, or more than one entry, keeps id
// 0: Quell never guesses which team or role an ambiguous name meant.
func (cat catalog) resolveMaps(maps []auditTeamMap) ([]teamRole, []appRole) {
	var teams []teamRole
	var apps []appRole
	for _, m := range maps {
		if m.RoleName != "" && m.RoleName != noTeamRole {
			teams = append(teams, teamRole{TeamID: cat.teamID(m.TeamName), Team: m.TeamName, RoleID: cat.roleID(m.RoleName), Role: m.RoleName})
		}
		for _, ar := range m.AppRoles {
			team := cmp.Or(ar.TeamName, m.TeamName)
			apps = append(apps, appRole{TeamID: cat.teamID(team), Team: team, AppID: cat.appID(team, ar.AppName), App: ar.AppName,
				RoleID: cat.roleID(ar.RoleName), Role: ar.RoleName})
		}
	}
	return sortedTeams(teams), sortedApps(apps)
}

// sortedTeams, sortedApps and sortedGroups order a state's lists by id
// (then name, for entries without an id), in place.
func sortedTeams(l []teamRole) []teamRole {
	slices.SortFunc(l, func(x, y teamRole) int { return cmp.Or(cmp.Compare(x.TeamID, y.TeamID), cmp.Compare(x.Team, y.Team)) })
	return l
}

func sortedApps(l []appRole) []appRole {
	slices.SortFunc(l, func(x, y appRole) int {
		return cmp.Or(cmp.Compare(x.AppID, y.AppID), cmp.Compare(x.Team, y.Team), cmp.Compare(x.App, y.App))
	})
	return l
}

func sortedGroups(l []groupRef) []groupRef {
	slices.SortFunc(l, func(x, y groupRef) int { return cmp.Compare(x.GroupID, y.GroupID) })
	return l
}

func (cat catalog) teamID(name string) int {
	id, _ := only(cat.teams, func(t catalogTeam) (int, bool) { return t.ID, t.Name == name })
	return id
}

func (cat catalog) appID(team, name string) int {
	t, ok := only(cat.teams, func(t catalogTeam) (catalogTeam, bool) { return t, t.Name == team })
	if !ok {
		return 0
	}
	id, _ := only(t.Applications, func(a catalogApp) (int, bool) { return a.ID, a.Name == name })
	return id
}

func (cat catalog) roleID(name string) int {
	id, _ := only(cat.roles, func(r role) (int, bool) { return r.ID, r.DisplayName == name })
	return id
}

// only returns the value of the one element match accepts; false when
// none or several do.
func only[E, V any](list []E, match func(E) (V, bool)) (V, bool) {
	var found V
	n := 0
	for _, e := range list {
		if v, ok := match(e); ok {
			found, n = v, n+1
		}
	}
	var zero V
	if n != 1 {
		return zero, false
	}
	return found, true
}

// planState is the reads a dry run reports for a user's full access.
func planState() []actions.Call {
	return []actions.Call{planAudit(), {Method: http.MethodGet, Path: pathTeams}, {Method: http.MethodGet, Path: pathRoles}}
}
