package sim_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/quell-dev/quell/internal/pam/commvault/sim"
)

func TestStrictRequiresAcceptJSON(t *testing.T) {
	routes := []struct{ method, path, body string }{
		{"GET", "/V4/user", ""},
		{"GET", "/V4/user/5", ""},
		{"PUT", "/V4/user/5", `{"fullName":"J"}`},
		{"POST", "/Logout", ""},
	}
	cases := []struct {
		accept string
		strict bool
		want   int
	}{
		{"", true, 406},
		{"application/xml", true, 406},
		{"*/*", true, 406},
		{"application/json", true, 200},
		{"text/html, application/json; charset=utf-8;q=0.9", true, 200},
		{"", false, 200},
		{"application/xml", false, 200},
	}
	for _, tc := range cases {
		e := newEnv(t, sim.Options{Strict: tc.strict})
		if status, _ := e.doAccept(t, "POST", sim.APIPrefix+"/Login", "", loginBody("", testUser, testPassword), tc.accept); status != tc.want {
			t.Errorf("strict=%v Accept %q: Login %d, want %d", tc.strict, tc.accept, status, tc.want)
		}
		token := e.login(t)
		for _, r := range routes {
			status, body := e.doAccept(t, r.method, sim.APIPrefix+r.path, token, r.body, tc.accept)
			if status != tc.want {
				t.Errorf("strict=%v Accept %q: %s %s %d %s, want %d", tc.strict, tc.accept, r.method, r.path, status, body, tc.want)
			}
		}
		if tc.want == 406 {
			if u, _ := e.sim.User(5); u.FullName != "John Doe" {
				t.Errorf("a refused PUT changed the user: %+v", u)
			}
		}
	}
}

func TestStrictIgnoresExternalUsersGroupChanges(t *testing.T) {
	for _, body := range []string{
		`{"userGroupOperation":"DELETE","userGroups":[{"id":12}]}`,
		`{"userGroupOperation":"ADD","userGroups":[{"name":"Helpdesk"}]}`,
		`{"userGroupOperation":"OVERWRITE","userGroups":[]}`,
	} {
		e := newEnv(t, sim.Options{Strict: true})
		status, answer := e.do(t, "PUT", sim.APIPrefix+"/V4/user/8", e.login(t), body)
		if status != 200 || answer != `{"errorMessage":"","errorCode":0}` {
			t.Errorf("%s: %d %s, want 200 and success", body, status, answer)
		}
		if u, _ := e.sim.User(8); !slices.Equal(groupIDs(u), []int{12}) {
			t.Errorf("%s: groups now %v, want unchanged", body, groupIDs(u))
		}
	}
	e := newEnv(t, sim.Options{Strict: true})
	if status, _ := e.do(t, "PUT", sim.APIPrefix+"/V4/user/8", e.login(t), `{"userGroups":[{"name":"nope"}]}`); status != 400 {
		t.Errorf("unknown group for an external user: %d, want 400", status)
	}
}

func TestStrictAuthenticationMethod(t *testing.T) {
	cases := []struct {
		name   string
		strict bool
		put    string // authenticationMethod sent to user 5; "" sends nothing
		status int
		read   string // authenticationMethod read back
	}{
		{"strict reports LOCAL as the documented default", true, "", 200, "Commcell"},
		{"strict reports AD", true, "AD", 200, "AD"},
		{"strict: set LOCAL reads back Commcell", true, "LOCAL", 200, "Commcell"},
		{"strict refuses another case", true, "saml", 400, "Commcell"},
		{"strict refuses the default's name", true, "Commcell", 400, "Commcell"},
		{"lenient reports as stored", false, "", 200, "LOCAL"},
		{"lenient stores anything", false, "saml", 200, "saml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{Strict: tc.strict})
			token := e.login(t)
			if tc.put != "" {
				if status, body := e.do(t, "PUT", sim.APIPrefix+"/V4/user/5", token, `{"authenticationMethod":"`+tc.put+`"}`); status != tc.status {
					t.Fatalf("PUT: %d %s, want %d", status, body, tc.status)
				}
			}
			_, body := e.do(t, "GET", sim.APIPrefix+"/V4/user/5", token, "")
			var u struct{ AuthenticationMethod string }
			if err := json.Unmarshal([]byte(body), &u); err != nil || u.AuthenticationMethod != tc.read {
				t.Errorf("read %q (%v), want %q", u.AuthenticationMethod, err, tc.read)
			}
		})
	}
}
