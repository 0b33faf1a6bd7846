package beyondinsight_test

import (
	"context"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// eve is a disabled account ("User Active" cleared): an attacker's, say.
var eve = sim.User{UserID: 40, UserName: "eve", FirstName: "Eve", EmailAddress: "eve@example.com", Inactive: true}

// TestInactiveUserIsFound: lookups ask for inactive users too, so a
// disabled account is still found, and quarantined, in both simulator
// modes (the strict one hides inactive users unless asked).
func TestInactiveUserIsFound(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(modeName(strict), func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, _ *beyondinsight.Config) {
				o.Strict, o.Users = strict, append(o.Users, eve)
			})
			out, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "eve"}))
			if err != nil || out.Status != actions.StatusCompleted || out.TargetUserID != "40" {
				t.Fatalf("quarantine of a disabled user: %+v, %v", out, err)
			}
			if u, _ := e.sim.User(40); !u.IsQuarantined || !u.Inactive {
				t.Errorf("simulator state %+v", u)
			}
			if q := e.lastQuery(t, "GET", "Users"); q != "includeInactive=true&username=eve" {
				t.Errorf("GET Users?%s", q)
			}
		})
	}
}

// TestAnswerShapes: every answer is accepted as an object or an array where
// the documentation shows either; any other shape is a permanent error
// that names the shape received (and never quotes it), with no write.
func TestAnswerShapes(t *testing.T) {
	userObj := `{"UserID":12,"UserName":"jdoe","FirstName":"John","LastName":"Doe","EmailAddress":"jdoe@example.com","IsQuarantined":false}`
	cases := []struct {
		name, route, body string
		a                 actions.Action
		wantErr           string // "" when the action completes
		permanent         bool
	}{
		{"user by id, one-element array", "GET Users/{id}", "[" + userObj + "]", quarantine(actions.UserRef{TargetID: "12"}), "", false},
		{"user by id, object", "GET Users/{id}", userObj, quarantine(actions.UserRef{TargetID: "12"}), "", false},
		{"user search, object", "GET Users", userObj, quarantine(actions.UserRef{Username: "jdoe"}), "", false},
		{"user by id, array of 2", "GET Users/{id}", "[" + userObj + "," + userObj + "]", quarantine(actions.UserRef{TargetID: "12"}),
			"the answer is an array of 2, want one user (an object, or an array of one)", true},
		{"user by id, empty array", "GET Users/{id}", "[]", quarantine(actions.UserRef{TargetID: "12"}),
			"the answer is an empty array, want one user", true},
		{"user by id, string", "GET Users/{id}", `"jdoe"`, quarantine(actions.UserRef{TargetID: "12"}),
			"the answer is a string, want one user", true},
		{"user search, number", "GET Users", `42`, quarantine(actions.UserRef{Username: "jdoe"}),
			"the answer is a number, want a list of users (an array, or one object)", true},
		{"user search, array of strings", "GET Users", `["jdoe"]`, quarantine(actions.UserRef{Username: "jdoe"}),
			"the answer is a string, want a list of users", true},
		{"user by id, object without UserID", "GET Users/{id}", `{"Message":"hello"}`, quarantine(actions.UserRef{TargetID: "12"}),
			"the answer is an object without its id, want one user", true},
		{"user by id, wrong field type", "GET Users/{id}", `{"UserID":"twelve"}`, quarantine(actions.UserRef{TargetID: "12"}),
			"does not match", true},
		{"groups of user, string", "GET Users/{id}/UserGroups", `"none"`, groupAction(actions.AddGroup, actions.UserRef{TargetID: "12"}, "Auditors"),
			"the answer is a string, want a list of user groups", true},
		{"group by id, array of 2", "GET UserGroups/{groupId}", `[{"GroupID":3,"Name":"A"},{"GroupID":4,"Name":"B"}]`,
			groupAction(actions.AddGroup, actions.UserRef{TargetID: "12"}, "id:3"), "the answer is an array of 2, want one user group", true},
		{"sessions, boolean", "GET Sessions", `true`, terminate(actions.UserRef{TargetID: "12"}, nil),
			"the answer is a boolean, want a list of sessions", true},
		{"cut-off answer", "GET Users/{id}", `[{"UserID":12,"UserN`, quarantine(actions.UserRef{TargetID: "12"}),
			"the answer is not whole JSON", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.Inject(tc.route, simkit.Fault{Status: 200, Body: tc.body, Times: 1})
			wantWrites := writesBeforeBadRead(tc.a)
			out, err := e.client.Execute(context.Background(), tc.a)
			if tc.wantErr == "" {
				if err != nil || out.Status != actions.StatusCompleted {
					t.Fatalf("got %+v, %v", out, err)
				}
				return
			}
			failure{permanent: tc.permanent, contains: tc.wantErr}.check(t, err)
			if n := e.writes(); n != wantWrites {
				t.Errorf("%d writes after the bad answer, want %d", n, wantWrites)
			}
		})
	}
}

// writesBeforeBadRead is how many writes a makes before the read whose
// answer is bad: the request termination precedes the session list.
func writesBeforeBadRead(a actions.Action) int {
	if a.Kind == actions.TerminateSessions {
		return 1
	}
	return 0
}
