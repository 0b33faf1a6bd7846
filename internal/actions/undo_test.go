package actions_test

import (
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
)

func TestNewUndo(t *testing.T) {
	orig := actions.Action{ID: "act_1", Kind: actions.Quarantine, Target: "cv", User: actions.UserRef{Username: "jdoe"},
		Params: map[string]any{"reason": "x"}}
	changed := actions.Outcome{Status: actions.StatusCompleted, TargetUserID: "42",
		Before: map[string]any{"enabled": true}, After: map[string]any{"enabled": false}}
	cases := []struct {
		name   string
		orig   func() actions.Action
		out    actions.Outcome
		status actions.Status
		refuse string
	}{
		{"completed with state", func() actions.Action { return orig }, changed, actions.StatusCompleted, ""},
		{"an undo", func() actions.Action { u := orig; u.Kind = actions.Undo; return u }, changed, actions.StatusCompleted, "an undo of an undo is refused"},
		{"skipped", func() actions.Action { return orig }, changed, actions.StatusSkipped, "is skipped, not completed"},
		{"failed", func() actions.Action { return orig }, changed, actions.StatusFailed, "is failed, not completed"},
		{"dry run", func() actions.Action { d := orig; d.DryRun = true; return d }, changed, actions.StatusCompleted, "dry run"},
		{"no state recorded", func() actions.Action { return orig }, actions.Outcome{Status: actions.StatusCompleted}, actions.StatusCompleted, "recorded no state"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := actions.NewUndo(c.orig(), c.out, c.status, "quellctl:alice", "false positive", false)
			if c.refuse != "" {
				if err == nil || !strings.Contains(err.Error(), c.refuse) || !actions.IsPermanent(err) {
					t.Fatalf("err %v, want a permanent refusal containing %q", err, c.refuse)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Kind != actions.Undo || u.Target != "cv" || u.User.TargetID != "42" || u.Undo.Of != "act_1" ||
				u.Undo.Kind != actions.Quarantine || u.Undo.Before["enabled"] != true || u.Validate() != nil {
				t.Fatalf("undo %+v (%+v): %v", u, u.Undo, u.Validate())
			}
		})
	}
}

// Asking twice is one undo; a forced undo after a refused one is another.
func TestUndoIDs(t *testing.T) {
	orig := actions.Action{ID: "act_1", Kind: actions.AddGroup, Target: "bi", User: actions.UserRef{Username: "jdoe"}}
	out := actions.Outcome{TargetUserID: "7", Before: map[string]any{"member": false}, After: map[string]any{"member": true}}
	a, _ := actions.NewUndo(orig, out, actions.StatusCompleted, "a", "r1", false)
	b, _ := actions.NewUndo(orig, out, actions.StatusCompleted, "b", "r2", false)
	f, _ := actions.NewUndo(orig, out, actions.StatusCompleted, "a", "r1", true)
	if a.ID != b.ID || a.ID == f.ID || a.ID == orig.ID {
		t.Fatalf("ids %s %s %s", a.ID, b.ID, f.ID)
	}
}

func TestCheckUnchanged(t *testing.T) {
	spec := actions.UndoSpec{Of: "act_1", After: map[string]any{"global_role_id": float64(-1), "team_roles": []any{}}}
	cases := []struct {
		name    string
		current map[string]any
		force   bool
		want    string
	}{
		{"as the action left it (Go types)", map[string]any{"global_role_id": -1, "team_roles": []string{}}, false, ""},
		{"changed since", map[string]any{"global_role_id": 3, "team_roles": []string{}}, false, "global_role_id is 3, the action left -1"},
		{"changed, forced", map[string]any{"global_role_id": 3, "team_roles": []string{}}, true, ""},
		{"a key gone", map[string]any{"global_role_id": -1}, false, "team_roles is null, the action left []"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := spec
			s.Force = c.force
			got := s.CheckUnchanged(c.current)
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if got != "" && (!strings.Contains(got, "act_1") || !strings.Contains(got, "--force")) {
				t.Fatalf("refusal %q does not name the action and --force", got)
			}
		})
	}
}
