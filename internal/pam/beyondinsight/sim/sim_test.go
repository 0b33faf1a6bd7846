package sim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

const (
	testKey   = "c479a66f0d1c4a7b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"
	testRunAs = "svc-quell"
)

type env struct {
	sim   *sim.Server
	url   string // the simulator's, from pamtest.Serve
	hc    *http.Client
	clock *simkit.ManualClock
}

func newEnv(t *testing.T, opts sim.Options) *env {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.RunAs == "" {
		opts.RunAs = testRunAs
	}
	if opts.Users == nil {
		opts.Users = sim.DefaultUsers()
	}
	clock := pamtest.NewClock()
	opts.Now = clock.Now
	s := sim.New(opts)
	jar, _ := cookiejar.New(nil)
	return &env{sim: s, url: pamtest.Serve(t, s), hc: &http.Client{Jar: jar}, clock: clock}
}

func (e *env) do(t *testing.T, method, path string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *env) signIn(t *testing.T) {
	t.Helper()
	if status, body := e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppin", "Authorization", "PS-Auth key="+testKey+"; runas="+testRunAs+";"); status != 200 {
		t.Fatalf("sign in: %d %s", status, body)
	}
}

func TestSignAppInHeaderFormats(t *testing.T) {
	cases := []struct {
		name     string
		password string
		header   string
		want     int
	}{
		{"documented spacing", "", "PS-Auth key=" + testKey + "; runas=" + testRunAs + ";", 200},
		{"vendor client spacing", "", "PS-Auth key=" + testKey + ";runas=" + testRunAs + ";", 200},
		{"no trailing semicolon", "", "PS-Auth key=" + testKey + "; runas=" + testRunAs, 200},
		{"scheme and runas case", "", "ps-auth key=" + testKey + "; runas=SVC-Quell;", 200},
		{"unneeded pwd ignored", "", "PS-Auth key=" + testKey + "; runas=" + testRunAs + "; pwd=[x];", 200},
		{"pwd", "un1qu3", "PS-Auth key=" + testKey + "; runas=" + testRunAs + "; pwd=[un1qu3];", 200},
		{"pwd no spaces", "un1qu3", "PS-Auth key=" + testKey + ";runas=" + testRunAs + ";pwd=[un1qu3];", 200},
		{"pwd with ; and ]", "a;b]c", "PS-Auth key=" + testKey + "; runas=" + testRunAs + "; pwd=[a;b]c];", 200},
		{"pwd missing", "un1qu3", "PS-Auth key=" + testKey + "; runas=" + testRunAs + ";", 401},
		{"pwd wrong", "un1qu3", "PS-Auth key=" + testKey + "; runas=" + testRunAs + "; pwd=[nope];", 401},
		{"wrong key", "", "PS-Auth key=wrong; runas=" + testRunAs + ";", 401},
		{"wrong runas", "", "PS-Auth key=" + testKey + "; runas=someone;", 401},
		{"no runas", "", "PS-Auth key=" + testKey + ";", 401},
		{"duplicate key", "", "PS-Auth key=wrong; key=" + testKey + "; runas=" + testRunAs + ";", 401},
		{"unknown bearer token", "", "Bearer abc", 401},
		{"none", "", "", 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, sim.Options{Password: tc.password})
			status, body := e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppin", "Authorization", tc.header)
			if status != tc.want {
				t.Fatalf("status %d (%s), want %d", status, body, tc.want)
			}
			if strings.Contains(body, testKey) {
				t.Error("answer echoes the key")
			}
			if tc.want != 200 {
				return
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"UserId", "EmailAddress", "UserName", "Name"} {
				if _, ok := got[f]; !ok {
					t.Errorf("SignAppIn answer lacks %s: %s", f, body)
				}
			}
			if e.sim.Sessions() != 1 {
				t.Errorf("%d sessions", e.sim.Sessions())
			}
		})
	}
}

func TestRoutesNeedALiveSession(t *testing.T) {
	e := newEnv(t, sim.Options{})
	if status, _ := e.do(t, "GET", sim.APIPrefix+"/Users"); status != 401 {
		t.Fatalf("without session: %d", status)
	}
	e.signIn(t)
	for _, step := range []struct {
		advance time.Duration
		want    int
	}{{0, 200}, {19 * time.Minute, 200}, {19 * time.Minute, 200}, {20 * time.Minute, 401}, {0, 401}} {
		e.clock.Advance(step.advance)
		if status, body := e.do(t, "GET", sim.APIPrefix+"/Users/12"); status != step.want {
			t.Fatalf("after %v: %d %s, want %d", step.advance, status, body, step.want)
		}
	}
	e.signIn(t)
	e.sim.ExpireSessions()
	if status, _ := e.do(t, "POST", sim.APIPrefix+"/Users/12/Quarantine"); status != 401 {
		t.Fatalf("after ExpireSessions: %d", status)
	}
	if u, _ := e.sim.User(12); u.IsQuarantined {
		t.Error("unauthenticated quarantine changed state")
	}
	e.signIn(t)
	if status, _ := e.do(t, "POST", sim.APIPrefix+"/Auth/Signout"); status != 200 {
		t.Fatalf("signout: %d", status)
	}
	if n := e.sim.Sessions(); n != 0 {
		t.Errorf("%d sessions after signout", n)
	}
}

func TestUserLookup(t *testing.T) {
	extra := append(sim.DefaultUsers(),
		sim.User{UserID: 30, UserName: "jdoe", DomainName: "LAB", EmailAddress: "john.doe@lab.example.com", UserPrincipalName: "jdoe@lab.example.com"},
		sim.User{UserID: 31, UserName: "host01\\admin"},
	)
	e := newEnv(t, sim.Options{Users: extra, Strict: true})
	e.signIn(t)
	cases := []struct {
		q    string
		want []int
	}{
		{"jdoe", []int{12}},
		{"JDOE", []int{12}},
		{"bwayne", nil}, // a bare name finds local users only
		{`CORP\bwayne`, []int{21}},
		{`corp\BWAYNE`, []int{21}},
		{`LAB\bwayne`, nil},
		{"bwayne@corp.example.com", []int{21}},
		{"jdoe@lab.example.com", []int{30}},     // UPN
		{"john.doe@lab.example.com", []int{30}}, // e-mail of a directory user
		{"jdoe@example.com", nil},               // e-mail of a local user is not a user name
		{"svc-pam-worker", []int{57}},           // Application users are local
		{`host01\admin`, []int{31}},             // a local user named host\user
		{"nobody", nil},
	}
	for _, tc := range cases {
		status, body := e.do(t, "GET", sim.APIPrefix+"/Users?username="+url.QueryEscape(tc.q))
		if status != 200 {
			t.Fatalf("%q: %d %s", tc.q, status, body)
		}
		var got []struct{ UserID int }
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%q: %v in %s", tc.q, err, body)
		}
		ids := []int{}
		for _, u := range got {
			ids = append(ids, u.UserID)
		}
		if !equalInts(ids, tc.want) {
			t.Errorf("username=%q: got %v, want %v", tc.q, ids, tc.want)
		}
	}
	// No username: everyone, including the run-as account New added.
	_, body := e.do(t, "GET", sim.APIPrefix+"/users?UserName=")
	var all []map[string]any
	_ = json.Unmarshal([]byte(body), &all)
	if len(all) != len(extra)+1 {
		t.Errorf("GET Users returned %d users, want %d", len(all), len(extra)+1)
	}
}

func TestWireShape(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.signIn(t)
	cases := []struct {
		id      int
		present map[string]any // field -> value; nil means JSON null
		absent  []string
	}{
		{12, map[string]any{"UserID": 12.0, "UserName": "jdoe", "DomainName": nil, "DistinguishedName": nil, "EmailAddress": "jdoe@example.com", "IsQuarantined": false},
			[]string{"ClientID", "ClientSecret", "UserType", "UserPrincipalName"}},
		{21, map[string]any{"UserName": "bwayne", "DomainName": "CORP", "DistinguishedName": "CN=Bruce Wayne,OU=Users,DC=corp,DC=example,DC=com"},
			[]string{"UserPrincipalName"}},
		{57, map[string]any{"UserType": "Application", "ClientID": "6c4a0a3e-1a2b-4c5d-8e9f-0a1b2c3d4e5f", "ClientSecret": nil, "AccessPolicyID": 3.0, "FirstName": nil, "EmailAddress": nil}, nil},
	}
	for _, tc := range cases {
		status, body := e.do(t, "GET", sim.APIPrefix+"/Users/"+strconv.Itoa(tc.id))
		if status != 200 {
			t.Fatalf("GET Users/%d: %d", tc.id, status)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("GET Users/%d is not an object: %s", tc.id, body)
		}
		for k, want := range tc.present {
			v, ok := got[k]
			if !ok || v != want {
				t.Errorf("user %d: %s = %v (present %v), want %v", tc.id, k, v, ok, want)
			}
		}
		for _, k := range tc.absent {
			if _, ok := got[k]; ok {
				t.Errorf("user %d: unexpected field %s", tc.id, k)
			}
		}
	}
}

func TestQuarantineAndErrors(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.signIn(t)
	cases := []struct {
		method, path string
		want         int
	}{
		{"POST", sim.APIPrefix + "/users/13/quarantine", 200},
		{"POST", sim.APIPrefix + "/Users/13/Quarantine", 200}, // again: still 200
		{"POST", sim.LegacyAPIPrefix + "/Users/12/Quarantine", 200},
		{"POST", sim.APIPrefix + "/Users/999/Quarantine", 404},
		{"POST", sim.APIPrefix + "/Users/abc/Quarantine", 404},
		{"GET", sim.APIPrefix + "/Users/999", 404},
		{"GET", sim.APIPrefix + "/Users/13/Quarantine", 405},
		{"PATCH", sim.APIPrefix + "/Users", 405},
		{"GET", sim.APIPrefix + "/Auth/SignAppin", 405},
		{"GET", sim.APIPrefix + "/Nope", 404},
		{"GET", "/other/Users", 404},
	}
	for _, tc := range cases {
		if status, body := e.do(t, tc.method, tc.path); status != tc.want {
			t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, status, body, tc.want)
		}
	}
	for _, id := range []int{12, 13} {
		if u, _ := e.sim.User(id); !u.IsQuarantined {
			t.Errorf("user %d not quarantined", id)
		}
	}
	if u, _ := e.sim.User(21); u.IsQuarantined {
		t.Error("user 21 quarantined")
	}
	if n := e.sim.Count("POST Users/{id}/Quarantine"); n != 5 {
		t.Errorf("Count = %d, want 5", n)
	}
}

func TestQuarantinedRunAsCannotSignIn(t *testing.T) {
	e := newEnv(t, sim.Options{RunAs: "asmith"})
	u, _ := e.sim.User(13)
	u.IsQuarantined = true
	e.sim.PutUser(u)
	status, _ := e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", "Authorization", "PS-Auth key="+testKey+"; runas=asmith;")
	if status != 401 {
		t.Errorf("status %d, want 401", status)
	}
}

func TestRequestLogHidesCredentials(t *testing.T) {
	e := newEnv(t, sim.Options{Password: "p@ss"})
	e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", "Authorization", "PS-Auth key="+testKey+"; runas="+testRunAs+"; pwd=[p@ss];")
	e.do(t, "POST", sim.APIPrefix+"/Auth/SignAppIn", "Authorization", "PS-Auth key=WRONGKEY; runas="+testRunAs+";")
	e.do(t, "GET", sim.APIPrefix+"/Users")
	reqs := e.sim.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d entries", len(reqs))
	}
	if got := reqs[0].Header.Get("Authorization"); got != "PS-Auth key=[REDACTED]; runas="+testRunAs+"; pwd=[REDACTED];" {
		t.Errorf("Authorization logged as %q", got)
	}
	if got := reqs[2].Header.Get("Cookie"); got != sim.SessionCookie+"=[REDACTED]" {
		t.Errorf("Cookie logged as %q", got)
	}
	dump, _ := json.Marshal(reqs)
	for _, s := range []string{testKey, "WRONGKEY", "p@ss"} {
		if strings.Contains(string(dump), s) {
			t.Errorf("request log contains %q", s)
		}
	}
}

func TestLoadUsers(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "users.json")
	_ = os.WriteFile(good, []byte(`[
		{"UserID": 5, "UserName": "kent", "DomainName": null, "EmailAddress": "kent@example.com", "IsQuarantined": false},
		{"UserName": "app", "UserType": "Application", "ClientID": "x", "ClientSecret": null, "AccessPolicyID": 1}
	]`), 0o600)
	users, err := sim.LoadUsers(good)
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sim.Options{APIKey: "k", RunAs: "kent", Users: users})
	if u, ok := s.User(6); !ok || u.UserName != "app" || u.UserType != sim.TypeApplication {
		t.Errorf("assigned user = %+v, %v", u, ok)
	}
	if n := len(s.Users()); n != 2 {
		t.Errorf("%d users; the run-as user was in the seed and must not be added", n)
	}
	for name, content := range map[string]string{
		"dup.json":     `[{"UserID":1,"UserName":"a"},{"UserID":1,"UserName":"b"}]`,
		"noname.json":  `[{"UserID":1}]`,
		"notjson.json": `{`,
	} {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(content), 0o600)
		if _, err := sim.LoadUsers(p); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
	if _, err := sim.LoadUsers(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: want error")
	}
}

func TestNewPanicsOnBadOptions(t *testing.T) {
	for name, opts := range map[string]sim.Options{
		"no key":   {RunAs: "x"},
		"no runas": {APIKey: "x"},
		"dup ids":  {APIKey: "x", RunAs: "x", Users: []sim.User{{UserID: 1, UserName: "a"}, {UserID: 1, UserName: "b"}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: New did not panic", name)
				}
			}()
			sim.New(opts)
		}()
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
