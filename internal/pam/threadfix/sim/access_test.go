package sim_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
)

// TestAuditShowsTeamAppRolesAndGroups checks the audit entries of the
// seeded tlead and appdev against the shape of the documented sample
// (users "myUser" and "appUser" of the User Audit page).
func TestAuditShowsTeamAppRolesAndGroups(t *testing.T) {
	e := newEnv(t, sim.Options{})
	a := e.do(t, "GET", sim.APIPrefix+"/users/audit", "")
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(a.Object, &entries); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"7": `[{"teamName":"Payments","roleName":"Administrator","appRoles":[]}]`,
		"8": `[{"teamName":"Payments","roleName":"-","appRoles":[{"teamName":"Payments","appName":"checkout","roleName":"User","active":true}]},` +
			`{"teamName":"Platform","roleName":"-","appRoles":[{"teamName":"Platform","appName":"gateway","roleName":"Auditor","active":true}]}]`,
		"3": `[]`,
	}
	for _, entry := range entries {
		if w, ok := want[string(entry["id"])]; ok && string(entry["accessControlTeamMaps"]) != w {
			t.Errorf("user %s maps %s, want %s", entry["id"], entry["accessControlTeamMaps"], w)
		}
	}
	teams := e.do(t, "GET", sim.APIPrefix+"/teams", "")
	if string(teams.Object) != `[{"id":1,"name":"Payments","applications":[{"id":11,"name":"checkout"},{"id":12,"name":"billing"}]},{"id":2,"name":"Platform","applications":[{"id":21,"name":"gateway"}]}]` {
		t.Errorf("teams %s", teams.Object)
	}
}

// TestAccessEndpoints drives every role and membership endpoint, each
// change followed by its opposite, and the refusals that change nothing.
func TestAccessEndpoints(t *testing.T) {
	cases := []struct {
		name, path, body string
		success          bool
		message          string
		check            func(u sim.User) bool
	}{
		{"add team role", "/users/3/role/team", "teamId=2&roleId=3", true, "",
			func(u sim.User) bool { return slices.Equal(u.TeamRoles, []sim.TeamRole{{TeamID: 2, RoleID: 3}}) }},
		{"replace team role", "/users/7/role/team", "teamId=1&roleId=2", true, "",
			func(u sim.User) bool { return slices.Equal(u.TeamRoles, []sim.TeamRole{{TeamID: 1, RoleID: 2}}) }},
		{"remove team role", "/users/7/role/team/delete", "teamId=1", true, "Successfully removed role mapping for user: tlead from team: Payments",
			func(u sim.User) bool { return len(u.TeamRoles) == 0 }},
		{"remove absent team role", "/users/3/role/team/delete", "teamId=1", false, "No role mapping found for user jdoe on team 1.", nil},
		{"add app role", "/users/3/role/app", "appId=12&roleId=1", true, "",
			func(u sim.User) bool { return slices.Equal(u.AppRoles, []sim.AppRole{{AppID: 12, RoleID: 1}}) }},
		{"remove app role", "/users/8/role/app/delete", "appId=11", true, "Successfully removed role mapping for user: appdev from app: checkout",
			func(u sim.User) bool { return slices.Equal(u.AppRoles, []sim.AppRole{{AppID: 21, RoleID: 3}}) }},
		{"unknown team", "/users/3/role/team", "teamId=9&roleId=1", false, "Invalid teamId 9: no such team.", nil},
		{"unknown role", "/users/3/role/app", "appId=11&roleId=0", false, "Invalid roleId 0: no such role.", nil},
		{"missing team id", "/users/3/role/team/delete", "", false, "teamId is required and must be an integer.", nil},
		{"unknown user", "/users/99/role/team", "teamId=1&roleId=1", false, "Invalid user ID 99: no such user.", nil},
		{"add to group", "/groups/2/addUser/8", "", true, "", func(u sim.User) bool { return slices.Equal(u.Groups, []int{1, 2}) }},
		{"remove from group", "/groups/1/removeUser/8", "", true, "", func(u sim.User) bool { return len(u.Groups) == 0 }},
		{"remove non-member", "/groups/1/removeUser/3", "", false, "User jdoe is not in group 1.", nil},
		{"add member again", "/groups/1/addUser/8", "", false, "User appdev is already in group 1.", nil},
		{"unknown group", "/groups/9/addUser/3", "", false, "Invalid group ID 9: no such group.", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{})
			before := e.sim.Users()
			a := e.do(t, "POST", sim.APIPrefix+tc.path, tc.body)
			if a.status != 200 || a.Success != tc.success || (tc.message != "" && a.Message != tc.message) {
				t.Fatalf("answer %d %s", a.status, a.raw)
			}
			if !tc.success {
				if after := e.sim.Users(); !jsonEqual(before, after) {
					t.Errorf("a refusal changed the state")
				}
				return
			}
			id := userOf(tc.path)
			if u, _ := e.sim.User(id); !tc.check(u) {
				t.Errorf("user %d after: %+v", id, u)
			}
		})
	}
}

func TestGroupMembershipAnswers(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if a := e.do(t, "POST", sim.APIPrefix+"/groups/2/addUser/3", ""); string(a.Object) != `"`+sim.MessageAddedToGroup+`"` {
		t.Errorf("add: %s", a.raw)
	}
	if a := e.do(t, "POST", sim.APIPrefix+"/groups/2/removeUser/3", ""); string(a.Object) != `"`+sim.MessageRemovedFromGroup+`"` {
		t.Errorf("remove: %s", a.raw)
	}
	if a := e.do(t, "POST", sim.APIPrefix+"/groups/2/removeUser/3", "", "Authorization", "APIKEY "+readOnlyKey); a.Message != sim.MessageRestricted {
		t.Errorf("restricted key: %s", a.raw)
	}
}

// TestStrictMode: the same requests a lenient simulator serves are
// refused in strict mode when they leave the documented shape.
func TestStrictMode(t *testing.T) {
	cases := []struct {
		name, method, path, body string
		header                   []string
		strict                   int // status in strict mode; lenient always serves
	}{
		{"documented update", "POST", "/users/3/update", "globalRoleId=-1", nil, 200},
		{"documented remove team role", "POST", "/users/7/role/team/delete", "teamId=1", nil, 200},
		{"documented group call", "POST", "/groups/1/removeUser/8", "", nil, 200},
		{"documented teams paging", "GET", "/teams?page=1&pageSize=10", "", nil, 200},
		{"no Accept", "GET", "/users/list", "", []string{"Accept", ""}, 406},
		{"parameters in the query", "POST", "/users/3/update?globalRoleId=-1", "", nil, 400},
		{"undocumented field", "POST", "/users/7/role/team/delete", "teamId=1&roleId=1", nil, 400},
		{"body where none is documented", "POST", "/groups/1/removeUser/8", "x=1", nil, 400},
		{"JSON body", "POST", "/users/3/update", `{"globalRoleId":-1}`, []string{"Content-Type", "application/json"}, 415},
		{"query on a read", "GET", "/users/audit?all=1", "", nil, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, strict := range []bool{false, true} {
				e := newEnv(t, sim.Options{Strict: strict})
				a := e.do(t, tc.method, sim.APIPrefix+tc.path, tc.body, tc.header...)
				want := 200
				if strict {
					want = tc.strict
				}
				if a.status != want {
					t.Errorf("strict=%v: %d %s, want %d", strict, a.status, a.raw, want)
				}
			}
		})
	}
}

func TestSeedAccessValidated(t *testing.T) {
	for name, u := range map[string]sim.User{
		"unknown team":      {ID: 1, Name: "a", TeamRoles: []sim.TeamRole{{TeamID: 9, RoleID: 1}}},
		"read access role":  {ID: 1, Name: "a", TeamRoles: []sim.TeamRole{{TeamID: 1, RoleID: 0}}},
		"unknown app":       {ID: 1, Name: "a", AppRoles: []sim.AppRole{{AppID: 9, RoleID: 1}}},
		"app twice":         {ID: 1, Name: "a", AppRoles: []sim.AppRole{{AppID: 11, RoleID: 1}, {AppID: 11, RoleID: 2}}},
		"unknown group":     {ID: 1, Name: "a", Groups: []int{7}},
		"group given twice": {ID: 1, Name: "a", Groups: []int{1, 1}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New accepted the seed")
				}
			}()
			sim.New(sim.Options{APIKey: "k", Users: []sim.User{u}})
		})
	}
}

func TestAccessListsAreCopies(t *testing.T) {
	e := newEnv(t, sim.Options{})
	u, _ := e.sim.User(8)
	u.AppRoles[0].RoleID, u.Groups[0] = 99, 99
	if again, _ := e.sim.User(8); again.AppRoles[0].RoleID != 2 || again.Groups[0] != 1 {
		t.Error("User exposed the store's access lists")
	}
}

// userOf is the user id a role or membership path names: its last number.
func userOf(path string) int {
	var ids []int
	n, in := 0, false
	for _, r := range path + "/" {
		if r >= '0' && r <= '9' {
			n, in = n*10+int(r-'0'), true
			continue
		}
		if in {
			ids = append(ids, n)
		}
		n, in = 0, false
	}
	return ids[len(ids)-1]
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
