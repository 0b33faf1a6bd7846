package sim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
)

const (
	testKey     = "3b9f0c2e7d4a4f1b8c6e5d2a1f0e9d8c7b6a5f4e"
	readOnlyKey = "ro-5a4b3c2d1e0f"
)

type env struct {
	sim *sim.Server
	url string // the simulator's, from pamtest.Serve
}

func newEnv(t *testing.T, opts sim.Options) *env {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.Users == nil {
		opts.Users = sim.DefaultUsers()
	}
	opts.RestrictedKeys = append(opts.RestrictedKeys, readOnlyKey)
	s := sim.New(opts)
	return &env{sim: s, url: pamtest.Serve(t, s)}
}

// answer is a decoded envelope plus the HTTP status.
type answer struct {
	status       int
	Message      string          `json:"message"`
	Success      bool            `json:"success"`
	ResponseCode int             `json:"responseCode"`
	Object       json.RawMessage `json:"object"`
	raw          string
}

// do sends a request; header holds name, value pairs. A body is sent
// form-encoded unless a Content-Type pair says otherwise.
func (e *env) do(t *testing.T, method, path, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "APIKEY "+testKey)
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatalf("answer %q: %v", b, err)
		}
	}
	return a
}

func TestAuthentication(t *testing.T) {
	const authFailed = `{"message":"Authentication failed, check your API Key.","success":false,"responseCode":-1,"object":null}` + "\n"
	const restricted = `{"message":"The requested URL is restricted for your API Key.","success":false,"responseCode":-1,"object":null}` + "\n"
	cases := []struct {
		name, method, path, auth string
		want                     string // exact body; "" means success
	}{
		{"no header", "GET", "/users/list", "", authFailed},
		{"wrong key", "GET", "/users/list", "APIKEY nope", authFailed},
		{"wrong scheme", "GET", "/users/list", "Bearer " + testKey, authFailed},
		{"key as query only", "GET", "/users/list?apiKey=" + testKey, "", authFailed},
		{"scheme case", "GET", "/users/list", "apikey " + testKey, ""},
		{"restricted key reads", "GET", "/users/audit", "APIKEY " + readOnlyKey, ""},
		{"restricted key lists roles", "GET", "/roles/list", "APIKEY " + readOnlyKey, ""},
		{"restricted key writes", "POST", "/users/3/update", "APIKEY " + readOnlyKey, restricted},
		{"wrong key writes", "POST", "/users/3/update", "APIKEY nope", authFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{})
			a := e.do(t, tc.method, sim.APIPrefix+tc.path, "globalRoleId=-1", "Authorization", tc.auth)
			if tc.want == "" {
				if a.status != 200 || !a.Success || a.ResponseCode != -1 || a.Message != "" {
					t.Fatalf("answer %d %s", a.status, a.raw)
				}
				return
			}
			if a.status != sim.AuthFailureStatus || a.raw != tc.want {
				t.Fatalf("answer %d %q, want %d %q", a.status, a.raw, sim.AuthFailureStatus, tc.want)
			}
			if u, _ := e.sim.User(3); u.GlobalRoleID != 1 {
				t.Error("state changed")
			}
			for _, r := range e.sim.Requests() {
				if strings.Contains(r.Query+r.Header.Get("Authorization"), testKey) {
					t.Errorf("key logged: %+v", r)
				}
			}
		})
	}
}

func TestRoutingAndNegotiation(t *testing.T) {
	e := newEnv(t, sim.Options{})
	cases := []struct {
		method, path string
		header       []string
		status       int
	}{
		{"GET", "/threadfix/rest/latest/users/list", nil, 200},
		{"GET", "/threadfix/rest/v2.8.3/users/list", nil, 200},
		{"GET", "/threadfix/rest/v3/roles/list", nil, 200},
		{"GET", "/threadfix/rest/latest/users/list", []string{"Accept", ""}, 200},
		{"GET", "/threadfix/rest/latest/users/list", []string{"Accept", "text/html, */*;q=0.1"}, 200},
		{"GET", "/threadfix/rest/latest/users/list", []string{"Accept", "text/html"}, 406},
		{"GET", "/threadfix/rest/latest/users/3/update", nil, 405},
		{"POST", "/threadfix/rest/latest/users/abc/update", nil, 400},
		{"GET", "/threadfix/rest/users/list", nil, 404},
		{"GET", "/threadfix/rest/latest/users", nil, 404},
		{"GET", "/rest/latest/users/list", nil, 404},
	}
	for _, tc := range cases {
		if a := e.do(t, tc.method, tc.path, "", tc.header...); a.status != tc.status {
			t.Errorf("%s %s %v = %d %s, want %d", tc.method, tc.path, tc.header, a.status, a.raw, tc.status)
		}
	}
}

func TestListAuditAndRoles(t *testing.T) {
	e := newEnv(t, sim.Options{})
	list := e.do(t, "GET", sim.APIPrefix+"/users/list", "")
	var users []map[string]any
	if err := json.Unmarshal(list.Object, &users); err != nil || len(users) != 6 {
		t.Fatalf("list %s: %v", list.raw, err)
	}
	for _, u := range users {
		if len(u) != 5 || u["id"] == nil || u["type"] == nil {
			t.Errorf("list entry %v: want exactly id, name, displayName, type, activeDirectory", u)
		}
	}
	if ad := users[3]["activeDirectory"].(map[string]any); ad["id"] != 111.0 || ad["name"] != "CORP AD" {
		t.Errorf("bwayne's directory %v", ad)
	}
	var audit []struct {
		ID                   int             `json:"id"`
		HasGlobalGroupAccess bool            `json:"hasGlobalGroupAccess"`
		GlobalRole           *sim.Role       `json:"globalRole"`
		Groups               json.RawMessage `json:"groups"`
	}
	a := e.do(t, "GET", sim.APIPrefix+"/users/audit", "")
	if err := json.Unmarshal(a.Object, &audit); err != nil || len(audit) != 6 {
		t.Fatalf("audit %s: %v", a.raw, err)
	}
	want := map[int]string{3: "true 1 Administrator", 4: "true <nil>", 5: "false <nil>", 6: "true 2 User", 7: "false <nil>", 8: "false <nil>"}
	wantGroups := map[int]string{8: `[{"name":"Staff (LOCAL)","id":1}]`}
	for _, u := range audit {
		got := strings.TrimSpace(strings.Join([]string{boolText(u.HasGlobalGroupAccess), roleText(u.GlobalRole)}, " "))
		groups := wantGroups[u.ID]
		if groups == "" {
			groups = "[]"
		}
		if got != want[u.ID] || string(u.Groups) != groups {
			t.Errorf("audit %d: %q groups %s, want %q and %s", u.ID, got, u.Groups, want[u.ID], groups)
		}
	}
	roles := e.do(t, "GET", sim.APIPrefix+"/roles/list", "")
	if !strings.Contains(string(roles.Object), `{"id":1,"displayName":"Administrator"}`) {
		t.Errorf("roles %s", roles.raw)
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func roleText(r *sim.Role) string {
	if r == nil {
		return "<nil>"
	}
	b, _ := json.Marshal(r.ID)
	return string(b) + " " + r.DisplayName
}

func TestFaultsUseRoutePatterns(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.sim.Inject(sim.RouteUserUpdate, simkit.Fault{Status: 429, RetryAfter: "7", Times: 1})
	if a := e.do(t, "POST", "/threadfix/rest/v2.8.3/users/3/update", "globalRoleId=-1"); a.status != 429 {
		t.Fatalf("status %d", a.status)
	}
	if u, _ := e.sim.User(3); u.GlobalRoleID != 1 {
		t.Error("a fault changed state")
	}
	if a := e.do(t, "POST", sim.APIPrefix+"/users/3/update", "globalRoleId=-1"); !a.Success {
		t.Fatalf("after the fault: %s", a.raw)
	}
	if e.sim.Count(sim.RouteUserUpdate) != 2 || e.sim.Calls("POST", "threadfix/rest/latest/users") != 1 {
		t.Errorf("counts %d/%d", e.sim.Count(sim.RouteUserUpdate), e.sim.Calls("POST", "threadfix/rest/latest/users"))
	}
}

func TestLoadUsers(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `[{"id":9,"name":"x","globalRoleId":-1},{"id":10,"name":"y","type":"ldap","activeDirectory":{"id":5,"name":"D"}}]`)
	users, err := sim.LoadUsers(good)
	if err != nil || len(users) != 2 {
		t.Fatalf("LoadUsers: %v, %v", users, err)
	}
	e := newEnv(t, sim.Options{Users: users})
	if u, _ := e.sim.User(10); u.Type != sim.TypeLDAP || u.ActiveDirectory.ID != 5 {
		t.Errorf("stored %+v", u)
	}
	for name, text := range map[string]string{
		"dup.json":     `[{"id":1,"name":"a"},{"id":1,"name":"b"}]`,
		"ldap.json":    `[{"id":1,"name":"a","type":"LDAP"}]`,
		"role.json":    `[{"id":1,"name":"a","globalRoleId":42}]`,
		"long.json":    `[{"id":1,"name":"` + strings.Repeat("n", 41) + `"}]`,
		"type.json":    `[{"id":1,"name":"a","type":"ROBOT"}]`,
		"id.json":      `[{"name":"a"}]`,
		"invalid.json": `[{`,
	} {
		if _, err := sim.LoadUsers(write(name, text)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := sim.LoadUsers(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestNewPanicsOnBadOptions(t *testing.T) {
	for name, opts := range map[string]sim.Options{
		"no key":   {},
		"bad seed": {APIKey: "k", Users: []sim.User{{ID: 1, Name: "a", GlobalRoleID: 99}}},
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

func TestAccessorsReturnCopies(t *testing.T) {
	e := newEnv(t, sim.Options{})
	u, _ := e.sim.User(6)
	u.ActiveDirectory.ID = 999
	if again, _ := e.sim.User(6); again.ActiveDirectory.ID != 111 {
		t.Error("User exposed the store")
	}
	if len(e.sim.Users()) != 6 || len(e.sim.Roles()) != 3 {
		t.Error("Users/Roles")
	}
	put := e.sim.PutUser(sim.User{ID: 50, Name: "new"})
	if put.Type != sim.TypeLocal {
		t.Errorf("PutUser %+v", put)
	}
	if _, ok := e.sim.User(77); ok {
		t.Error("unknown user found")
	}
}
