package sim

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Group is one BeyondInsight user group as the simulator stores it.
type Group struct {
	GroupID           int    `json:"GroupID"`
	Name              string `json:"Name"`
	Description       string `json:"Description,omitempty"`
	GroupType         string `json:"GroupType,omitempty"` // default BeyondInsight
	DistinguishedName string `json:"DistinguishedName,omitempty"`
	// Members are user ids: the seed members in [Options.Groups] and
	// PutGroup, the current members in what Group and Groups return.
	Members []int `json:"Members,omitempty"`
}

// membership is one user in one group.
type membership struct{ user, group int }

// DefaultGroups is the seed used when [Options.Groups] is nil: the built-in
// Administrators group, "PAM Users" with jdoe (12) and asmith (13) of
// [DefaultUsers], and an empty "Auditors" group.
func DefaultGroups() []Group {
	return []Group{
		{GroupID: 1, Name: "Administrators", Description: "Built-in administrators"},
		{GroupID: 2, Name: "PAM Users", Description: "Password Safe requestors", Members: []int{12, 13}},
		{GroupID: 3, Name: "Auditors", Description: "Read-only auditors"},
	}
}

func validateGroups(groups []Group) error {
	ids, names := map[int]bool{}, map[string]bool{}
	for i, g := range groups {
		name := strings.ToLower(strings.TrimSpace(g.Name))
		switch {
		case g.GroupID <= 0:
			return fmt.Errorf("group %d (%s): GroupID must be positive", i, g.Name)
		case name == "":
			return fmt.Errorf("group %d: Name missing", i)
		case ids[g.GroupID]:
			return fmt.Errorf("group %d (%s): duplicate GroupID %d", i, g.Name, g.GroupID)
		case names[name]:
			return fmt.Errorf("group %d: duplicate Name %q", i, g.Name)
		}
		ids[g.GroupID], names[name] = true, true
	}
	return nil
}

// PutGroup adds or replaces a group (by GroupID) with exactly g.Members as
// its members, and returns it as stored. Unlike [New] it does not refuse a
// name another group has, so that tests can build that case.
func (s *Server) PutGroup(g Group) Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.GroupType == "" {
		g.GroupType = TypeBeyondInsight
	}
	for m := range s.memberships {
		if m.group == g.GroupID {
			delete(s.memberships, m)
		}
	}
	for _, uid := range g.Members {
		s.memberships[membership{user: uid, group: g.GroupID}] = true
	}
	stored := g
	stored.Members = nil
	s.groups[g.GroupID] = &stored
	return s.groupLocked(g.GroupID)
}

// Group returns the group with that id and its current members.
func (s *Server) Group(id int) (Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[id]; !ok {
		return Group{}, false
	}
	return s.groupLocked(id), true
}

// Groups returns every group with its current members, ordered by GroupID.
func (s *Server) Groups() []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Group, 0, len(s.groups))
	for id := range s.groups {
		out = append(out, s.groupLocked(id))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GroupID < out[j].GroupID })
	return out
}

// UserGroupIDs returns the ids of the groups user id is in, ascending.
func (s *Server) UserGroupIDs(id int) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for m := range s.memberships {
		if m.user == id {
			if _, ok := s.groups[m.group]; ok {
				out = append(out, m.group)
			}
		}
	}
	slices.Sort(out)
	return out
}

// groupLocked copies group id with its members; s.mu must be held.
func (s *Server) groupLocked(id int) Group {
	g := *s.groups[id]
	for m := range s.memberships {
		if m.group == id {
			g.Members = append(g.Members, m.user)
		}
	}
	slices.Sort(g.Members)
	return g
}

// listGroups serves GET UserGroups, and GET UserGroups?name=, which the
// vendor's clients read as one group object; 404 when no group has the name
// (the name matched regardless of case).
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, _ simkit.Params, _ string) {
	groups := s.Groups()
	name, ok := queryParam(r, "name")
	if !ok || name == "" {
		out := make([]wireGroup, len(groups))
		for i, g := range groups {
			out[i] = wireOfGroup(g)
		}
		simkit.WriteJSON(w, http.StatusOK, out)
		return
	}
	for _, g := range groups {
		if strings.EqualFold(g.Name, name) {
			simkit.WriteJSON(w, http.StatusOK, wireOfGroup(g))
			return
		}
	}
	http.Error(w, fmt.Sprintf("User group %q not found.", name), http.StatusNotFound)
}

func (s *Server) getGroup(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	if g, ok := s.groupParam(w, p); ok {
		simkit.WriteJSON(w, http.StatusOK, wireOfGroup(g))
	}
}

// userGroups serves GET Users/{id}/UserGroups: the user's groups, an array.
func (s *Server) userGroups(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	u, ok := s.userParam(w, p)
	if !ok {
		return
	}
	out := []wireGroup{}
	for _, gid := range s.UserGroupIDs(u.UserID) {
		if g, ok := s.Group(gid); ok {
			out = append(out, wireOfGroup(g))
		}
	}
	simkit.WriteJSON(w, http.StatusOK, out)
}

// addMembership serves POST Users/{id}/UserGroups/{groupId}, answering the
// group (the vendor's C# client reads a user group back). Adding a member
// again succeeds again: the product's answer is unconfirmed.
func (s *Server) addMembership(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	if g, ok := s.setMembership(w, p, true); ok {
		simkit.WriteJSON(w, http.StatusOK, wireOfGroup(g))
	}
}

// removeMembership serves DELETE Users/{id}/UserGroups/{groupId}: 200 with
// no body ("User removed from group successfully" is the documented
// meaning). Removing a user's last group is allowed: the documentation
// says such a user cannot sign in, not that the API refuses. Removing a
// non-member succeeds as well (unconfirmed).
func (s *Server) removeMembership(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	if _, ok := s.setMembership(w, p, false); ok {
		w.WriteHeader(http.StatusOK)
	}
}

// setMembership adds or removes the membership named by the route, after
// answering 404 itself for an unknown user or group.
func (s *Server) setMembership(w http.ResponseWriter, p simkit.Params, member bool) (Group, bool) {
	u, ok := s.userParam(w, p)
	if !ok {
		return Group{}, false
	}
	g, ok := s.groupParam(w, p)
	if !ok {
		return Group{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := membership{user: u.UserID, group: g.GroupID}
	if member {
		s.memberships[m] = true
	} else {
		delete(s.memberships, m)
	}
	return g, true
}

// groupParam looks up the {groupId} segment, answering 404 itself.
func (s *Server) groupParam(w http.ResponseWriter, p simkit.Params) (Group, bool) {
	id, err := strconv.Atoi(p["groupId"])
	if err == nil {
		if g, ok := s.Group(id); ok {
			return g, true
		}
	}
	http.Error(w, fmt.Sprintf("User group %s not found.", p["groupId"]), http.StatusNotFound)
	return Group{}, false
}

// wireGroup is a user group as the API sends it: the fields of the
// vendor's C# model, empty strings as null. Members are not part of it.
type wireGroup struct {
	GroupID             int     `json:"GroupID"`
	Name                *string `json:"Name"`
	Description         *string `json:"Description"`
	DistinguishedName   *string `json:"DistinguishedName"`
	GroupType           *string `json:"GroupType"`
	AccountAttribute    *string `json:"AccountAttribute"`
	MembershipAttribute *string `json:"MembershipAttribute"`
}

func wireOfGroup(g Group) wireGroup {
	return wireGroup{
		GroupID: g.GroupID, Name: simkit.Nullable(g.Name), Description: simkit.Nullable(g.Description),
		DistinguishedName: simkit.Nullable(g.DistinguishedName), GroupType: simkit.Nullable(g.GroupType),
	}
}
