package sim

import (
	"fmt"
	"slices"
	"sort"
)

// catalog is what users' access refers to: roles, teams with their
// applications, and groups. It does not change after [New].
type catalog struct {
	roles  map[int]Role
	teams  map[int]Team
	apps   map[int]appInTeam
	groups map[int]Group
}

// appInTeam is an application with the team it belongs to.
type appInTeam struct {
	Application
	team Team
}

func newCatalog(roles []Role, teams []Team, groups []Group) *catalog {
	c := &catalog{roles: roleSet(roles), teams: map[int]Team{}, apps: map[int]appInTeam{}, groups: map[int]Group{}}
	for _, t := range teams {
		c.teams[t.ID] = t
		for _, a := range t.Applications {
			c.apps[a.ID] = appInTeam{Application: a, team: t}
		}
	}
	for _, g := range groups {
		c.groups[g.ID] = g
	}
	return c
}

// checkAccess refuses a seed user whose roles or groups name something
// the catalog does not hold, or name it twice.
func (c *catalog) checkAccess(u User) error {
	seen := map[string]bool{}
	once := func(what string, id int) error {
		key := fmt.Sprint(what, id)
		if seen[key] {
			return fmt.Errorf("%s %d given twice", what, id)
		}
		seen[key] = true
		return nil
	}
	for _, tr := range u.TeamRoles {
		if _, ok := c.teams[tr.TeamID]; !ok || !c.isRole(tr.RoleID) {
			return fmt.Errorf("team role %+v names an unknown team or role", tr)
		}
		if err := once("team", tr.TeamID); err != nil {
			return err
		}
	}
	for _, ar := range u.AppRoles {
		if _, ok := c.apps[ar.AppID]; !ok || !c.isRole(ar.RoleID) {
			return fmt.Errorf("application role %+v names an unknown application or role", ar)
		}
		if err := once("application", ar.AppID); err != nil {
			return err
		}
	}
	for _, g := range u.Groups {
		if _, ok := c.groups[g]; !ok {
			return fmt.Errorf("unknown group %d", g)
		}
		if err := once("group", g); err != nil {
			return err
		}
	}
	return nil
}

// isRole reports whether id is a role a team or application role may name
// (not -1 or 0, which only a global role takes).
func (c *catalog) isRole(id int) bool {
	_, ok := c.roles[id]
	return ok
}

// teamList is the teams ordered by id, as GET teams lists them.
func (c *catalog) teamList() []Team {
	out := make([]Team, 0, len(c.teams))
	for _, t := range c.teams {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// clone copies u with its own directory and access lists, so callers
// cannot reach the store.
func clone(u User) User {
	if u.ActiveDirectory != nil {
		d := *u.ActiveDirectory
		u.ActiveDirectory = &d
	}
	u.TeamRoles = slices.Clone(u.TeamRoles)
	u.AppRoles = slices.Clone(u.AppRoles)
	u.Groups = slices.Clone(u.Groups)
	return u
}
