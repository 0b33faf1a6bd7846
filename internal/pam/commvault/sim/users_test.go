package sim_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/pam/commvault/sim"
)

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestWireShape checks the field names against samples/commvault-user.json
// (User) and the OpenAPI UserSummary / UserListResp.
func TestWireShape(t *testing.T) {
	e := newEnv(t, sim.Options{})
	token := e.login(t)
	_, body := e.do(t, "GET", sim.APIPrefix+"/V4/user/8", token, "")
	var u map[string]any
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatal(err)
	}
	want := []string{"GUID", "associatedUserGroups", "authenticationMethod", "company", "description", "email", "enabled",
		"fullName", "id", "lastLoggedIn", "lockInfo", "name", "plan", "userPrincipalName"}
	if got := keys(u); !slices.Equal(got, want) {
		t.Errorf("User fields %v, want %v", got, want)
	}
	groups, _ := json.Marshal(u["associatedUserGroups"])
	if string(groups) != `[{"id":12,"name":"CORP\\PAM Admins","provider":{"id":2,"name":"CORP"}}]` {
		t.Errorf("associatedUserGroups %s", groups)
	}
	if u["name"] != `CORP\bwayne` || u["enabled"] != true {
		t.Errorf("user %v", u)
	}

	_, body = e.do(t, "GET", sim.APIPrefix+"/V4/user", token, "")
	var list struct {
		NumberOfUsers int              `json:"numberOfUsers"`
		Users         []map[string]any `json:"users"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || list.NumberOfUsers != 4 || len(list.Users) != 4 {
		t.Fatalf("list %s", body)
	}
	want = []string{"GUID", "company", "email", "enabled", "fullName", "id", "lockInfo", "name", "numberOfLaptops", "plan", "userPrincipalName"}
	if got := keys(list.Users[0]); !slices.Equal(got, want) {
		t.Errorf("UserSummary fields %v, want %v", got, want)
	}
}

func TestListFilters(t *testing.T) {
	e := newEnv(t, sim.Options{})
	token := e.login(t)
	cases := map[string]int{"": 4, "?userGroupId=5": 2, "?userGroupId=4": 1, "?userGroupId=99": 0, "?laptopUsers=true": 0, "?userGroupId=x": -1}
	for q, want := range cases {
		status, body := e.do(t, "GET", sim.APIPrefix+"/V4/user"+q, token, "")
		if want < 0 {
			if status != 400 {
				t.Errorf("%s: %d, want 400", q, status)
			}
			continue
		}
		var list struct{ NumberOfUsers int }
		_ = json.Unmarshal([]byte(body), &list)
		if status != 200 || list.NumberOfUsers != want {
			t.Errorf("%s: %d %s, want %d users", q, status, body, want)
		}
	}
}

func TestGetUnknownUser(t *testing.T) {
	e := newEnv(t, sim.Options{})
	token := e.login(t)
	for _, id := range []string{"999", "abc"} {
		status, body := e.do(t, "GET", sim.APIPrefix+"/V4/user/"+id, token, "")
		if status != 404 || body != `{"errorMessage":"Requested Details not found","errorCode":1}` {
			t.Errorf("%s: %d %s", id, status, body)
		}
	}
}

func groupIDs(u sim.User) []int {
	var ids []int
	for _, g := range u.AssociatedUserGroups {
		ids = append(ids, g.ID)
	}
	return ids
}

func TestModifyUser(t *testing.T) {
	cases := []struct {
		name    string
		id      string
		body    string
		status  int
		errText string
		check   func(sim.User) bool
	}{
		{"disable", "5", `{"enabled":false}`, 200, "", func(u sim.User) bool { return !u.Enabled }},
		{"enable", "7", `{"enabled":true}`, 200, "", func(u sim.User) bool { return u.Enabled }},
		{"attributes", "5", `{"fullName":"J. Doe","email":"j@example.com","userPrincipalName":"j@corp","authenticationMethod":"SAML"}`, 200, "",
			func(u sim.User) bool {
				return u.FullName == "J. Doe" && u.Email == "j@example.com" && u.UserPrincipalName == "j@corp" && u.AuthenticationMethod == "SAML"
			}},
		{"empty string is no change", "5", `{"email":""}`, 200, "", func(u sim.User) bool { return u.Email == "jdoe@example.com" }},
		{"add by id", "5", `{"userGroupOperation":"ADD","userGroups":[{"id":4}]}`, 200, "", func(u sim.User) bool { return slices.Equal(groupIDs(u), []int{5, 4}) }},
		{"add by name, default op", "5", `{"userGroups":[{"name":"helpdesk"}]}`, 200, "", func(u sim.User) bool { return slices.Equal(groupIDs(u), []int{5, 4}) }},
		{"add existing", "5", `{"userGroupOperation":"ADD","userGroups":[{"id":5}]}`, 200, "", func(u sim.User) bool { return slices.Equal(groupIDs(u), []int{5}) }},
		{"delete", "6", `{"userGroupOperation":"DELETE","userGroups":[{"name":"Backup Operators"}]}`, 200, "", func(u sim.User) bool { return slices.Equal(groupIDs(u), []int{4}) }},
		{"overwrite", "6", `{"userGroupOperation":"OVERWRITE","userGroups":[{"id":1},{"id":3}]}`, 200, "", func(u sim.User) bool { return slices.Equal(groupIDs(u), []int{1, 3}) }},
		{"overwrite to none", "6", `{"userGroupOperation":"OVERWRITE","userGroups":[]}`, 200, "", func(u sim.User) bool { return len(u.AssociatedUserGroups) == 0 }},
		{"rename", "5", `{"newName":"john"}`, 200, "", func(u sim.User) bool { return u.Name == "john" }},
		{"unknown operation", "5", `{"userGroupOperation":"MERGE","userGroups":[{"id":4}]}`, 400, "invalid userGroupOperation", nil},
		{"lower-case operation", "5", `{"userGroupOperation":"add"}`, 400, "invalid userGroupOperation", nil},
		{"external user's groups", "8", `{"userGroupOperation":"DELETE","userGroups":[{"id":12}]}`, 400, "external users", nil},
		{"unknown group", "5", `{"userGroups":[{"name":"nope"}]}`, 400, "not found", nil},
		{"taken name", "5", `{"newName":"ASMITH"}`, 400, "already exists", nil},
		{"password change", "5", `{"newPassword":"eA==","validationPassword":"eQ=="}`, 400, "not simulated", nil},
		{"malformed", "5", `{"enabled":"no"}`, 400, "Invalid request body", nil},
		{"atomic", "5", `{"enabled":false,"userGroups":[{"name":"nope"}]}`, 400, "not found", nil},
		{"unknown user", "999", `{"enabled":false}`, 404, "Requested Details not found", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{})
			before := e.sim.Users()
			status, body := e.do(t, "PUT", sim.APIPrefix+"/V4/user/"+tc.id, e.login(t), tc.body)
			var resp struct {
				ErrorMessage *string `json:"errorMessage"`
				ErrorCode    *int    `json:"errorCode"`
			}
			if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.ErrorCode == nil || resp.ErrorMessage == nil {
				t.Fatalf("answer is not GenericResp: %s", body)
			}
			if status != tc.status || (tc.status == 200) != (*resp.ErrorCode == 0) || !strings.Contains(*resp.ErrorMessage, tc.errText) {
				t.Fatalf("%d %s, want %d %q", status, body, tc.status, tc.errText)
			}
			if tc.check == nil {
				if after := e.sim.Users(); !equalJSON(before, after) {
					t.Error("a refused PUT changed state")
				}
				return
			}
			u, _ := e.sim.User(atoi(tc.id))
			if !tc.check(u) {
				t.Errorf("state after PUT: %+v", u)
			}
		})
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestRequestLogHidesPasswords(t *testing.T) {
	e := newEnv(t, sim.Options{})
	token := e.login(t)
	e.do(t, "PUT", sim.APIPrefix+"/V4/user/5", token, `{"newPassword":"`+base64.StdEncoding.EncodeToString([]byte(testPassword))+`"}`)
	e.do(t, "POST", sim.APIPrefix+"/Login", "", `<x password="`+testPassword+`"/>`)
	dump, _ := json.Marshal(e.sim.Requests())
	for _, s := range []string{testPassword, base64.StdEncoding.EncodeToString([]byte(testPassword)), strings.TrimPrefix(token, sim.TokenPrefix)} {
		if strings.Contains(string(dump), s) {
			t.Errorf("request log contains %q: %s", s, dump)
		}
	}
	if first := e.sim.Requests()[0]; !strings.Contains(first.Body, `"password":"[REDACTED]"`) || !strings.Contains(first.Body, `"username":"svc-quell"`) {
		t.Errorf("login logged as %q", first.Body)
	}
}

func TestLoadUsers(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "users.json")
	_ = os.WriteFile(good, []byte(`[{"id": 40, "name": "ops", "email": "ops@example.com", "associatedUserGroups": [{"name": "Auditors"}]},
		{"name": "off", "enabled": false}]`), 0o600)
	users, err := sim.LoadUsers(good)
	if err != nil || len(users) != 2 || !users[0].Enabled || users[1].Enabled {
		t.Fatalf("LoadUsers: %+v, %v", users, err)
	}
	s := sim.New(sim.Options{Username: "a", Password: "b", Users: users})
	ops, _ := s.User(40)
	g, ok := s.Group(ops.AssociatedUserGroups[0].ID)
	if !ok || g.Name != "Auditors" || ops.GUID == "" || ops.Company.Name != "CommCell" {
		t.Errorf("stored %+v, group %+v", ops, g)
	}
	if off, ok := s.User(41); !ok || off.Name != "off" {
		t.Errorf("id assignment: %+v", s.Users())
	}
	for name, content := range map[string]string{
		"dup-id.json":   `[{"id":1,"name":"a"},{"id":1,"name":"b"}]`,
		"dup-name.json": `[{"name":"a"},{"name":"A"}]`,
		"no-name.json":  `[{"id":1}]`,
		"bad-group":     `[{"name":"a","associatedUserGroups":[{}]}]`,
		"not-json.json": `{`,
	} {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(content), 0o600)
		if _, err := sim.LoadUsers(p); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

func TestNewPanicsOnBadOptions(t *testing.T) {
	for name, opts := range map[string]sim.Options{
		"no credentials": {},
		"duplicate ids":  {Username: "a", Password: "b", Users: []sim.User{{ID: 1, Name: "x"}, {ID: 1, Name: "y"}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			sim.New(opts)
		}()
	}
}
