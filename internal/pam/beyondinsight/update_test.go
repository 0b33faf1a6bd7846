package beyondinsight_test

import (
	"context"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

func update(ref actions.UserRef, params map[string]any) actions.Action {
	return withParams(actions.UpdateAttributes, ref, params)
}

// ldapUser is a directory user whose answers, like every non-Application
// user's, carry no UserType: only its domain gives it away.
var ldapUser = sim.User{UserID: 22, UserType: sim.TypeLDAP, UserName: "cdent", DomainName: "LDAP01", FirstName: "Arthur", EmailAddress: "cdent@ldap.example.com"}

// hostLDAPUser is an LDAP user without a domain: only its distinguished
// name (which every LDAP user has: POST Users requires it) gives it away.
var hostLDAPUser = sim.User{UserID: 23, UserType: sim.TypeLDAP, UserName: "fprefect", FirstName: "Ford", EmailAddress: "ford@ldap.example.com",
	DistinguishedName: "uid=fprefect,ou=people,dc=ldap,dc=example,dc=com"}

func withLDAPUser(o *sim.Options, _ *beyondinsight.Config) {
	o.Users = append(o.Users, ldapUser, hostLDAPUser)
}

func TestUpdateAttributesCompletes(t *testing.T) {
	cases := []struct {
		name       string
		ref        actions.UserRef
		params     map[string]any
		wantReason string
		wantBody   string
		check      func(sim.User) bool
		before     string // Outcome.Before as JSON
		after      string
	}{
		{"local user", actions.UserRef{Username: "jdoe"},
			map[string]any{"email": "john.doe@example.com", "first_name": "Johnny"},
			"updated first_name, email",
			`{"UserName":"jdoe","FirstName":"Johnny","LastName":"Doe","EmailAddress":"john.doe@example.com","IsActive":true}`,
			func(u sim.User) bool {
				return u.FirstName == "Johnny" && u.LastName == "Doe" && u.EmailAddress == "john.doe@example.com"
			},
			`{"email":"jdoe@example.com","first_name":"John"}`, `{"email":"john.doe@example.com","first_name":"Johnny"}`},
		{"rename and clear last name", actions.UserRef{TargetID: "13"},
			map[string]any{"username": "alice.smith", "last_name": ""},
			"updated username, last_name",
			`{"UserName":"alice.smith","FirstName":"Alice","LastName":"","EmailAddress":"asmith@example.com","IsActive":true}`,
			func(u sim.User) bool { return u.UserName == "alice.smith" && u.LastName == "" },
			`{"last_name":"Smith","username":"asmith"}`, `{"last_name":"","username":"alice.smith"}`},
		{"application user, JSON number", actions.UserRef{Username: "svc-pam-worker"},
			map[string]any{"access_policy_id": 7.0},
			"updated access_policy_id",
			`{"UserName":"svc-pam-worker","AccessPolicyID":7,"IsActive":true}`,
			func(u sim.User) bool { return u.AccessPolicyID == 7 && u.UserName == "svc-pam-worker" },
			`{"access_policy_id":3}`, `{"access_policy_id":7}`},
		{"application user, string id and rename", actions.UserRef{TargetID: "57"},
			map[string]any{"access_policy_id": "9", "username": "svc-pam-worker2"},
			"updated username, access_policy_id",
			`{"UserName":"svc-pam-worker2","AccessPolicyID":9,"IsActive":true}`,
			func(u sim.User) bool { return u.AccessPolicyID == 9 && u.UserName == "svc-pam-worker2" },
			`{"access_policy_id":3,"username":"svc-pam-worker"}`, `{"access_policy_id":9,"username":"svc-pam-worker2"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), update(tc.ref, tc.params))
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != actions.StatusCompleted || out.Reason != tc.wantReason || len(out.Calls) != 1 {
				t.Fatalf("outcome %+v", out)
			}
			id := out.TargetUserID
			call := out.Calls[0]
			if call.Method != "PUT" || call.Path != "Users/"+id || call.Status != 200 || jsonOf(t, call.Body) != tc.wantBody {
				t.Errorf("call %+v body %s", call, jsonOf(t, call.Body))
			}
			if got := strings.TrimSpace(e.lastBody(t, "PUT", "Users/"+id)); got != tc.wantBody {
				t.Errorf("sent %s, want %s", got, tc.wantBody)
			}
			if n := e.writes(); n != 1 {
				t.Errorf("%d writes, want 1", n)
			}
			u, _ := e.sim.User(mustAtoi(t, id))
			if !tc.check(u) {
				t.Errorf("simulator state %+v", u)
			}
			if jsonOf(t, out.Before) != tc.before || jsonOf(t, out.After) != tc.after {
				t.Errorf("before %s after %s, want %s and %s", jsonOf(t, out.Before), jsonOf(t, out.After), tc.before, tc.after)
			}
		})
	}
}

func TestUpdateAttributesAlreadyEqualIsSkipped(t *testing.T) {
	cases := map[string]struct {
		ref    actions.UserRef
		params map[string]any
	}{
		"local":       {actions.UserRef{Username: "jdoe"}, map[string]any{"email": "jdoe@example.com", "last_name": "Doe"}},
		"application": {actions.UserRef{Username: "svc-pam-worker"}, map[string]any{"access_policy_id": 3, "username": "svc-pam-worker"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), update(tc.ref, tc.params))
			if err != nil || out.Status != actions.StatusSkipped || out.Reason != "attributes already equal" || len(out.Calls) != 0 {
				t.Fatalf("got %+v, %v", out, err)
			}
			if n := e.writes(); n != 0 {
				t.Errorf("%d writes, want none", n)
			}
		})
	}
}

func TestUpdateAttributesRefusals(t *testing.T) {
	cases := []struct {
		name         string
		ref          actions.UserRef
		params       map[string]any
		fault        *simkit.Fault
		want         failure
		noRequests   bool // refused before any request at all
		attemptedPUT int  // PUTs sent (refused by the simulator or a fault)
	}{
		{name: "password", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"password": "hunter2"},
			noRequests: true, want: failure{permanent: true, contains: "cannot set password"}},
		{name: "password among others", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"email": "a@b.example", "password": "x"},
			noRequests: true, want: failure{permanent: true, contains: "cannot set password"}},
		{name: "no attributes", ref: actions.UserRef{Username: "jdoe"}, params: nil,
			noRequests: true, want: failure{permanent: true, contains: "no attributes given"}},
		{name: "bad access policy id", ref: actions.UserRef{Username: "svc-pam-worker"}, params: map[string]any{"access_policy_id": 2.5},
			noRequests: true, want: failure{permanent: true, contains: `access_policy_id "2.5" is not a positive integer`}},
		{name: "user not found", ref: actions.UserRef{Username: "ghost"}, params: map[string]any{"email": "g@example.com"},
			want: failure{permanent: true, notFound: true, contains: "no BeyondInsight user matches"}},
		{name: "active directory user", ref: actions.UserRef{Domain: "CORP", Username: "bwayne"}, params: map[string]any{"first_name": "B"},
			want: failure{permanent: true, contains: "ActiveDirectory and LDAP users cannot be updated through the BeyondInsight API"}},
		{name: "ldap user", ref: actions.UserRef{TargetID: "22"}, params: map[string]any{"email": "c@example.com"},
			want: failure{permanent: true, contains: "ActiveDirectory and LDAP users cannot be updated"}},
		{name: "ldap user known by its distinguished name only", ref: actions.UserRef{TargetID: "23"}, params: map[string]any{"first_name": "F"},
			want: failure{permanent: true, contains: "ActiveDirectory and LDAP users cannot be updated through the BeyondInsight API"}},
		{name: "local user, application attribute", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"access_policy_id": 4},
			want: failure{permanent: true, contains: "a BeyondInsight user: beyondinsight update_attributes: cannot set access_policy_id"}},
		{name: "application user, local attribute", ref: actions.UserRef{Username: "svc-pam-worker"}, params: map[string]any{"email": "svc@example.com"},
			want: failure{permanent: true, contains: "an Application user: beyondinsight update_attributes: cannot set email"}},
		{name: "invalid e-mail", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"email": "not-an-address"},
			attemptedPUT: 1, want: failure{permanent: true, status: 400, contains: "EmailAddress must be a properly formatted address."}},
		{name: "required first name", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"first_name": " "},
			attemptedPUT: 1, want: failure{permanent: true, status: 400, contains: "FirstName is required."}},
		{name: "too long", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"last_name": strings.Repeat("x", 65)},
			attemptedPUT: 1, want: failure{permanent: true, status: 400, contains: "LastName must be at most 64 characters."}},
		{name: "name taken", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"username": "ASMITH"},
			attemptedPUT: 1, want: failure{permanent: true, status: 400, contains: "A user named ASMITH already exists."}},
		{name: "503", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"first_name": "J"},
			fault: &simkit.Fault{Status: 503, Times: 1}, attemptedPUT: 1, want: failure{status: 503, contains: "update user 12: PUT "}},
		{name: "deleted since lookup", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"first_name": "J"},
			fault: &simkit.Fault{Status: 404, Times: 1}, attemptedPUT: 1, want: failure{permanent: true, notFound: true, status: 404}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withLDAPUser)
			if tc.fault != nil {
				e.sim.Inject("PUT Users/{id}", *tc.fault)
			}
			before := e.sim.Users()
			_, err := e.client.Execute(context.Background(), update(tc.ref, tc.params))
			tc.want.check(t, err)
			if tc.noRequests && len(e.sim.Requests()) != 0 {
				t.Errorf("%d requests sent; want the refusal before any", len(e.sim.Requests()))
			}
			if n := e.writes(); n != tc.attemptedPUT {
				t.Errorf("%d writes, want %d", n, tc.attemptedPUT)
			}
			if after := e.sim.Users(); jsonOf(t, after) != jsonOf(t, before) {
				t.Error("simulator state changed")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Error("the error repeats the refused password")
			}
		})
	}
}

func TestUpdateAttributesDryRun(t *testing.T) {
	e := newEnv(t, nil)
	e.dryRun(t, update(actions.UserRef{Username: "jdoe"}, map[string]any{"email": "j@example.com"}), []actions.Call{
		{Method: "GET", Path: "Users?includeInactive=true&username=jdoe"}, {Method: "PUT", Path: "Users/{id}"}})
	e.dryRun(t, update(actions.UserRef{TargetID: "57"}, map[string]any{"access_policy_id": 4}), []actions.Call{
		{Method: "GET", Path: "Users/57"}, {Method: "PUT", Path: "Users/57"}})
	// A dry run of a refused change is refused too, still without a request.
	a := update(actions.UserRef{Username: "jdoe"}, map[string]any{"password": "x"})
	a.DryRun = true
	if _, err := e.client.Execute(context.Background(), a); !actions.IsPermanent(err) || len(e.sim.Requests()) != 0 {
		t.Errorf("dry run with a password: %v, %d requests", err, len(e.sim.Requests()))
	}
}
