package sim_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

const (
	testUser     = "svc-quell"
	testPassword = "Pa55:w0rd/é"
)

type env struct {
	sim   *sim.Server
	url   string // the simulator's, from pamtest.Serve
	clock *simkit.ManualClock
}

func newEnv(t *testing.T, opts sim.Options) *env {
	t.Helper()
	if opts.Username == "" {
		opts.Username, opts.Password = testUser, testPassword
	}
	if opts.Users == nil {
		opts.Users = sim.DefaultUsers()
	}
	clock := pamtest.NewClock()
	opts.Now = clock.Now
	s := sim.New(opts)
	return &env{sim: s, url: pamtest.Serve(t, s), clock: clock}
}

// do sends one request with Accept: application/json; token "" sends no
// Authtoken header.
func (e *env) do(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	return e.doAccept(t, method, path, token, body, sim.MediaJSON)
}

// doAccept is do with the Accept header given; "" sends none.
func (e *env) doAccept(t *testing.T, method, path, token, body, accept string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if token != "" {
		req.Header.Set("Authtoken", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func loginBody(domain, user, password string) string {
	b, _ := json.Marshal(map[string]any{"domain": domain, "username": user,
		"password": base64.StdEncoding.EncodeToString([]byte(password)), "mode": 4, "deviceId": "x"})
	return string(b)
}

func (e *env) login(t *testing.T) string {
	t.Helper()
	status, body := e.do(t, "POST", sim.APIPrefix+"/Login", "", loginBody("", testUser, testPassword))
	var ans struct{ Token, UserName string }
	if err := json.Unmarshal([]byte(body), &ans); status != 200 || err != nil || ans.Token == "" {
		t.Fatalf("login: %d %s", status, body)
	}
	return ans.Token
}

func TestLogin(t *testing.T) {
	cases := []struct {
		name       string
		simUser    string
		users      []sim.User
		body       string
		wantToken  bool
		wantErrMsg string
	}{
		{name: "local user", body: loginBody("", testUser, testPassword), wantToken: true},
		{name: "name case", body: loginBody("", "SVC-Quell", testPassword), wantToken: true},
		{name: "domain user", simUser: `CORP\svc`, body: loginBody("corp", "svc", testPassword), wantToken: true},
		{name: "domain missing", simUser: `CORP\svc`, body: loginBody("", "svc", testPassword), wantErrMsg: "Invalid Username or Password"},
		{name: "wrong password", body: loginBody("", testUser, "nope"), wantErrMsg: "Invalid Username or Password"},
		{name: "plain password", body: `{"username":"svc-quell","password":"Pa55:w0rd/é"}`, wantErrMsg: "Invalid Username or Password"},
		{name: "disabled account", users: []sim.User{{ID: 2, Name: testUser}}, body: loginBody("", testUser, testPassword), wantErrMsg: "disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{Username: defaultIfEmpty(tc.simUser, testUser), Password: testPassword, Users: tc.users})
			status, body := e.do(t, "POST", "/webconsole/api/login", "", tc.body)
			var ans struct {
				Token   string `json:"token"`
				ErrList []struct {
					ErrorCode     int    `json:"errorCode"`
					ErrLogMessage string `json:"errLogMessage"`
				} `json:"errList"`
			}
			if err := json.Unmarshal([]byte(body), &ans); status != 200 || err != nil {
				t.Fatalf("%d %s", status, body)
			}
			if tc.wantToken != (ans.Token != "") || (tc.wantToken && !strings.HasPrefix(ans.Token, sim.TokenPrefix)) {
				t.Fatalf("token %q, want token=%v", ans.Token, tc.wantToken)
			}
			if tc.wantErrMsg != "" && (len(ans.ErrList) != 1 || !strings.Contains(ans.ErrList[0].ErrLogMessage, tc.wantErrMsg)) {
				t.Errorf("errList %+v, want %q", ans.ErrList, tc.wantErrMsg)
			}
		})
	}
}

func defaultIfEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func TestMalformedLoginIs400(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if status, _ := e.do(t, "POST", sim.APIPrefix+"/Login", "", `<DM2ContentIndexing_CheckCredentialReq/>`); status != 400 {
		t.Errorf("XML login: %d, want 400", status)
	}
}

func TestRoutesNeedALiveToken(t *testing.T) {
	e := newEnv(t, sim.Options{})
	const denied = `{"errorMessage":"Access denied","errorCode":5}`
	for _, token := range []string{"", "QSDK bogus"} {
		if status, body := e.do(t, "GET", sim.APIPrefix+"/V4/user", token, ""); status != 401 || body != denied {
			t.Fatalf("token %q: %d %s", token, status, body)
		}
	}
	token := e.login(t)
	steps := []struct {
		advance time.Duration
		want    int
	}{{0, 200}, {29 * time.Minute, 200}, {29 * time.Minute, 200}, {sim.TokenIdleTimeout, 401}, {0, 401}}
	for _, step := range steps {
		e.clock.Advance(step.advance)
		if status, body := e.do(t, "GET", sim.APIPrefix+"/V4/user/5", token, ""); status != step.want {
			t.Fatalf("after %v: %d %s, want %d", step.advance, status, body, step.want)
		}
	}
	token = e.login(t)
	e.sim.ExpireTokens()
	if status, _ := e.do(t, "PUT", sim.APIPrefix+"/V4/user/5", token, `{"enabled":false}`); status != 401 {
		t.Fatalf("after ExpireTokens: %d", status)
	}
	if u, _ := e.sim.User(5); !u.Enabled {
		t.Error("unauthenticated PUT changed state")
	}
	token = e.login(t)
	if status, body := e.do(t, "POST", sim.APIPrefix+"/Logout", token, ""); status != 200 || body != "User logged out" {
		t.Fatalf("logout: %d %q", status, body)
	}
	if status, body := e.do(t, "POST", sim.APIPrefix+"/Logout", token, ""); status != 401 || body != denied {
		t.Fatalf("second logout: %d %s", status, body)
	}
	if n := e.sim.Tokens(); n != 0 {
		t.Errorf("%d tokens alive", n)
	}
}

func TestPathsAndPrefixes(t *testing.T) {
	e := newEnv(t, sim.Options{})
	token := e.login(t)
	for _, path := range []string{"/webconsole/api/V4/user/5", "/WebConsole/API/v4/USER/5", "/commandcenter/api/V4/user/5"} {
		if status, body := e.do(t, "GET", path, token, ""); status != 200 || !strings.Contains(body, `"name":"jdoe"`) {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	if status, _ := e.do(t, "DELETE", sim.APIPrefix+"/V4/user/5", token, ""); status != 405 {
		t.Errorf("DELETE: %d, want 405", status)
	}
	if status, _ := e.do(t, "GET", "/api/V4/user/5", token, ""); status != 404 {
		t.Errorf("outside the prefix: %d, want 404", status)
	}
}
