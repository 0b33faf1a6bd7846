package sim_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
)

// shape is "object" or "array of N" for a JSON answer.
func shape(t *testing.T, body string) string {
	t.Helper()
	var list []json.RawMessage
	if json.Unmarshal([]byte(body), &list) == nil {
		return "array of " + strconv.Itoa(len(list))
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(body), &obj); err != nil {
		t.Fatalf("neither array nor object: %s", body)
	}
	return "object"
}

var inactiveUser = sim.User{UserID: 40, UserName: "eve", FirstName: "Eve", EmailAddress: "eve@example.com", Inactive: true}

// TestModesServeShapes: strict mode answers single users as the
// documentation shows them (a one-element array, an object for
// Application users); lenient mode as objects, and a username search with
// one match as that user.
func TestModesServeShapes(t *testing.T) {
	cases := []struct {
		method, path, body string
		strict, lenient    string
	}{
		{"GET", "/Users/12", "", "array of 1", "object"},
		{"GET", "/Users/57", "", "object", "object"},
		{"GET", "/Users?username=jdoe", "", "array of 1", "object"},
		{"GET", "/Users?username=nobody", "", "array of 0", "array of 0"},
		{"POST", "/Users/13/Quarantine", "", "array of 1", "object"},
		{"PUT", "/Users/12", `{"UserName":"jdoe","FirstName":"J","EmailAddress":"jdoe@example.com","IsActive":true}`, "array of 1", "object"},
		{"PUT", "/Users/57", `{"UserName":"svc-pam-worker","AccessPolicyID":3,"IsActive":true}`, "object", "object"},
		{"GET", "/Sessions?userID=12", "", "array of 2", "array of 2"},
	}
	for _, strict := range []bool{true, false} {
		e := newEnv(t, sim.Options{Strict: strict})
		e.signIn(t)
		for _, tc := range cases {
			status, body := e.send(t, tc.method, tc.path, tc.body)
			want := tc.lenient
			if strict {
				want = tc.strict
			}
			if status != 200 || shape(t, body) != want {
				t.Errorf("strict=%v %s %s: %d %s, want %s", strict, tc.method, tc.path, status, body, want)
			}
		}
	}
}

// TestStrictHidesInactiveUsers: strict mode lists an inactive user only
// with includeInactive=true; lenient mode always. Both answer it by id,
// with IsActive false.
func TestStrictHidesInactiveUsers(t *testing.T) {
	cases := []struct {
		strict bool
		query  string
		found  bool
	}{
		{true, "username=eve", false},
		{true, "username=eve&includeInactive=false", false},
		{true, "username=eve&includeInactive=true", true},
		{true, "username=eve&IncludeInactive=TRUE", true},
		{false, "username=eve", true},
	}
	for _, tc := range cases {
		e := newEnv(t, sim.Options{Strict: tc.strict, Users: append(sim.DefaultUsers(), inactiveUser)})
		e.signIn(t)
		_, body := e.do(t, "GET", sim.APIPrefix+"/Users?"+tc.query)
		if got := strings.Contains(body, `"UserID":40`); got != tc.found {
			t.Errorf("strict=%v %s: found %v, want %v (%s)", tc.strict, tc.query, got, tc.found, body)
		}
		if _, body := e.do(t, "GET", sim.APIPrefix+"/Users/40"); !strings.Contains(body, `"IsActive":false`) {
			t.Errorf("strict=%v GET Users/40: %s", tc.strict, body)
		}
	}
}

// TestPutFlags: a PUT body's IsQuarantined and IsActive are applied; left
// out, strict mode resets both to false and lenient mode keeps them.
func TestPutFlags(t *testing.T) {
	const base = `"UserName":"mroe","FirstName":"Mary","EmailAddress":"mroe@example.com"`
	cases := []struct {
		strict                bool
		body                  string
		quarantined, inactive bool
	}{
		{true, `{` + base + `}`, false, true},
		{false, `{` + base + `}`, true, false},
		{true, `{` + base + `,"IsQuarantined":true,"IsActive":true}`, true, false},
		{false, `{` + base + `,"IsQuarantined":false,"IsActive":false}`, false, true},
	}
	for _, tc := range cases {
		e := newEnv(t, sim.Options{Strict: tc.strict})
		e.signIn(t)
		if status, body := e.send(t, "PUT", "/Users/14", tc.body); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		u, _ := e.sim.User(14)
		if u.IsQuarantined != tc.quarantined || u.Inactive != tc.inactive {
			t.Errorf("strict=%v %s: quarantined %v inactive %v", tc.strict, tc.body, u.IsQuarantined, u.Inactive)
		}
	}
}

// TestSessionRoutes: GET Sessions filters by status and userID; POST
// Sessions/{id}/Terminate ends one (204), 404 for an unknown one; ending a
// user's requests leaves its sessions running.
func TestSessionRoutes(t *testing.T) {
	e := newEnv(t, sim.Options{})
	e.signIn(t)
	e.sim.AddSession(sim.PAMSession{SessionID: 8001, UserID: 13, Status: sim.SessionLocked})
	ids := func(query string) string {
		status, body := e.do(t, "GET", sim.APIPrefix+"/Sessions?"+query)
		if status != 200 {
			t.Fatalf("GET Sessions?%s: %d %s", query, status, body)
		}
		var list []sim.PAMSession
		_ = json.Unmarshal([]byte(body), &list)
		var out []string
		for _, s := range list {
			out = append(out, strconv.Itoa(s.SessionID))
		}
		return strings.Join(out, ",")
	}
	if got := ids("userID=12&status=" + url.QueryEscape("1,5,9")); got != "7001" {
		t.Errorf("jdoe's live sessions: %s, want 7001 only", got)
	}
	if got := ids("status=5"); got != "8001" {
		t.Errorf("locked sessions: %s", got)
	}
	if status, _ := e.send(t, "POST", "/Users/12/Requests/Terminate", ""); status != 204 || len(e.sim.PAMSessions(12, sim.SessionInProgress)) != 1 {
		t.Errorf("terminating requests: %d, sessions %+v", status, e.sim.PAMSessions(12))
	}
	if status, _ := e.send(t, "POST", "/Sessions/7001/Terminate", ""); status != 204 || len(e.sim.PAMSessions(12, sim.SessionInProgress)) != 0 {
		t.Errorf("terminating session 7001: %d, sessions %+v", status, e.sim.PAMSessions(12))
	}
	if status, _ := e.send(t, "POST", "/Sessions/9999/Terminate", ""); status != 404 {
		t.Errorf("unknown session: %d", status)
	}
	if status, _ := e.do(t, "GET", sim.APIPrefix+"/Sessions?status=live"); status != 400 {
		t.Errorf("bad status filter: %d", status)
	}
}
