package sim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
)

func TestUpdateApplies(t *testing.T) {
	cases := []struct {
		name  string
		id    int
		query string // sent as URL query parameters, as the vendor's Python client does
		body  string // sent form-encoded, as the documented curl does
		check func(sim.User) bool
	}{
		{name: "documented curl", id: 3, body: "name=user123&displayName=user123",
			check: func(u sim.User) bool { return u.Name == "user123" && u.DisplayName == "user123" }},
		{name: "query parameters", id: 3, query: "globalRoleId=-1",
			check: func(u sim.User) bool { return u.GlobalRoleID == sim.NoGlobalAccess }},
		{name: "query wins over body", id: 3, query: "displayName=Q", body: "displayName=B",
			check: func(u sim.User) bool { return u.DisplayName == "Q" }},
		{name: "read access", id: 5, body: "globalRoleId=0", check: func(u sim.User) bool { return u.GlobalRoleID == sim.ReadAccess }},
		{name: "role", id: 5, body: "globalRoleId=3", check: func(u sim.User) bool { return u.GlobalRoleID == 3 }},
		{name: "to LDAP", id: 4, body: "type=LDAP&activeDirectoryId=112",
			check: func(u sim.User) bool {
				return u.Type == "LDAP" && u.ActiveDirectory.Name == "Partner LDAP" && !u.HasPassword
			}},
		{name: "LDAP to LOCAL with password", id: 6, body: "type=LOCAL&password=twelve+chars&confirmPassword=twelve+chars",
			check: func(u sim.User) bool { return u.Type == "LOCAL" && u.ActiveDirectory == nil && u.HasPassword }},
		{name: "type in lower case", id: 3, body: "type=saml", check: func(u sim.User) bool { return u.Type == "SAML" }},
		{name: "directory ignored without type", id: 3, body: "activeDirectoryId=112", check: func(u sim.User) bool { return u.Type == "LOCAL" }},
		{name: "empty value is absent", id: 3, body: "name=&displayName=", check: func(u sim.User) bool { return u.Name == "jdoe" }},
		{name: "same name", id: 3, body: "name=jdoe", check: func(u sim.User) bool { return u.Name == "jdoe" }},
		{name: "40 characters", id: 3, body: "name=" + strings.Repeat("n", 40), check: func(u sim.User) bool { return len(u.Name) == 40 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{})
			path := sim.APIPrefix + "/users/" + itoa(tc.id) + "/update"
			if tc.query != "" {
				path += "?" + tc.query
			}
			a := e.do(t, "POST", path, tc.body)
			var obj string
			_ = json.Unmarshal(a.Object, &obj)
			if a.status != 200 || !a.Success || obj != sim.MessageUpdated || a.Message != "" || a.ResponseCode != -1 {
				t.Fatalf("answer %d %s", a.status, a.raw)
			}
			if u, _ := e.sim.User(tc.id); !tc.check(u) {
				t.Errorf("state %+v", u)
			}
		})
	}
}

func TestUpdateRefusals(t *testing.T) {
	cases := []struct {
		name string
		id   int
		body string
		want string
	}{
		{"unknown user", 99, "displayName=x", "Invalid user ID 99"},
		{"name of 41", 3, "name=" + strings.Repeat("n", 41), "maximum length of 40"},
		{"name taken", 3, "name=asmith", "already exists"},
		{"LDAP without directory", 3, "type=LDAP", "activeDirectoryId is required when type is LDAP"},
		{"unknown directory", 3, "type=LDAP&activeDirectoryId=7", `Invalid activeDirectoryId "7"`},
		{"bad type", 3, "type=ROBOT", `Invalid type "ROBOT"`},
		{"short password", 3, "password=short", "minimum length of 12"},
		{"unconfirmed password", 3, "password=long+enough+pw&confirmPassword=other+long+pw", "do not match"},
		{"confirmation alone", 3, "confirmPassword=long+enough+pw", "password is required"},
		{"password for LDAP user", 6, "password=long+enough+pw", "only be set for a LOCAL user"},
		{"unknown role", 3, "globalRoleId=42", `Invalid globalRoleId "42"`},
		{"role not a number", 3, "globalRoleId=admin", `Invalid globalRoleId "admin"`},
		{"role below -1", 3, "globalRoleId=-2", `Invalid globalRoleId "-2"`},
		{"one bad field spoils all", 3, "displayName=New&globalRoleId=42", "Invalid globalRoleId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{})
			before := e.sim.Users()
			a := e.do(t, "POST", sim.APIPrefix+"/users/"+itoa(tc.id)+"/update", tc.body)
			if a.status != 200 || a.Success || a.ResponseCode != -1 || string(a.Object) != "null" || !strings.Contains(a.Message, tc.want) {
				t.Fatalf("answer %d %s, want a failed envelope containing %q", a.status, a.raw, tc.want)
			}
			after := e.sim.Users()
			for i := range before {
				if before[i].Name != after[i].Name || before[i].DisplayName != after[i].DisplayName ||
					before[i].Type != after[i].Type || before[i].GlobalRoleID != after[i].GlobalRoleID || before[i].HasPassword != after[i].HasPassword {
					t.Errorf("user %d changed: %+v -> %+v", before[i].ID, before[i], after[i])
				}
			}
		})
	}
}

func TestUpdateIgnoresBodiesThatAreNotForms(t *testing.T) {
	e := newEnv(t, sim.Options{})
	a := e.do(t, "POST", sim.APIPrefix+"/users/3/update", `{"globalRoleId":-1}`, "Content-Type", "application/json")
	if !a.Success {
		t.Fatalf("answer %s", a.raw)
	}
	if u, _ := e.sim.User(3); u.GlobalRoleID != 1 {
		t.Error("a JSON body was read as parameters; a servlet would not")
	}
}

func TestPasswordsNeverLogged(t *testing.T) {
	e := newEnv(t, sim.Options{})
	const pw = "Sup3r-Secret-Pw"
	e.do(t, "POST", sim.APIPrefix+"/users/3/update?confirmPassword="+pw, "password="+pw+"&displayName=J")
	if u, _ := e.sim.User(3); !u.HasPassword || u.DisplayName != "J" {
		t.Fatalf("update not applied: %+v", u)
	}
	r := e.sim.Requests()[0]
	if strings.Contains(r.Body+r.Query, pw) {
		t.Fatalf("password logged: body %q query %q", r.Body, r.Query)
	}
	if r.Body != "password=[REDACTED]&displayName=J" || r.Query != "confirmPassword=[REDACTED]" {
		t.Errorf("body %q query %q", r.Body, r.Query)
	}
	b, _ := json.Marshal(e.sim.Users())
	if strings.Contains(string(b), pw) {
		t.Error("password stored")
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
