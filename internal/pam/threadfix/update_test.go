package threadfix_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/pam/threadfix"
	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
)

func TestUpdateAttributesOutcomes(t *testing.T) {
	cases := []struct {
		name       string
		ref        actions.UserRef
		params     map[string]any
		wantStatus actions.Status
		wantReason string
		wantBody   string // the form sent; "" when nothing is
		check      func(sim.User) bool
		userID     int
	}{
		{name: "rename", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"username": "john.doe", "display_name": "John Doe"},
			wantStatus: actions.StatusCompleted, wantReason: "updated name", wantBody: "name=john.doe", userID: 3,
			check: func(u sim.User) bool { return u.Name == "john.doe" && u.DisplayName == "John Doe" }},
		{name: "display name", ref: actions.UserRef{TargetID: "4"}, params: map[string]any{"display_name": "Alice Q. Smith"},
			wantStatus: actions.StatusCompleted, wantReason: "updated displayName", wantBody: "displayName=Alice+Q.+Smith", userID: 4,
			check: func(u sim.User) bool { return u.DisplayName == "Alice Q. Smith" }},
		{name: "remove global access", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"global_role_id": -1.0},
			wantStatus: actions.StatusCompleted, wantReason: "updated globalRoleId", wantBody: "globalRoleId=-1", userID: 3,
			check: func(u sim.User) bool { return u.GlobalRoleID == sim.NoGlobalAccess }},
		{name: "grant a role by string id", ref: actions.UserRef{Username: "mroe"}, params: map[string]any{"global_role_id": "3"},
			wantStatus: actions.StatusCompleted, wantReason: "updated globalRoleId", wantBody: "globalRoleId=3", userID: 5,
			check: func(u sim.User) bool { return u.GlobalRoleID == 3 }},
		{name: "local to LDAP", ref: actions.UserRef{Username: "asmith"}, params: map[string]any{"user_type": "LDAP", "directory_id": 112},
			wantStatus: actions.StatusCompleted, wantReason: "updated type, activeDirectoryId", wantBody: "activeDirectoryId=112&type=LDAP", userID: 4,
			check: func(u sim.User) bool {
				return u.Type == "LDAP" && u.ActiveDirectory != nil && u.ActiveDirectory.ID == 112
			}},
		{name: "LDAP to another directory", ref: actions.UserRef{Username: "bwayne"}, params: map[string]any{"user_type": "ldap", "directory_id": "112"},
			wantStatus: actions.StatusCompleted, wantReason: "updated type, activeDirectoryId", wantBody: "activeDirectoryId=112&type=LDAP", userID: 6,
			check: func(u sim.User) bool { return u.ActiveDirectory.ID == 112 }},
		{name: "LDAP to SAML", ref: actions.UserRef{Username: "bwayne"}, params: map[string]any{"user_type": "SAML"},
			wantStatus: actions.StatusCompleted, wantReason: "updated type", wantBody: "type=SAML", userID: 6,
			check: func(u sim.User) bool { return u.Type == "SAML" && u.ActiveDirectory == nil }},
		{name: "all equal", ref: actions.UserRef{Username: "bwayne"},
			params:     map[string]any{"username": "bwayne", "display_name": "Bruce Wayne", "user_type": "LDAP", "directory_id": 111, "global_role_id": 2},
			wantStatus: actions.StatusSkipped, wantReason: "attributes already equal", userID: 6,
			check: func(u sim.User) bool { return u.GlobalRoleID == 2 }},
		{name: "read access already", ref: actions.UserRef{Username: "asmith"}, params: map[string]any{"global_role_id": 0},
			wantStatus: actions.StatusSkipped, wantReason: "attributes already equal", userID: 4,
			check: func(u sim.User) bool { return u.GlobalRoleID == sim.ReadAccess }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), update(tc.ref, tc.params))
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tc.wantStatus || out.Reason != tc.wantReason {
				t.Fatalf("outcome %+v", out)
			}
			u, _ := e.sim.User(tc.userID)
			if !tc.check(u) {
				t.Errorf("simulator state %+v", u)
			}
			if tc.wantBody == "" {
				if e.writes() != 0 || len(out.Calls) != 0 {
					t.Errorf("skipped but %d writes, calls %+v", e.writes(), out.Calls)
				}
				return
			}
			if e.writes() != 1 || len(out.Calls) != 1 || out.Calls[0].Status != 200 {
				t.Fatalf("%d writes, calls %+v; want exactly one", e.writes(), out.Calls)
			}
			if got := e.lastBody(t); got != tc.wantBody {
				t.Errorf("sent %q, want %q", got, tc.wantBody)
			}
			// The same request again finds everything equal.
			again, err := e.client.Execute(context.Background(), update(actions.UserRef{TargetID: out.TargetUserID}, tc.params))
			if err != nil || again.Status != actions.StatusSkipped || e.writes() != 1 {
				t.Errorf("repeat: %+v, %v, %d writes", again, err, e.writes())
			}
		})
	}
}

// TestUpdateAttributesRefusedBeforeAnyRequest covers parameters refused as
// permanent errors with nothing sent, not even the user lookup.
func TestUpdateAttributesRefusedBeforeAnyRequest(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"unknown parameter", map[string]any{"email": "x@example.com"}, "cannot set email"},
		{"password", map[string]any{"password": "correct horse battery"}, `refusing "password": Quell never sets passwords`},
		{"confirm password", map[string]any{"display_name": "x", "confirmPassword": "y"}, "Quell never sets passwords"},
		{"no attributes", map[string]any{}, "no attributes given"},
		{"name of 41 characters", map[string]any{"username": strings.Repeat("a", 41)}, "username: 41 characters, ThreadFix allows at most 40"},
		{"name of 21 astral characters", map[string]any{"username": strings.Repeat("𝔸", 21)}, "username: 42 characters"},
		{"empty name", map[string]any{"username": " "}, "username: empty"},
		{"name not a string", map[string]any{"username": 7}, "username: want a string"},
		{"display name with newline", map[string]any{"display_name": "a\nb"}, "display_name: contains control characters"},
		{"LDAP without directory", map[string]any{"user_type": "LDAP"}, "LDAP needs directory_id"},
		{"directory without type", map[string]any{"directory_id": 111}, "directory_id is given but user_type is not"},
		{"directory with SAML", map[string]any{"user_type": "SAML", "directory_id": 111}, "directory_id is given with type SAML"},
		{"bad directory", map[string]any{"user_type": "LDAP", "directory_id": "x"}, "directory_id x is not a directory id"},
		{"bad type", map[string]any{"user_type": "ADMIN"}, "user_type: ADMIN is not one of LOCAL, LDAP, SAML"},
		{"role below -1", map[string]any{"global_role_id": -2}, "global_role_id: -2 is not -1"},
		{"fractional role", map[string]any{"global_role_id": 1.5}, "global_role_id: 1.5 is not -1"},
		{"several problems at once", map[string]any{"username": strings.Repeat("b", 50), "global_role_id": "admin"}, "username: 50 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			for _, dry := range []bool{false, true} {
				a := update(actions.UserRef{Username: "jdoe"}, tc.params)
				a.DryRun = dry
				_, err := e.client.Execute(context.Background(), a)
				if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("dry=%v: got %v, want permanent error containing %q", dry, err, tc.want)
				}
			}
			if n := len(e.sim.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
	e := newEnv(t, nil)
	_, err := e.client.Execute(context.Background(), update(actions.UserRef{Username: "jdoe"}, map[string]any{"username": "x", "global_role_id": "admin"}))
	if err == nil || !strings.Contains(err.Error(), "global_role_id: admin is not") {
		t.Errorf("several problems: %v", err)
	}
}

// TestUpdateAttributesRefusedByThreadFix covers success: false answers with
// HTTP 200: a permanent failure carrying the message, nothing changed.
func TestUpdateAttributesRefusedByThreadFix(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"unknown role", map[string]any{"global_role_id": 99}, `Invalid globalRoleId "99"`},
		{"name taken", map[string]any{"username": "asmith"}, "A user with that name already exists."},
		{"unknown directory", map[string]any{"user_type": "LDAP", "directory_id": 999}, `Invalid activeDirectoryId "999"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			before, _ := e.sim.User(3)
			_, err := e.client.Execute(context.Background(), update(actions.UserRef{Username: "jdoe"}, tc.params))
			var ae *threadfix.APIError
			if err == nil || !actions.IsPermanent(err) || !errors.As(err, &ae) || ae.StatusCode != 200 || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want permanent APIError containing %q", err, tc.want)
			}
			if after, _ := e.sim.User(3); !reflect.DeepEqual(after, before) || e.writes() != 1 {
				t.Errorf("state %+v -> %+v, %d writes", before, after, e.writes())
			}
		})
	}
}

func TestUpdateAttributesFailures(t *testing.T) {
	cases := []struct {
		name      string
		route     string
		fault     simkit.Fault
		permanent bool
		after     time.Duration
		notFound  bool
		writes    int
	}{
		{name: "503 on write", route: sim.RouteUserUpdate, fault: simkit.Fault{Status: 503, Times: 1}, writes: 1},
		{name: "429 on write", route: sim.RouteUserUpdate, fault: simkit.Fault{Status: 429, RetryAfter: "7", Times: 1}, after: 7 * time.Second, writes: 1},
		{name: "dropped write", route: sim.RouteUserUpdate, fault: simkit.Fault{Drop: true, Times: 1}, writes: 1},
		{name: "404 on write", route: sim.RouteUserUpdate, fault: simkit.Fault{Status: 404, Times: 1}, permanent: true, writes: 1},
		{name: "user not listed", route: sim.RouteUsersList, fault: simkit.Fault{Status: 200, Times: 1,
			Body: `{"message":"","success":true,"responseCode":-1,"object":[]}`}, permanent: true, notFound: true},
		{name: "user gone from audit", route: sim.RouteUsersAudit, fault: simkit.Fault{Status: 200, Times: 1,
			Body: `{"message":"","success":true,"responseCode":-1,"object":[]}`}, permanent: true, notFound: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.Inject(tc.route, tc.fault)
			_, err := e.client.Execute(context.Background(), update(actions.UserRef{Username: "jdoe"}, map[string]any{"display_name": "JD", "global_role_id": 0}))
			if err == nil {
				t.Fatal("want error")
			}
			class, after := actions.Classify(err)
			if (class == actions.ClassPermanent) != tc.permanent || after != tc.after || errors.Is(err, actions.ErrUserNotFound) != tc.notFound {
				t.Errorf("got %v/%v notFound=%v, want permanent=%v after=%v notFound=%v: %v",
					class, after, errors.Is(err, actions.ErrUserNotFound), tc.permanent, tc.after, tc.notFound, err)
			}
			if !strings.HasPrefix(err.Error(), "update jdoe: ") {
				t.Errorf("message %q", err)
			}
			if n := e.writes(); n != tc.writes {
				t.Errorf("%d writes, want %d", n, tc.writes)
			}
			if u, _ := e.sim.User(3); u.DisplayName != "John Doe" || u.GlobalRoleID != 1 {
				t.Errorf("state changed: %+v", u)
			}
		})
	}
}

func TestUpdateAttributesUserNotFound(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.client.Execute(context.Background(), update(actions.UserRef{Domain: "CORP", Username: "ghost"}, map[string]any{"display_name": "G"}))
	if !errors.Is(err, actions.ErrUserNotFound) || !actions.IsPermanent(err) ||
		!strings.Contains(err.Error(), `update CORP\ghost: user not found: no ThreadFix user named "CORP\\ghost", then "ghost"`) {
		t.Fatalf("got %v, want permanent ErrUserNotFound naming both names", err)
	}
	if n := len(e.sim.Requests()); n != 1 || e.writes() != 0 {
		t.Errorf("%d requests, %d writes; want the list read only", n, e.writes())
	}
}

// TestRenameRedelivered repeats a rename by the old name, as a redelivery
// after a lost answer would: the user is found by its new name and the
// action reports skipped, without writing. A namesake that does not match
// is never written to.
func TestRenameRedelivered(t *testing.T) {
	e := newEnv(t, nil)
	a := update(actions.UserRef{Username: "jdoe"}, map[string]any{"username": "john.doe", "global_role_id": 2})
	if out, err := e.client.Execute(context.Background(), a); err != nil || out.Status != actions.StatusCompleted {
		t.Fatalf("first: %+v, %v", out, err)
	}
	out, err := e.client.Execute(context.Background(), a)
	if err != nil || out.Status != actions.StatusSkipped || out.TargetUserID != "3" || !strings.Contains(out.Reason, `new name "john.doe"`) {
		t.Fatalf("redelivery: %+v, %v", out, err)
	}
	// asmith exists but does not match what ghost's rename asks for: not found, no write.
	_, err = e.client.Execute(context.Background(), update(actions.UserRef{Username: "ghost"}, map[string]any{"username": "asmith", "global_role_id": 3}))
	if !errors.Is(err, actions.ErrUserNotFound) || e.writes() != 1 {
		t.Fatalf("namesake: %v, %d writes", err, e.writes())
	}
}
