package threadfix_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/pam/threadfix"
	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
)

// everything holds every kind of access ThreadFix has.
var everything = sim.User{ID: 30, Name: "kitchen", GlobalRoleID: 2, HasPassword: true,
	TeamRoles: []sim.TeamRole{{TeamID: 2, RoleID: 1}}, AppRoles: []sim.AppRole{{AppID: 11, RoleID: 3}}, Groups: []int{1, 2}}

// Recorded states of everything, as the quarantine's Before and After.
const (
	everythingBefore = `{"app_roles":[{"team_id":1,"team":"Payments","app_id":11,"app":"checkout","role_id":3,"role":"Auditor"}],` +
		`"global_role_id":2,"groups":[{"group_id":1,"group":"Staff (LOCAL)"},{"group_id":2,"group":"Auditors (LOCAL)"}],` +
		`"team_roles":[{"team_id":2,"team":"Platform","role_id":1,"role":"Administrator"}]}`
	everythingAfter = `{"app_roles":[],"global_role_id":-1,"groups":[],"team_roles":[]}`
)

func withEverything(o *sim.Options, _ *threadfix.Config) { o.Users = append(o.Users, everything) }

// TestQuarantineRemovesAllAccess: global, team and application roles and
// group memberships all go, each with its documented call, and Before and
// After record exactly what changed.
func TestQuarantineRemovesAllAccess(t *testing.T) {
	cases := []struct {
		name          string
		user          string
		id            int
		calls         []string
		before, after string
		reason        string
	}{
		{"team role only, no global access", "tlead", 7,
			[]string{"POST users/7/role/team/delete teamId=1"},
			`{"team_roles":[{"team_id":1,"team":"Payments","role_id":1,"role":"Administrator"}]}`, `{"team_roles":[]}`,
			`access removed: team role "Administrator" on team "Payments"`},
		{"application roles and a group", "appdev", 8,
			[]string{"POST users/8/role/app/delete appId=11", "POST users/8/role/app/delete appId=21", "POST groups/1/removeUser/8 "},
			`{"app_roles":[{"team_id":1,"team":"Payments","app_id":11,"app":"checkout","role_id":2,"role":"User"},` +
				`{"team_id":2,"team":"Platform","app_id":21,"app":"gateway","role_id":3,"role":"Auditor"}],"groups":[{"group_id":1,"group":"Staff (LOCAL)"}]}`,
			`{"app_roles":[],"groups":[]}`,
			`access removed: application role "User" on "Payments"/"checkout"; application role "Auditor" on "Platform"/"gateway"; membership of group 1 "Staff (LOCAL)"`},
		{"everything", "kitchen", 30,
			[]string{"POST users/30/update globalRoleId=-1", "POST users/30/role/app/delete appId=11", "POST users/30/role/team/delete teamId=2",
				"POST groups/1/removeUser/30 ", "POST groups/2/removeUser/30 "},
			everythingBefore, everythingAfter, "access removed: global role 2 (User); "},
		{"global only", "jdoe", 3, []string{"POST users/3/update globalRoleId=-1"},
			`{"global_role_id":1}`, `{"global_role_id":-1}`, "access removed: global role 1 (Administrator)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withEverything)
			out, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: tc.user}))
			if err != nil || out.Status != actions.StatusCompleted || !strings.HasPrefix(out.Reason, tc.reason) {
				t.Fatalf("got %+v, %v; want completed %q", out, err, tc.reason)
			}
			if got := callLines(out.Calls); strings.Join(got, "|") != strings.Join(tc.calls, "|") {
				t.Errorf("calls %q, want %q", got, tc.calls)
			}
			if got := jsonText(t, out.Before); got != canon(t, tc.before) {
				t.Errorf("before %s, want %s", got, tc.before)
			}
			if got := jsonText(t, out.After); got != canon(t, tc.after) {
				t.Errorf("after %s, want %s", got, tc.after)
			}
			if out.Details["containment"] != "complete" || out.Details["remaining_access"] != "" {
				t.Errorf("details %v", out.Details)
			}
			if u, _ := e.sim.User(tc.id); !u.Contained() {
				t.Errorf("user still holds access: %+v", u)
			}
			again, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: tc.user}))
			if err != nil || again.Status != actions.StatusSkipped || again.Reason != threadfix.AlreadyContained {
				t.Errorf("repeat: %+v, %v", again, err)
			}
		})
	}
}

// TestQuarantineReportsRemainingAccess: what ThreadFix refuses to remove,
// or Quell cannot name by id, is listed as remaining; the rest still goes.
// Nothing removable at all is a failure.
func TestQuarantineReportsRemainingAccess(t *testing.T) {
	refused := simkit.Fault{Status: 200, Times: 1, Body: envelopeBody(false, "LDAP group membership is managed by the directory.")}
	noPlatform := simkit.Fault{Status: 200, Times: 1,
		Body: `{"message":"","success":true,"responseCode":-1,"object":[{"id":1,"name":"Payments","applications":[{"id":11,"name":"checkout"}]}]}`}
	cases := []struct {
		name, user string
		route      string
		fault      simkit.Fault
		remaining  string // in Details and Reason; "" for a failure
		fails      string
	}{
		{"a group refuses", "kitchen", sim.RouteGroupRemoveUser, refused,
			`membership of group 1 "Staff (LOCAL)" (remove membership of group 1 "Staff (LOCAL)": POST /threadfix/rest/latest/groups/1/removeUser/30: ` +
				`ThreadFix refused the request: LDAP group membership is managed by the directory.)`, ""},
		{"a team has no id", "kitchen", sim.RouteTeams, noPlatform,
			`team role "Administrator" on team "Platform" (no single team of that name in GET teams)`, ""},
		{"nothing removable", "tlead", sim.RouteTeams, simkit.Fault{Status: 200, Times: 1,
			Body: `{"message":"","success":true,"responseCode":-1,"object":[]}`}, "",
			`quarantine tlead: no access could be removed; remaining access: team role "Administrator" on team "Payments" (no single team`},
		{"the only removal refused", "tlead", sim.RouteRemoveTeamRole, refused, "",
			`quarantine tlead: remove team role "Administrator" on team "Payments": POST`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withEverything)
			e.sim.Inject(tc.route, tc.fault)
			out, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: tc.user}))
			if tc.fails != "" {
				if err == nil || !actions.IsPermanent(err) || !strings.HasPrefix(err.Error(), tc.fails) {
					t.Fatalf("got %+v, %v; want permanent error %q", out, err, tc.fails)
				}
				return
			}
			if err != nil || out.Status != actions.StatusCompleted || out.Details["containment"] != "partial" ||
				out.Details["remaining_access"] != tc.remaining || !strings.Contains(out.Reason, "REMAINING ACCESS, not removed: "+tc.remaining) {
				t.Fatalf("got %+v, %v; want completed with remaining %q", out, err, tc.remaining)
			}
			if u, _ := e.sim.User(30); u.GlobalRoleID != sim.NoGlobalAccess || len(u.AppRoles) != 0 {
				t.Errorf("removable access left: %+v", u)
			}
		})
	}
}

// TestQuarantineStopsOnTransientOrKeyFailure: a transient failure stops the
// run (the retry reads again and removes the rest; the error names what
// went already); so does a refused key, which every write would meet.
func TestQuarantineStopsOnTransientOrKeyFailure(t *testing.T) {
	e := newEnv(t, withEverything)
	e.sim.Inject(sim.RouteRemoveTeamRole, simkit.Fault{Status: 503, Times: 1})
	a := quarantine(actions.UserRef{Username: "kitchen"})
	_, err := e.client.Execute(context.Background(), a)
	if err == nil || actions.IsPermanent(err) || !strings.Contains(err.Error(), "removed before this failure: global role 2 (User); "+
		`application role "Auditor" on "Payments"/"checkout"; a retry reads`) {
		t.Fatalf("first attempt: %v", err)
	}
	if n := e.sim.Count(sim.RouteGroupRemoveUser); n != 0 {
		t.Errorf("%d group removals after the failure", n)
	}
	out, err := e.client.Execute(context.Background(), a)
	if err != nil || out.Status != actions.StatusCompleted || jsonText(t, out.Before) != canon(t,
		`{"groups":[{"group_id":1,"group":"Staff (LOCAL)"},{"group_id":2,"group":"Auditors (LOCAL)"}],"team_roles":[{"team_id":2,"team":"Platform","role_id":1,"role":"Administrator"}]}`) {
		t.Fatalf("retry: %+v, %v", out, err)
	}

	restricted := newEnv(t, withEverything)
	restricted.sim.Inject(sim.RouteUserUpdate, simkit.Fault{Status: 200, Times: 1, Body: envelopeBody(false, threadfix.MessageRestricted)})
	_, err = restricted.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "kitchen"}))
	var ae *threadfix.APIError
	if !errors.As(err, &ae) || !ae.Restricted() || len(restricted.sim.Requests()) != 5 {
		t.Errorf("restricted key: %v after %d requests; want a stop after the first write", err, len(restricted.sim.Requests()))
	}
}

// TestUpdateRecordsBeforeAndAfter: the fields sent, as they were and as
// set, under the attribute names; a type change carries the directory.
func TestUpdateRecordsBeforeAndAfter(t *testing.T) {
	cases := []struct {
		name          string
		user          string
		params        map[string]any
		before, after string
	}{
		{"rename and role", "jdoe", map[string]any{"username": "john.doe", "global_role_id": -1, "display_name": "John Doe"},
			`{"global_role_id":1,"username":"jdoe"}`, `{"global_role_id":-1,"username":"john.doe"}`},
		{"LDAP to LOCAL", "bwayne", map[string]any{"user_type": "LOCAL"},
			`{"directory_id":111,"user_type":"LDAP"}`, `{"directory_id":null,"user_type":"LOCAL"}`},
		{"LOCAL to LDAP", "asmith", map[string]any{"user_type": "LDAP", "directory_id": 112, "display_name": "A. Smith"},
			`{"directory_id":null,"display_name":"Alice Smith","user_type":"LOCAL"}`, `{"directory_id":112,"display_name":"A. Smith","user_type":"LDAP"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), update(actions.UserRef{Username: tc.user}, tc.params))
			if err != nil || out.Status != actions.StatusCompleted {
				t.Fatalf("%+v, %v", out, err)
			}
			if got := jsonText(t, out.Before); got != canon(t, tc.before) {
				t.Errorf("before %s, want %s", got, tc.before)
			}
			if got := jsonText(t, out.After); got != canon(t, tc.after) {
				t.Errorf("after %s, want %s", got, tc.after)
			}
		})
	}
}

// callLines renders calls as "METHOD path form".
func callLines(calls []actions.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		body, _ := c.Body.(map[string]string)
		var parts []string
		for _, k := range []string{"globalRoleId", "appId", "teamId", "roleId"} {
			if v, ok := body[k]; ok {
				parts = append(parts, k+"="+v)
			}
		}
		out[i] = c.Method + " " + c.Path + " " + strings.Join(parts, "&")
	}
	return out
}

// jsonText is v as JSON with sorted keys, as a stored result holds it.
func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var norm any
	if err := json.Unmarshal(b, &norm); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(norm)
	return string(b)
}

// canon is the JSON text s with sorted keys, as jsonText writes it.
func canon(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return jsonText(t, v)
}
