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

// TestUpdateKeepsQuarantineAndActivity: PUT Users/{id} carries the user's
// quarantine and activity as read, so that a product that resets flags a
// body leaves out (the strict simulator) neither lifts a quarantine nor
// changes whether the user is active. Both modes, quarantined and not,
// active and not.
func TestUpdateKeepsQuarantineAndActivity(t *testing.T) {
	users := []struct {
		name string
		user sim.User
		body string
	}{
		{"quarantined", sim.User{UserID: 41, UserName: "mallory", FirstName: "M", EmailAddress: "m@example.com", IsQuarantined: true},
			`{"UserName":"mallory","FirstName":"Mal","LastName":"","EmailAddress":"m@example.com","IsQuarantined":true,"IsActive":true}`},
		{"inactive", sim.User{UserID: 42, UserName: "trent", FirstName: "T", EmailAddress: "t@example.com", Inactive: true},
			`{"UserName":"trent","FirstName":"Mal","LastName":"","EmailAddress":"t@example.com","IsActive":false}`},
		{"quarantined application user", sim.User{UserID: 43, UserType: sim.TypeApplication, UserName: "svc-x", AccessPolicyID: 2, IsQuarantined: true},
			`{"UserName":"svc-x","AccessPolicyID":5,"IsQuarantined":true,"IsActive":true}`},
	}
	for _, strict := range []bool{false, true} {
		for _, u := range users {
			t.Run(modeName(strict)+"/"+u.name, func(t *testing.T) {
				e := newEnv(t, func(o *sim.Options, _ *beyondinsight.Config) { o.Strict, o.Users = strict, append(o.Users, u.user) })
				params := map[string]any{"first_name": "Mal"}
				if u.user.UserType == sim.TypeApplication {
					params = map[string]any{"access_policy_id": 5}
				}
				id := actions.UserRef{TargetID: itoa(u.user.UserID)}
				out, err := e.client.Execute(context.Background(), update(id, params))
				if err != nil || out.Status != actions.StatusCompleted {
					t.Fatalf("got %+v, %v", out, err)
				}
				if got := strings.TrimSpace(e.lastBody(t, "PUT", "Users/"+id.TargetID)); got != u.body {
					t.Errorf("sent %s, want %s", got, u.body)
				}
				after, _ := e.sim.User(u.user.UserID)
				if after.IsQuarantined != u.user.IsQuarantined || after.Inactive != u.user.Inactive {
					t.Errorf("quarantined %v inactive %v, want %v %v", after.IsQuarantined, after.Inactive, u.user.IsQuarantined, u.user.Inactive)
				}
			})
		}
	}
}

// TestUpdateThatChangesFlagsFailsLoudly: when the PUT answer shows the
// quarantine lifted (a product that ignores the flags sent), the user is
// quarantined again at once and the action fails permanently; a changed
// activity fails it too. An answer that is not the user is checked with a
// read instead.
func TestUpdateThatChangesFlagsFailsLoudly(t *testing.T) {
	const mroe = `"UserID":14,"UserName":"mroe","FirstName":"Mal","LastName":"Roe","EmailAddress":"mroe@example.com"`
	const jdoe = `"UserID":12,"UserName":"jdoe","FirstName":"Mal","LastName":"Doe","EmailAddress":"jdoe@example.com"`
	cases := []struct {
		name, id, answer string
		wantErr          string // "" when the update completes
		wantWrites       []string
	}{
		{"quarantine lifted", "14", `[{` + mroe + `,"IsQuarantined":false,"IsActive":true}]`,
			"it lifted the quarantine (quarantined again with POST Users/14/Quarantine)", []string{"PUT Users/14", "POST Users/14/Quarantine"}},
		{"deactivated", "12", `{` + jdoe + `,"IsQuarantined":false,"IsActive":false}`,
			"it changed IsActive from true to false", []string{"PUT Users/12"}},
		{"answer not a user: read back, unchanged", "14", `OK`, "", []string{"PUT Users/14"}},
		{"quarantine kept", "14", `[{` + mroe + `,"IsQuarantined":true,"IsActive":true}]`, "", []string{"PUT Users/14"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.Inject("PUT Users/{id}", simkit.Fault{Status: 200, Body: tc.answer, Times: 1})
			out, err := e.client.Execute(context.Background(), update(actions.UserRef{TargetID: tc.id}, map[string]any{"first_name": "Mal"}))
			if tc.wantErr == "" {
				if err != nil || out.Status != actions.StatusCompleted {
					t.Fatalf("got %+v, %v", out, err)
				}
			} else {
				failure{permanent: true, contains: tc.wantErr}.check(t, err)
			}
			var writes []string
			for _, r := range e.sim.Requests() {
				if r.Method != "GET" && !strings.HasPrefix(r.RelPath, "Auth/") {
					writes = append(writes, r.Method+" "+r.RelPath)
				}
			}
			if strings.Join(writes, "; ") != strings.Join(tc.wantWrites, "; ") {
				t.Errorf("writes %q, want %q", writes, tc.wantWrites)
			}
			if u, _ := e.sim.User(14); !u.IsQuarantined {
				t.Error("mroe is no longer quarantined")
			}
		})
	}
}
