package sim_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
)

func TestUserGroupReads(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.signIn(t)
	cases := []struct {
		path string
		want int
		ids  []int // GroupIDs of the answer (one for an object)
	}{
		{"/UserGroups", 200, []int{1, 2, 3}},
		{"/usergroups?name=auditors", 200, []int{3}},
		{"/UserGroups?name=Nope", 404, nil},
		{"/UserGroups/2", 200, []int{2}},
		{"/UserGroups/99", 404, nil},
		{"/UserGroups/abc", 404, nil},
		{"/Users/12/UserGroups", 200, []int{2}},
		{"/Users/21/UserGroups", 200, []int{}},
		{"/Users/999/UserGroups", 404, nil},
	}
	for _, tc := range cases {
		status, body := e.do(t, "GET", sim.APIPrefix+tc.path)
		if status != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.path, status, body, tc.want)
			continue
		}
		if status == 200 && !slices.Equal(groupIDs(t, body), tc.ids) {
			t.Errorf("%s: groups %v, want %v in %s", tc.path, groupIDs(t, body), tc.ids, body)
		}
	}
	_, body := e.do(t, "GET", sim.APIPrefix+"/UserGroups/2")
	var g map[string]any
	_ = json.Unmarshal([]byte(body), &g)
	for _, f := range []string{"GroupID", "Name", "Description", "DistinguishedName", "GroupType", "AccountAttribute", "MembershipAttribute"} {
		if _, ok := g[f]; !ok {
			t.Errorf("group answer lacks %s: %s", f, body)
		}
	}
	if g["Name"] != "PAM Users" || g["GroupType"] != "BeyondInsight" || g["DistinguishedName"] != nil {
		t.Errorf("group answer %s", body)
	}
}

// groupIDs reads an array of groups, or one group object.
func groupIDs(t *testing.T, body string) []int {
	t.Helper()
	var list []struct{ GroupID int }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		var one struct{ GroupID int }
		if err := json.Unmarshal([]byte(body), &one); err != nil {
			t.Fatalf("not a group: %s", body)
		}
		return []int{one.GroupID}
	}
	ids := []int{}
	for _, g := range list {
		ids = append(ids, g.GroupID)
	}
	return ids
}

func TestUserGroupMembershipWrites(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.signIn(t)
	steps := []struct {
		method, path string
		want         int
		user         int
		groups       []int // the user's groups afterwards
	}{
		{"POST", "/Users/12/UserGroups/3", 200, 12, []int{2, 3}},
		{"POST", "/users/12/usergroups/3", 200, 12, []int{2, 3}}, // again: still 200
		{"DELETE", "/Users/13/UserGroups/2", 200, 13, nil},       // asmith's last group: allowed
		{"DELETE", "/Users/13/UserGroups/2", 200, 13, nil},       // not a member: still 200
		{"POST", "/Users/999/UserGroups/1", 404, 999, nil},
		{"POST", "/Users/12/UserGroups/99", 404, 12, []int{2, 3}},
		{"DELETE", "/Users/12/UserGroups/99", 404, 12, []int{2, 3}},
		{"PUT", "/Users/12/UserGroups/3", 405, 12, []int{2, 3}},
	}
	for _, s := range steps {
		status, body := e.do(t, s.method, sim.APIPrefix+s.path)
		if status != s.want {
			t.Errorf("%s %s: %d %s, want %d", s.method, s.path, status, body, s.want)
		}
		if got := e.sim.UserGroupIDs(s.user); !slices.Equal(got, s.groups) {
			t.Errorf("after %s %s: user %d in %v, want %v", s.method, s.path, s.user, got, s.groups)
		}
		if s.method == "POST" && status == 200 && !slices.Equal(groupIDs(t, body), []int{3}) {
			t.Errorf("POST answered %s, want the group", body)
		}
	}
	if g, _ := e.sim.Group(2); !slices.Equal(g.Members, []int{12}) {
		t.Errorf("PAM Users members %v", g.Members)
	}
}

func TestGroupOptions(t *testing.T) {
	if n := len(newEnv(t, sim.Options{Groups: []sim.Group{}}).sim.Groups()); n != 0 {
		t.Errorf("an empty Groups option gave %d groups", n)
	}
	custom := newEnv(t, sim.Options{Groups: []sim.Group{{GroupID: 5, Name: "Ops", Members: []int{13}}}}).sim
	if g, ok := custom.Group(5); !ok || g.GroupType != sim.TypeBeyondInsight || !slices.Equal(custom.UserGroupIDs(13), []int{5}) {
		t.Errorf("custom group %+v", g)
	}
	for name, groups := range map[string][]sim.Group{
		"duplicate id":   {{GroupID: 1, Name: "a"}, {GroupID: 1, Name: "b"}},
		"duplicate name": {{GroupID: 1, Name: "Ops"}, {GroupID: 2, Name: "OPS"}},
		"no name":        {{GroupID: 1}},
		"no id":          {{Name: "a"}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			sim.New(sim.Options{APIKey: "k", RunAs: "r", Groups: groups})
		}()
	}
}
