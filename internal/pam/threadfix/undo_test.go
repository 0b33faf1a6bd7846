package threadfix_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
)

// undoFrom builds the undo of orig from its outcome as the executor would,
// and sends it through JSON as a stored action travels, so that Before and
// After arrive as decoded JSON, not as the client's own types.
func undoFrom(t *testing.T, orig actions.Action, out actions.Outcome, force bool) actions.Action {
	t.Helper()
	u, err := actions.NewUndo(orig, out, actions.StatusCompleted, "tester", "wrong user", force)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var stored actions.Action
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	return stored
}

// run executes a and fails t on an error.
func run(t *testing.T, e *env, a actions.Action) actions.Outcome {
	t.Helper()
	out, err := e.client.Execute(context.Background(), a)
	if err != nil {
		t.Fatalf("%s: %v", a.Kind, err)
	}
	return out
}

func posts(e *env) int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Method == "POST" {
			n++
		}
	}
	return n
}

func TestUndoQuarantineRestoresExactly(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   int
	}{{"kitchen", 30}, {"appdev", 8}, {"tlead", 7}, {"jdoe", 3}, {"asmith", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, withEverything)
			original, _ := e.sim.User(tc.id)
			q := quarantine(actions.UserRef{Username: tc.name})
			qOut := run(t, e, q)
			undo := undoFrom(t, q, qOut, false)
			out := run(t, e, undo)
			if out.Status != actions.StatusCompleted || out.Refused || !strings.HasPrefix(out.Reason, "access restored: ") {
				t.Fatalf("undo: %+v", out)
			}
			if got, _ := e.sim.User(tc.id); !reflect.DeepEqual(got, original) {
				t.Errorf("after undo %+v, want %+v", got, original)
			}
			if jsonText(t, out.Before) != jsonText(t, qOut.After) || jsonText(t, out.After) != jsonText(t, qOut.Before) {
				t.Errorf("undo recorded %s -> %s; want the quarantine's %s -> %s",
					jsonText(t, out.Before), jsonText(t, out.After), jsonText(t, qOut.After), jsonText(t, qOut.Before))
			}
			writes := posts(e)
			again := run(t, e, undo)
			if again.Status != actions.StatusSkipped || again.Refused || !strings.HasPrefix(again.Reason, "already restored") || posts(e) != writes {
				t.Errorf("repeat: %+v, %d writes", again, posts(e)-writes)
			}
		})
	}
}

// TestUndoQuarantineRefusedWhenChanged: access changed by someone after
// the quarantine stops the undo, naming every difference; --force
// restores what the quarantine removed and leaves the rest as it is.
func TestUndoQuarantineRefusedWhenChanged(t *testing.T) {
	e := newEnv(t, withEverything)
	q := quarantine(actions.UserRef{Username: "kitchen"})
	qOut := run(t, e, q)
	u, _ := e.sim.User(30)
	u.GlobalRoleID, u.TeamRoles = 3, []sim.TeamRole{{TeamID: 1, RoleID: 2}}
	e.sim.PutUser(u)
	writes := posts(e)

	out := run(t, e, undoFrom(t, q, qOut, false))
	want := []string{"not undone: the state changed since ", "global_role_id is 3, the action left -1",
		`team_roles is [{"role":"User","role_id":2,"team":"Payments","team_id":1}], the action left []`, "undo with --force"}
	for _, w := range want {
		if out.Status != actions.StatusSkipped || !out.Refused || !strings.Contains(out.Reason, w) {
			t.Errorf("refusal %+v lacks %q", out, w)
		}
	}
	if strings.Contains(out.Reason, "groups") || posts(e) != writes {
		t.Errorf("unchanged keys listed, or %d writes: %s", posts(e)-writes, out.Reason)
	}

	forced := run(t, e, undoFrom(t, q, qOut, true))
	if forced.Status != actions.StatusCompleted || !strings.Contains(forced.Details["left_as_is"], `team role "User" on team "Payments"`) {
		t.Fatalf("forced: %+v", forced)
	}
	got, _ := e.sim.User(30)
	if got.GlobalRoleID != 2 || len(got.TeamRoles) != 2 || !reflect.DeepEqual(got.Groups, []int{1, 2}) || len(got.AppRoles) != 1 {
		t.Errorf("after forced undo: %+v", got)
	}
}

// TestUndoQuarantineResumes: a restore cut short by a transient failure is
// finished by the retry, which does not take its own progress for a change.
func TestUndoQuarantineResumes(t *testing.T) {
	e := newEnv(t, withEverything)
	original, _ := e.sim.User(30)
	q := quarantine(actions.UserRef{Username: "kitchen"})
	undo := undoFrom(t, q, run(t, e, q), false)
	e.sim.Inject(sim.RouteAddTeamRole, simkit.Fault{Status: 503, Times: 1})
	if _, err := e.client.Execute(context.Background(), undo); err == nil || actions.IsPermanent(err) {
		t.Fatalf("first attempt: %v, want transient", err)
	}
	out := run(t, e, undo)
	if out.Status != actions.StatusCompleted || out.Refused {
		t.Fatalf("retry: %+v", out)
	}
	if got, _ := e.sim.User(30); !reflect.DeepEqual(got, original) {
		t.Errorf("after retry %+v, want %+v", got, original)
	}
}

func TestUndoRefusals(t *testing.T) {
	lost := map[string]any{"team_roles": []any{map[string]any{"team_id": 0, "team": "Gone", "role_id": 1, "role": "Administrator"}}}
	cases := []struct {
		name     string
		a        actions.Action
		want     string
		requests int
	}{
		{"rotate_client_secret", undoOf(actions.RotateClientSecret, "3", map[string]any{"x": 1}, nil),
			"not undone: ThreadFix targets do not carry out rotate_client_secret, so act_orig changed nothing here to restore", 0},
		{"terminate_sessions", undoOf(actions.TerminateSessions, "3", map[string]any{"x": 1}, nil), "do not carry out terminate_sessions", 0},
		{"a role without ids", undoOf(actions.Quarantine, "5", lost, map[string]any{"team_roles": []any{}}),
			`not undone: team role "Administrator" on team "Gone" cannot be restored through the API (its id is unknown); restore it by hand in ThreadFix`, 2},
		{"an empty display name", undoOf(actions.UpdateAttributes, "3", map[string]any{"display_name": ""}, map[string]any{"display_name": "X"}),
			"the display name was empty before", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out := run(t, e, tc.a)
			if out.Status != actions.StatusSkipped || !out.Refused || !strings.Contains(out.Reason, tc.want) {
				t.Errorf("got %+v, want refused %q", out, tc.want)
			}
			if n := len(e.sim.Requests()); n != tc.requests || posts(e) != 0 {
				t.Errorf("%d requests (%d writes), want %d reads", n, posts(e), tc.requests)
			}
		})
	}
}

func TestUndoUpdateRestoresExactly(t *testing.T) {
	cases := []struct {
		name, user string
		id         int
		params     map[string]any
		note       bool
	}{
		{"rename, display name and role", "jdoe", 3, map[string]any{"username": "john.doe", "display_name": "J", "global_role_id": -1}, false},
		{"LDAP to LOCAL", "bwayne", 6, map[string]any{"user_type": "LOCAL"}, false},
		{"LOCAL to LDAP", "asmith", 4, map[string]any{"user_type": "LDAP", "directory_id": 112}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			original, _ := e.sim.User(tc.id)
			up := update(actions.UserRef{Username: tc.user}, tc.params)
			undo := undoFrom(t, up, run(t, e, up), false)
			out := run(t, e, undo)
			if out.Status != actions.StatusCompleted || (out.Details["note"] != "") != tc.note {
				t.Fatalf("undo: %+v", out)
			}
			got, _ := e.sim.User(tc.id)
			got.HasPassword = original.HasPassword // a type change drops the password; Quell never sets one
			if !reflect.DeepEqual(got, original) {
				t.Errorf("after undo %+v, want %+v", got, original)
			}
			if again := run(t, e, undo); again.Status != actions.StatusSkipped || again.Reason != "already restored: attributes already equal" {
				t.Errorf("repeat: %+v", again)
			}
		})
	}
}

func TestUndoUpdateRefusedWhenChanged(t *testing.T) {
	e := newEnv(t, nil)
	up := update(actions.UserRef{Username: "jdoe"}, map[string]any{"display_name": "JD"})
	upOut := run(t, e, up)
	u, _ := e.sim.User(3)
	u.DisplayName = "Johnny"
	e.sim.PutUser(u)
	out := run(t, e, undoFrom(t, up, upOut, false))
	if !out.Refused || !strings.Contains(out.Reason, `display_name is "Johnny", the action left "JD"`) || posts(e) != 1 {
		t.Fatalf("got %+v, %d writes", out, posts(e))
	}
	if forced := run(t, e, undoFrom(t, up, upOut, true)); forced.Status != actions.StatusCompleted {
		t.Fatalf("forced: %+v", forced)
	}
	if u, _ := e.sim.User(3); u.DisplayName != "John Doe" {
		t.Errorf("display name %q after forced undo", u.DisplayName)
	}
}
