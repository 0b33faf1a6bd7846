package sim

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// User types ThreadFix knows.
const (
	TypeLocal = "LOCAL"
	TypeLDAP  = "LDAP"
	TypeSAML  = "SAML"
)

// Global access values of globalRoleId besides a role id.
const (
	NoGlobalAccess = -1
	ReadAccess     = 0
)

// MaxNameLength is the longest user name the Edit User API accepts (in
// UTF-16 code units, as Java counts). [DOC]
const MaxNameLength = 40

// MinPasswordLength is the shortest password the Edit User API accepts. [DOC]
const MinPasswordLength = 12

// Directory is an LDAP directory configured in ThreadFix
// ("activeDirectory" in the API).
type Directory struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Role is a ThreadFix role that can be given as a global role.
type Role struct {
	ID          int    `json:"id"`
	DisplayName string `json:"displayName"`
}

// User is one ThreadFix user as the simulator stores it. Its JSON form (for
// [LoadUsers] fixtures) uses the API's field names plus globalRoleId, the
// value the Edit User API takes; the API's own answers are built by
// wireUser and wireAudit.
type User struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"displayName,omitempty"`
	// Type is LOCAL (the default), LDAP or SAML.
	Type string `json:"type,omitempty"`
	// ActiveDirectory is set for LDAP users only.
	ActiveDirectory *Directory `json:"activeDirectory,omitempty"`
	// GlobalRoleID is [NoGlobalAccess] (-1), [ReadAccess] (0, also the JSON
	// default) or a role id.
	GlobalRoleID int `json:"globalRoleId"`
	// HasPassword is sim-only: whether a local password was set through the
	// API. The value itself is never kept.
	HasPassword bool `json:"hasPassword,omitempty"`
	// TeamRoles are the user's explicit team roles (a role on a team and
	// all its applications), AppRoles its explicit application roles,
	// Groups the ids of the groups it belongs to.
	TeamRoles []TeamRole `json:"teamRoles,omitempty"`
	AppRoles  []AppRole  `json:"appRoles,omitempty"`
	Groups    []int      `json:"groups,omitempty"`
}

// TeamRole gives a user RoleID on the team TeamID and all its applications.
type TeamRole struct {
	TeamID int `json:"teamId"`
	RoleID int `json:"roleId"`
}

// AppRole gives a user RoleID on the application AppID.
type AppRole struct {
	AppID  int `json:"appId"`
	RoleID int `json:"roleId"`
}

// DefaultUsers is the seed for tests, cmd/pamsim and the demo: jdoe (3, local,
// global Administrator), asmith (4, local, read access), mroe (5, local, no
// access at all), bwayne (6, LDAP in directory 111, global role User),
// tlead (7, no global access, Administrator of team Payments, as "myUser"
// in the documented User Audit sample) and appdev (8, no global access, User
// of application checkout and Auditor of gateway, member of group Staff, as
// "appUser" in that sample).
func DefaultUsers() []User {
	return []User{
		{ID: 3, Name: "jdoe", DisplayName: "John Doe", Type: TypeLocal, GlobalRoleID: 1, HasPassword: true},
		{ID: 4, Name: "asmith", DisplayName: "Alice Smith", Type: TypeLocal, GlobalRoleID: ReadAccess, HasPassword: true},
		{ID: 5, Name: "mroe", DisplayName: "Mary Roe", Type: TypeLocal, GlobalRoleID: NoGlobalAccess, HasPassword: true},
		{ID: 6, Name: "bwayne", DisplayName: "Bruce Wayne", Type: TypeLDAP, ActiveDirectory: &Directory{ID: 111, Name: "CORP AD"}, GlobalRoleID: 2},
		{ID: 7, Name: "tlead", DisplayName: "Tara Lead", Type: TypeLocal, GlobalRoleID: NoGlobalAccess, HasPassword: true,
			TeamRoles: []TeamRole{{TeamID: 1, RoleID: 1}}},
		{ID: 8, Name: "appdev", DisplayName: "Arun Dev", Type: TypeLocal, GlobalRoleID: NoGlobalAccess, HasPassword: true,
			AppRoles: []AppRole{{AppID: 11, RoleID: 2}, {AppID: 21, RoleID: 3}}, Groups: []int{1}},
	}
}

// Team is a ThreadFix team ("organization") with its applications.
type Team struct {
	ID           int           `json:"id"`
	Name         string        `json:"name"`
	Applications []Application `json:"applications"`
}

// Application is an application of a team.
type Application struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Group is a ThreadFix user group. The roles a group grants its members
// are not simulated: Quell removes the membership, whatever it grants.
type Group struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// DefaultTeams are the teams [New] uses when [Options.Teams] is nil. The names
// are invented.
func DefaultTeams() []Team {
	return []Team{
		{ID: 1, Name: "Payments", Applications: []Application{{ID: 11, Name: "checkout"}, {ID: 12, Name: "billing"}}},
		{ID: 2, Name: "Platform", Applications: []Application{{ID: 21, Name: "gateway"}}},
	}
}

// DefaultGroups are the groups [New] uses when [Options.Groups] is nil; the
// names carry the type suffix the documented User Audit sample shows.
func DefaultGroups() []Group {
	return []Group{{ID: 1, Name: "Staff (LOCAL)"}, {ID: 2, Name: "Auditors (LOCAL)"}}
}

// DefaultRoles are the roles [New] uses when [Options.Roles] is nil. The names
// are invented.
func DefaultRoles() []Role {
	return []Role{{ID: 1, DisplayName: "Administrator"}, {ID: 2, DisplayName: "User"}, {ID: 3, DisplayName: "Auditor"}}
}

// DefaultDirectories are the LDAP directories [New] uses when
// [Options.Directories] is nil (directories users refer to are added).
func DefaultDirectories() []Directory {
	return []Directory{{ID: 111, Name: "CORP AD"}, {ID: 112, Name: "Partner LDAP"}}
}

// LoadUsers reads seed users from a JSON file holding an array of [User]
// objects and checks them as [New] would (against [DefaultRoles]).
func LoadUsers(path string) ([]User, error) {
	return simkit.LoadSeed(path, "users", func(users []User) error {
		return validateUsers(users, newCatalog(DefaultRoles(), DefaultTeams(), DefaultGroups()))
	})
}

// validateUsers checks a seed: positive unique ids, unique non-empty
// names of at most [MaxNameLength], a known type, a directory exactly for
// LDAP users, a known global role, and team roles, application roles and
// groups naming known teams, applications, roles and groups.
func validateUsers(users []User, c *catalog) error {
	roles := c.roles
	ids, names := map[int]bool{}, map[string]bool{}
	for i, u := range users {
		u = normalize(u)
		switch {
		case u.ID <= 0:
			return fmt.Errorf("user %d (%s): id must be positive", i, u.Name)
		case ids[u.ID]:
			return fmt.Errorf("user %d (%s): duplicate id %d", i, u.Name, u.ID)
		case strings.TrimSpace(u.Name) == "" || nameLength(u.Name) > MaxNameLength:
			return fmt.Errorf("user %d: name %q is empty or longer than %d", i, u.Name, MaxNameLength)
		case names[u.Name]:
			return fmt.Errorf("user %d: duplicate name %q", i, u.Name)
		case u.Type != TypeLocal && u.Type != TypeLDAP && u.Type != TypeSAML:
			return fmt.Errorf("user %d (%s): unknown type %q", i, u.Name, u.Type)
		case (u.Type == TypeLDAP) != (u.ActiveDirectory != nil):
			return fmt.Errorf("user %d (%s): activeDirectory must be set for LDAP users and only for them", i, u.Name)
		case !validRole(u.GlobalRoleID, roles):
			return fmt.Errorf("user %d (%s): unknown globalRoleId %d", i, u.Name, u.GlobalRoleID)
		}
		if err := c.checkAccess(u); err != nil {
			return fmt.Errorf("user %d (%s): %w", i, u.Name, err)
		}
		ids[u.ID], names[u.Name] = true, true
	}
	return nil
}

func normalize(u User) User {
	if u.Type == "" {
		u.Type = TypeLocal
	}
	u.Type = strings.ToUpper(u.Type)
	return u
}

func validRole(id int, roles map[int]Role) bool {
	_, ok := roles[id]
	return id == NoGlobalAccess || id == ReadAccess || ok
}

func roleSet(roles []Role) map[int]Role {
	m := make(map[int]Role, len(roles))
	for _, r := range roles {
		m[r.ID] = r
	}
	return m
}

// nameLength counts as Java's String.length does.
func nameLength(s string) int { return len(utf16.Encode([]rune(s))) }

// wireUser is an entry of GET users/list: the documented fields, an empty
// display name as null (as for user "user" in the documented sample).
type wireUser struct {
	ID              int        `json:"id"`
	Name            string     `json:"name"`
	DisplayName     *string    `json:"displayName"`
	Type            string     `json:"type"`
	ActiveDirectory *Directory `json:"activeDirectory"`
}

// wireAudit is an entry of GET users/audit, fields in the documented
// order. [DOC] User Audit - API sample.
type wireAudit struct {
	ID                    int           `json:"id"`
	Name                  string        `json:"name"`
	DisplayName           *string       `json:"displayName"`
	HasGlobalGroupAccess  bool          `json:"hasGlobalGroupAccess"`
	GlobalRole            *Role         `json:"globalRole"`
	Type                  string        `json:"type"`
	ActiveDirectory       *Directory    `json:"activeDirectory"`
	Groups                []wireGroup   `json:"groups"`
	AccessControlTeamMaps []wireTeamMap `json:"accessControlTeamMaps"`
}

// wireGroup is a group in an audit entry: {"name": "myGroup (LOCAL)", "id": 1}. [DOC]
type wireGroup struct {
	Name string `json:"name"`
	ID   int    `json:"id"`
}

// wireTeamMap is a user's access to one team in an audit entry: the team
// role's name ("-" when the user has roles on some applications only) and
// the application roles. Names only, no ids. [DOC]
type wireTeamMap struct {
	TeamName string        `json:"teamName"`
	RoleName string        `json:"roleName"`
	AppRoles []wireAppRole `json:"appRoles"`
}

// wireAppRole is an application role in a team map. [DOC]
type wireAppRole struct {
	TeamName string `json:"teamName"`
	AppName  string `json:"appName"`
	RoleName string `json:"roleName"`
	Active   bool   `json:"active"`
}

func toWireUser(u User) wireUser {
	return wireUser{ID: u.ID, Name: u.Name, DisplayName: simkit.Nullable(u.DisplayName), Type: u.Type, ActiveDirectory: u.ActiveDirectory}
}

// toWireAudit maps globalRoleId onto the audit fields: -1 is no flag and no
// role, 0 (read access) the flag without a role, a role id the flag and the
// role. [VENDOR-CODE] ThreadFix CE user form; the mapping onto the 3.x
// audit answer is [INFERRED]. Groups and team maps follow the documented
// sample; one map per team, ordered by team id [INFERRED order].
func toWireAudit(u User, c *catalog) wireAudit {
	a := wireAudit{
		ID: u.ID, Name: u.Name, DisplayName: simkit.Nullable(u.DisplayName), Type: u.Type, ActiveDirectory: u.ActiveDirectory,
		HasGlobalGroupAccess: u.GlobalRoleID != NoGlobalAccess, Groups: []wireGroup{}, AccessControlTeamMaps: teamMaps(u, c),
	}
	if r, ok := c.roles[u.GlobalRoleID]; ok && u.GlobalRoleID > 0 {
		a.GlobalRole = &r
	}
	for _, g := range u.Groups {
		a.Groups = append(a.Groups, wireGroup{Name: c.groups[g].Name, ID: g})
	}
	return a
}

// teamMaps groups the user's team and application roles by team.
func teamMaps(u User, c *catalog) []wireTeamMap {
	byTeam := map[int]*wireTeamMap{}
	get := func(t Team) *wireTeamMap {
		if m, ok := byTeam[t.ID]; ok {
			return m
		}
		m := &wireTeamMap{TeamName: t.Name, RoleName: "-", AppRoles: []wireAppRole{}}
		byTeam[t.ID] = m
		return m
	}
	for _, tr := range u.TeamRoles {
		get(c.teams[tr.TeamID]).RoleName = c.roles[tr.RoleID].DisplayName
	}
	for _, ar := range u.AppRoles {
		app := c.apps[ar.AppID]
		m := get(app.team)
		m.AppRoles = append(m.AppRoles, wireAppRole{TeamName: app.team.Name, AppName: app.Name, RoleName: c.roles[ar.RoleID].DisplayName, Active: true})
	}
	out := []wireTeamMap{}
	for _, t := range c.teamList() {
		if m, ok := byTeam[t.ID]; ok {
			out = append(out, *m)
		}
	}
	return out
}

// Contained reports whether u holds no access of any kind: no global
// access, no team or application role, no group membership.
func (u User) Contained() bool {
	return u.GlobalRoleID == NoGlobalAccess && len(u.TeamRoles) == 0 && len(u.AppRoles) == 0 && len(u.Groups) == 0
}
