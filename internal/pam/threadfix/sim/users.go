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
// LoadUsers fixtures) uses the API's field names plus globalRoleId, the
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
	// GlobalRoleID is NoGlobalAccess (-1), ReadAccess (0, also the JSON
	// default) or a role id.
	GlobalRoleID int `json:"globalRoleId"`
	// HasPassword is sim-only: whether a local password was set through the
	// API. The value itself is never kept.
	HasPassword bool `json:"hasPassword,omitempty"`
}

// DefaultUsers is the seed for tests, cmd/pamsim and the demo: jdoe (3, local,
// global Administrator), asmith (4, local, read access), mroe (5, local, no
// global access) and bwayne (6, LDAP in directory 111, global role User).
func DefaultUsers() []User {
	return []User{
		{ID: 3, Name: "jdoe", DisplayName: "John Doe", Type: TypeLocal, GlobalRoleID: 1, HasPassword: true},
		{ID: 4, Name: "asmith", DisplayName: "Alice Smith", Type: TypeLocal, GlobalRoleID: ReadAccess, HasPassword: true},
		{ID: 5, Name: "mroe", DisplayName: "Mary Roe", Type: TypeLocal, GlobalRoleID: NoGlobalAccess, HasPassword: true},
		{ID: 6, Name: "bwayne", DisplayName: "Bruce Wayne", Type: TypeLDAP, ActiveDirectory: &Directory{ID: 111, Name: "CORP AD"}, GlobalRoleID: 2},
	}
}

// DefaultRoles are the roles New uses when Options.Roles is nil. The names
// are invented.
func DefaultRoles() []Role {
	return []Role{{ID: 1, DisplayName: "Administrator"}, {ID: 2, DisplayName: "User"}, {ID: 3, DisplayName: "Auditor"}}
}

// DefaultDirectories are the LDAP directories New uses when
// Options.Directories is nil (directories users refer to are added).
func DefaultDirectories() []Directory {
	return []Directory{{ID: 111, Name: "CORP AD"}, {ID: 112, Name: "Partner LDAP"}}
}

// LoadUsers reads seed users from a JSON file holding an array of User
// objects and checks them as New would (against DefaultRoles).
func LoadUsers(path string) ([]User, error) {
	return simkit.LoadSeed(path, "users", func(users []User) error {
		return validateUsers(users, roleSet(DefaultRoles()))
	})
}

// validateUsers checks a seed: positive unique ids, unique non-empty
// names of at most MaxNameLength, a known type, a directory exactly for
// LDAP users, and a known global role.
func validateUsers(users []User, roles map[int]Role) error {
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

// wireAudit is an entry of GET users/audit. Groups and team maps are not
// simulated and always empty.
type wireAudit struct {
	ID                    int        `json:"id"`
	Name                  string     `json:"name"`
	DisplayName           *string    `json:"displayName"`
	HasGlobalGroupAccess  bool       `json:"hasGlobalGroupAccess"`
	GlobalRole            *Role      `json:"globalRole"`
	Type                  string     `json:"type"`
	ActiveDirectory       *Directory `json:"activeDirectory"`
	Groups                []any      `json:"groups"`
	AccessControlTeamMaps []any      `json:"accessControlTeamMaps"`
}

func toWireUser(u User) wireUser {
	return wireUser{ID: u.ID, Name: u.Name, DisplayName: simkit.Nullable(u.DisplayName), Type: u.Type, ActiveDirectory: u.ActiveDirectory}
}

// toWireAudit maps globalRoleId onto the audit fields: -1 is no flag and no
// role, 0 (read access) the flag without a role, a role id the flag and the
// role. [VENDOR-CODE] ThreadFix CE user form; the mapping onto the 3.x
// audit answer is [INFERRED].
func toWireAudit(u User, roles map[int]Role) wireAudit {
	a := wireAudit{
		ID: u.ID, Name: u.Name, DisplayName: simkit.Nullable(u.DisplayName), Type: u.Type, ActiveDirectory: u.ActiveDirectory,
		HasGlobalGroupAccess: u.GlobalRoleID != NoGlobalAccess, Groups: []any{}, AccessControlTeamMaps: []any{},
	}
	if r, ok := roles[u.GlobalRoleID]; ok && u.GlobalRoleID > 0 {
		a.GlobalRole = &r
	}
	return a
}
