package beyondinsight_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
)

// undoOf builds the undo of orig, whose outcome was out, as quellctl would,
// and passes it through JSON as the worker receives it.
func undoOf(t *testing.T, orig actions.Action, out actions.Outcome, force bool) actions.Action {
	t.Helper()
	orig.ID = "act_orig"
	u, err := actions.NewUndo(orig, out, actions.StatusCompleted, "tester", "undo test", force)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var back actions.Action
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// run executes a and fails the test on an error.
func (e *env) run(t *testing.T, a actions.Action) actions.Outcome {
	t.Helper()
	out, err := e.client.Execute(context.Background(), a)
	if err != nil {
		t.Fatalf("%s: %v", a.Kind, err)
	}
	return out
}

// TestUndoRestoresExactly: undoing each reversible action puts back the
// state from before it, and records its own Before and After.
func TestUndoRestoresExactly(t *testing.T) {
	cases := []struct {
		name   string
		orig   actions.Action
		state  func(e *env) string // the state compared before and after
		before string              // the original's Outcome.Before
		after  string
	}{
		{"add_group", groupAction(actions.AddGroup, actions.UserRef{Username: "jdoe"}, "Auditors"),
			func(e *env) string { return jsonOf(t, e.sim.UserGroupIDs(12)) },
			`{"member_of":["PAM Users"]}`, `{"member_of":["Auditors","PAM Users"]}`},
		{"remove_group", groupAction(actions.RemoveGroup, actions.UserRef{Username: "asmith"}, "id:2"),
			func(e *env) string { return jsonOf(t, e.sim.UserGroupIDs(13)) },
			`{"member_of":["PAM Users"]}`, `{"member_of":[]}`},
		{"update_attributes", update(actions.UserRef{Username: "jdoe"}, map[string]any{"first_name": "Johnny", "last_name": ""}),
			func(e *env) string { u, _ := e.sim.User(12); return jsonOf(t, u) },
			`{"first_name":"John","last_name":"Doe"}`, `{"first_name":"Johnny","last_name":""}`},
		{"update_attributes, application user", update(actions.UserRef{Username: "svc-pam-worker"}, map[string]any{"access_policy_id": 9}),
			func(e *env) string { u, _ := e.sim.User(57); return jsonOf(t, u) },
			`{"access_policy_id":3}`, `{"access_policy_id":9}`},
	}
	for _, strict := range []bool{false, true} {
		for _, tc := range cases {
			t.Run(modeName(strict)+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t, func(o *sim.Options, _ *beyondinsight.Config) { o.Strict = strict })
				initial := tc.state(e)
				out := e.run(t, tc.orig)
				if jsonOf(t, out.Before) != tc.before || jsonOf(t, out.After) != tc.after {
					t.Fatalf("recorded before %s after %s, want %s and %s", jsonOf(t, out.Before), jsonOf(t, out.After), tc.before, tc.after)
				}
				undo := e.run(t, undoOf(t, tc.orig, out, false))
				if undo.Status != actions.StatusCompleted || !strings.HasPrefix(undo.Reason, "undid act_orig: ") || len(undo.Calls) != 1 {
					t.Fatalf("undo %+v", undo)
				}
				if got := tc.state(e); got != initial {
					t.Errorf("state after undo %s, want %s", got, initial)
				}
				if jsonOf(t, undo.Before) != tc.after || jsonOf(t, undo.After) != tc.before {
					t.Errorf("undo recorded before %s after %s", jsonOf(t, undo.Before), jsonOf(t, undo.After))
				}
				// Forced past the check, a second undo finds the state
				// already as before and writes nothing.
				writes := e.writes()
				again := e.run(t, undoOf(t, tc.orig, out, true))
				if again.Status != actions.StatusSkipped || !strings.HasPrefix(again.Reason, "already as before act_orig") || e.writes() != writes {
					t.Errorf("a second undo: %+v", again)
				}
			})
		}
	}
}

// TestUndoRefusedWhenStateChanged: an undo finds the state no longer the
// one the action left, refuses listing every difference, and writes
// nothing; forced, it restores anyway.
func TestUndoRefusedWhenStateChanged(t *testing.T) {
	cases := []struct {
		name     string
		orig     actions.Action
		meddle   actions.Action // a later change
		wantDiff string
		restored func(e *env) bool
	}{
		{"add_group, then another group", groupAction(actions.AddGroup, actions.UserRef{Username: "jdoe"}, "Auditors"),
			groupAction(actions.AddGroup, actions.UserRef{Username: "jdoe"}, "Administrators"),
			`member_of is ["Administrators","Auditors","PAM Users"], the action left ["Auditors","PAM Users"]`,
			func(e *env) bool { return jsonOf(t, e.sim.UserGroupIDs(12)) == "[1,2]" }},
		{"update, then another update", update(actions.UserRef{Username: "jdoe"}, map[string]any{"first_name": "Johnny", "email": "j@example.com"}),
			update(actions.UserRef{Username: "jdoe"}, map[string]any{"first_name": "Jack"}),
			`first_name is "Jack", the action left "Johnny"`,
			func(e *env) bool {
				u, _ := e.sim.User(12)
				return u.FirstName == "John" && u.EmailAddress == "jdoe@example.com"
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out := e.run(t, tc.orig)
			e.run(t, tc.meddle)
			writes := e.writes()
			refused := e.run(t, undoOf(t, tc.orig, out, false))
			if refused.Status != actions.StatusSkipped || !refused.Refused || !strings.Contains(refused.Reason, tc.wantDiff) ||
				!strings.Contains(refused.Reason, "act_orig") || refused.TargetUserID != "12" {
				t.Fatalf("refusal %+v, want the difference %s", refused, tc.wantDiff)
			}
			if n := e.writes(); n != writes {
				t.Errorf("a refused undo wrote %d times", n-writes)
			}
			forced := e.run(t, undoOf(t, tc.orig, out, true))
			if forced.Status != actions.StatusCompleted || !tc.restored(e) {
				t.Errorf("forced undo %+v did not restore", forced)
			}
		})
	}
}

// TestUndoRefusedKinds: a quarantine, a rotated secret and terminated
// sessions cannot be reversed through the API: refused, with the reason,
// before any request.
func TestUndoRefusedKinds(t *testing.T) {
	cases := []struct {
		kind actions.Kind
		want []string
	}{
		{actions.Quarantine, []string{"public API cannot lift a quarantine",
			"Configuration > Role Based Access > User Management", "Account Quarantined"}},
		{actions.RotateClientSecret, []string{"cannot be restored"}},
		{actions.TerminateSessions, []string{"cannot be restarted"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			e := newEnv(t, nil)
			a := action(actions.Undo, actions.UserRef{TargetID: "12"})
			a.Undo = &actions.UndoSpec{Of: "act_orig", Kind: tc.kind, TargetUserID: "12",
				Before: map[string]any{"is_quarantined": false}, After: map[string]any{"is_quarantined": true}}
			out := e.run(t, a)
			if out.Status != actions.StatusSkipped || !out.Refused || out.TargetUserID != "12" {
				t.Fatalf("outcome %+v", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.Reason, w) {
					t.Errorf("reason %q lacks %q", out.Reason, w)
				}
			}
			if n := len(e.sim.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestUndoOfQuarantineFromItsOutcome: a completed quarantine records its
// state, and its undo is refused, leaving the user quarantined.
func TestUndoOfQuarantineFromItsOutcome(t *testing.T) {
	e := newEnv(t, nil)
	orig := quarantine(actions.UserRef{Username: "jdoe"})
	out := e.run(t, orig)
	if jsonOf(t, out.Before) != `{"is_quarantined":false}` || jsonOf(t, out.After) != `{"is_quarantined":true}` {
		t.Fatalf("recorded before %s after %s", jsonOf(t, out.Before), jsonOf(t, out.After))
	}
	undo := e.run(t, undoOf(t, orig, out, true))
	if !undo.Refused || !strings.Contains(undo.Reason, "cannot lift a quarantine") {
		t.Errorf("undo %+v", undo)
	}
	if u, _ := e.sim.User(12); !u.IsQuarantined {
		t.Error("the quarantine was lifted")
	}
}

// TestUndoDryRun: a dry run of an undo lists the reads and the restoring
// write, and sends nothing; it refuses a group undo without its group.
func TestUndoDryRun(t *testing.T) {
	e := newEnv(t, nil)
	a := action(actions.Undo, actions.UserRef{TargetID: "12"})
	a.Undo = &actions.UndoSpec{Of: "act_orig", Kind: actions.AddGroup, TargetUserID: "12", Params: map[string]any{"group": "id:3"},
		Before: map[string]any{"member_of": []string{}}, After: map[string]any{"member_of": []string{"Auditors"}}}
	e.dryRun(t, a, []actions.Call{{Method: "GET", Path: "Users/12"}, {Method: "GET", Path: "UserGroups/3"},
		{Method: "GET", Path: "Users/12/UserGroups"}, {Method: "DELETE", Path: "Users/12/UserGroups/3"}})
	a.Undo = &actions.UndoSpec{Of: "act_orig", Kind: actions.UpdateAttributes, TargetUserID: "12",
		Before: map[string]any{"first_name": "John"}, After: map[string]any{"first_name": "Johnny"}}
	e.dryRun(t, a, []actions.Call{{Method: "GET", Path: "Users/12"}, {Method: "PUT", Path: "Users/12"}})
	a.Undo = &actions.UndoSpec{Of: "act_orig", Kind: actions.RemoveGroup, TargetUserID: "12",
		Before: map[string]any{"member_of": []string{"A"}}, After: map[string]any{"member_of": []string{}}}
	_, err := e.client.Execute(context.Background(), a)
	failure{permanent: true, contains: "parameter group is required"}.check(t, err)
}
