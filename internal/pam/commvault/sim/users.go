package sim

import (
	"fmt"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Entity is the API's {id, name} reference (company, plan, provider).
type Entity struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// UserGroup is a Commvault user group. Provider names the directory an
// external (AD) group comes from; it is zero for local groups.
type UserGroup struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Provider Entity `json:"provider"`
}

// User is one Commvault user as the simulator stores it. Its JSON form
// (for [LoadUsers] fixtures) uses the API's field names; associatedUserGroups
// entries need only id or name, and groups not in [Options.Groups] are
// added to the catalog as they are met.
type User struct {
	ID                   int         `json:"id"`
	Name                 string      `json:"name"`
	GUID                 string      `json:"GUID,omitempty"`
	FullName             string      `json:"fullName,omitempty"`
	Email                string      `json:"email,omitempty"`
	Enabled              bool        `json:"enabled"`
	UserPrincipalName    string      `json:"userPrincipalName,omitempty"`
	AuthenticationMethod string      `json:"authenticationMethod,omitempty"`
	Description          string      `json:"description,omitempty"`
	LastLoggedIn         int64       `json:"lastLoggedIn,omitempty"`
	Company              Entity      `json:"company"`
	Plan                 Entity      `json:"plan"`
	AssociatedUserGroups []UserGroup `json:"associatedUserGroups,omitempty"`
}

// IsExternal reports whether the user comes from a directory. Commvault
// names directory users DOMAIN\user; that the simulator tells external
// users by the backslash alone is [INFERRED].
func (u User) IsExternal() bool { return strings.Contains(u.Name, `\`) }

// MemberOf reports whether the user is in the group with that id.
func (u User) MemberOf(groupID int) bool {
	for _, g := range u.AssociatedUserGroups {
		if g.ID == groupID {
			return true
		}
	}
	return false
}

// DefaultGroups is the seed group catalog: three local groups and one AD
// group of the CORP domain.
func DefaultGroups() []UserGroup {
	return []UserGroup{
		{ID: 1, Name: "master"},
		{ID: 3, Name: "View All"},
		{ID: 4, Name: "Helpdesk"},
		{ID: 5, Name: "Backup Operators"},
		{ID: 12, Name: `CORP\PAM Admins`, Provider: Entity{ID: 2, Name: "CORP"}},
	}
}

// DefaultUsers is the seed data used by cmd/pamsim and the demo: two
// enabled local users, one already-disabled local user, and the AD user
// CORP\bwayne, whose groups cannot be modified through the API.
func DefaultUsers() []User {
	local := func(id int, name, full, email string, enabled bool, groups ...int) User {
		u := User{ID: id, Name: name, FullName: full, Email: email, UserPrincipalName: email,
			Enabled: enabled, AuthenticationMethod: "LOCAL"}
		for _, g := range groups {
			u.AssociatedUserGroups = append(u.AssociatedUserGroups, UserGroup{ID: g})
		}
		return u
	}
	return []User{
		local(5, "jdoe", "John Doe", "jdoe@example.com", true, 5),
		local(6, "asmith", "Alice Smith", "asmith@example.com", true, 5, 4),
		local(7, "mroe", "Mary Roe", "mroe@example.com", false, 3),
		{
			ID: 8, Name: `CORP\bwayne`, FullName: "Bruce Wayne", Email: "bwayne@corp.example.com",
			UserPrincipalName: "bwayne@corp.example.com", Enabled: true, AuthenticationMethod: "AD",
			AssociatedUserGroups: []UserGroup{{ID: 12}},
		},
	}
}

// seedUser reads "enabled" as a pointer, so a fixture that leaves it out
// gets an enabled user (the usual case) rather than a disabled one.
type seedUser struct {
	User
	Enabled *bool `json:"enabled"`
}

// LoadUsers reads seed users from a JSON file holding an array of user
// objects with the API's field names. Users without an id get one
// assigned by [New]; "enabled" defaults to true.
func LoadUsers(path string) ([]User, error) {
	var users []User
	_, err := simkit.LoadSeed(path, "users", func(seeds []seedUser) error {
		users = make([]User, len(seeds))
		for i, s := range seeds {
			users[i] = s.User
			users[i].Enabled = s.Enabled == nil || *s.Enabled
		}
		return validateUsers(users)
	})
	if err != nil {
		return nil, err
	}
	return users, nil
}

// validateUsers refuses what the product cannot hold: a user without a
// name, negative or duplicate ids, two users with the same name, a group
// reference with neither id nor name.
func validateUsers(users []User) error {
	ids, names := map[int]bool{}, map[string]bool{}
	for i, u := range users {
		name := strings.ToLower(strings.TrimSpace(u.Name))
		switch {
		case name == "":
			return fmt.Errorf("user %d: name missing", i)
		case u.ID < 0:
			return fmt.Errorf("user %d (%s): negative id", i, u.Name)
		case u.ID != 0 && ids[u.ID]:
			return fmt.Errorf("user %d (%s): duplicate id %d", i, u.Name, u.ID)
		case names[name]:
			return fmt.Errorf("user %d: duplicate name %q", i, u.Name)
		}
		for _, g := range u.AssociatedUserGroups {
			if g.ID <= 0 && strings.TrimSpace(g.Name) == "" {
				return fmt.Errorf("user %d (%s): a group needs an id or a name", i, u.Name)
			}
		}
		ids[u.ID], names[name] = true, true
	}
	return nil
}

// clone copies u deeply enough that the caller cannot change stored state.
func clone(u User) User {
	u.AssociatedUserGroups = append([]UserGroup(nil), u.AssociatedUserGroups...)
	return u
}
