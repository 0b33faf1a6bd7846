package commvault_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// undoAction is an undo of an action of kind on user 5 that recorded
// before and after, as a dry run plans it.
func undoAction(kind actions.Kind, params, before, after map[string]any) actions.Action {
	a := action(actions.Undo, actions.UserRef{TargetID: "5"}, nil)
	a.Undo = &actions.UndoSpec{Of: "act_orig", Kind: kind, Params: params, TargetUserID: "5", Before: before, After: after}
	return a
}

// undoOf builds the undo of orig, which ended with out, the way the
// worker receives it: through JSON, so Before and After hold what JSON
// decodes to ([]any, not []string).
func undoOf(t *testing.T, orig actions.Action, out actions.Outcome, force bool) actions.Action {
	t.Helper()
	u, err := actions.NewUndo(orig, out, out.Status, "tester", "INC-1 false positive", force)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var decoded actions.Action
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	return decoded
}

// changing is one action that changes user 5 or 6, with what its outcome
// must record and a change made by someone else after it.
type changing struct {
	name          string
	a             actions.Action
	id            int
	before, after string // Outcome.Before and After as JSON
	// meddle changes the state after the action; meddled is the undo's
	// refusal reason's difference.
	meddle  func(u *sim.User)
	meddled string
}

func changingActions() []changing {
	upd := func(params map[string]any) actions.Action {
		return action(actions.UpdateAttributes, ref("jdoe"), params)
	}
	grp := func(kind actions.Kind, user, group string) actions.Action {
		return action(kind, ref(user), map[string]any{actions.ParamGroup: group})
	}
	return []changing{
		{name: "quarantine", a: quarantine(ref("jdoe")), id: 5, before: `{"enabled":true}`, after: `{"enabled":false}`},
		{name: "update email and full name", a: upd(map[string]any{actions.AttrEmail: "john@example.com", actions.AttrFullName: "John Q. Doe"}), id: 5,
			before: `{"email":"jdoe@example.com","fullName":"John Doe"}`, after: `{"email":"john@example.com","fullName":"John Q. Doe"}`,
			meddle: func(u *sim.User) { u.Email = "other@example.com" }, meddled: `email is "other@example.com", the action left "john@example.com"`},
		{name: "update auth method of a Commcell user", a: upd(map[string]any{actions.AttrAuthMethod: "saml"}), id: 5,
			before: `{"authenticationMethod":"LOCAL"}`, after: `{"authenticationMethod":"SAML"}`,
			meddle: func(u *sim.User) { u.AuthenticationMethod = "AD" }, meddled: `authenticationMethod is "AD", the action left "SAML"`},
		{name: "add group", a: grp(actions.AddGroup, "jdoe", "helpdesk"), id: 5,
			before: `{"associatedUserGroups":["Backup Operators"]}`, after: `{"associatedUserGroups":["Backup Operators","Helpdesk"]}`,
			meddle: func(u *sim.User) {
				u.AssociatedUserGroups = append(u.AssociatedUserGroups, sim.UserGroup{ID: 3, Name: "View All"})
			},
			meddled: `associatedUserGroups is ["Backup Operators","Helpdesk","View All"], the action left ["Backup Operators","Helpdesk"]`},
		{name: "remove group by id", a: grp(actions.RemoveGroup, "asmith", "id:4"), id: 6,
			before: `{"associatedUserGroups":["Backup Operators","Helpdesk"]}`, after: `{"associatedUserGroups":["Backup Operators"]}`,
			meddle:  func(u *sim.User) { u.AssociatedUserGroups = nil },
			meddled: `associatedUserGroups is [], the action left ["Backup Operators"]`},
	}
}

func TestChangingActionsRecordBeforeAndAfter(t *testing.T) {
	for _, tc := range changingActions() {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), tc.a)
			if err != nil || out.Status != actions.StatusCompleted {
				t.Fatalf("%+v, %v", out, err)
			}
			if got := bodyJSON(t, out.Before); got != tc.before {
				t.Errorf("Before = %s, want %s", got, tc.before)
			}
			if got := bodyJSON(t, out.After); got != tc.after {
				t.Errorf("After = %s, want %s", got, tc.after)
			}
		})
	}
}

// TestUndoRestoresExactly runs each changing action, undoes it, and
// compares the user with the user before the action; a repeated undo
// then finds nothing to restore and writes nothing.
func TestUndoRestoresExactly(t *testing.T) {
	for _, tc := range changingActions() {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			initial, _ := e.sim.User(tc.id)
			out, err := e.client.Execute(ctx, tc.a)
			if err != nil {
				t.Fatal(err)
			}
			undo := undoOf(t, tc.a, out, false)
			got, err := e.client.Execute(ctx, undo)
			if err != nil || got.Status != actions.StatusCompleted || got.Refused || len(got.Calls) != 1 {
				t.Fatalf("undo: %+v, %v", got, err)
			}
			if now, _ := e.sim.User(tc.id); bodyJSON(t, now) != bodyJSON(t, initial) {
				t.Errorf("after the undo\n %s\nwant\n %s", bodyJSON(t, now), bodyJSON(t, initial))
			}
			if bodyJSON(t, got.Before) != tc.after || bodyJSON(t, got.After) != tc.before {
				t.Errorf("undo recorded Before %s After %s; want %s and %s", bodyJSON(t, got.Before), bodyJSON(t, got.After), tc.after, tc.before)
			}
			puts := e.puts()
			again, err := e.client.Execute(ctx, undo)
			if err != nil || again.Status != actions.StatusSkipped || again.Refused || !strings.HasPrefix(again.Reason, "already as before") || e.puts() != puts {
				t.Errorf("repeated undo: %+v, %v, %d PUTs", again, err, e.puts()-puts)
			}
		})
	}
}

// TestUndoRefusedWhenStateChanged changes the state after the action:
// the undo is refused with the difference and writes nothing; forced, it
// restores what the action changed.
func TestUndoRefusedWhenStateChanged(t *testing.T) {
	for _, tc := range changingActions() {
		if tc.meddle == nil {
			continue // quarantine's only field is enabled: changed since means already restored
		}
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := context.Background()
			out, err := e.client.Execute(ctx, tc.a)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := e.sim.User(tc.id)
			tc.meddle(&u)
			e.sim.PutUser(u)
			puts := e.puts()
			got, err := e.client.Execute(ctx, undoOf(t, tc.a, out, false))
			if err != nil || got.Status != actions.StatusSkipped || !got.Refused || !strings.Contains(got.Reason, tc.meddled) ||
				!strings.Contains(got.Reason, "--force") || e.puts() != puts {
				t.Fatalf("undo: %+v, %v; want refused listing %s", got, err, tc.meddled)
			}
			forced, err := e.client.Execute(ctx, undoOf(t, tc.a, out, true))
			if err != nil || forced.Status != actions.StatusCompleted || forced.Refused {
				t.Fatalf("forced undo: %+v, %v", forced, err)
			}
			var before map[string]any
			_ = json.Unmarshal([]byte(tc.before), &before)
			for k, v := range before {
				if _, isList := v.([]any); !isList && bodyJSON(t, forced.After[k]) != bodyJSON(t, v) {
					t.Errorf("forced undo left %s = %v, want %v", k, forced.After[k], v)
				}
			}
		})
	}
}

func TestForcedGroupUndoReversesOnlyThatGroup(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	add := action(actions.AddGroup, ref("jdoe"), map[string]any{actions.ParamGroup: "Helpdesk"})
	out, err := e.client.Execute(ctx, add)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := e.sim.User(5)
	u.AssociatedUserGroups = append(u.AssociatedUserGroups, sim.UserGroup{ID: 3})
	e.sim.PutUser(u)
	got, err := e.client.Execute(ctx, undoOf(t, add, out, true))
	if err != nil || got.Status != actions.StatusCompleted || got.Reason != "removed again from group Helpdesk" {
		t.Fatalf("%+v, %v", got, err)
	}
	if bodyJSON(t, got.After) != `{"associatedUserGroups":["Backup Operators","View All"]}` {
		t.Errorf("After = %s", bodyJSON(t, got.After))
	}
}

func TestUndoRefusals(t *testing.T) {
	cases := []struct {
		name string
		a    actions.Action
		want string
	}{
		{"rotate_client_secret", undoAction(actions.RotateClientSecret, nil, map[string]any{"x": 1}, map[string]any{"x": 2}),
			"not undone: a commvault target cannot reverse rotate_client_secret"},
		{"terminate_sessions", undoAction(actions.TerminateSessions, nil, map[string]any{"x": 1}, map[string]any{"x": 2}),
			"cannot reverse terminate_sessions"},
		{"an empty field cannot be restored", undoAction(actions.UpdateAttributes, nil, map[string]any{"email": ""}, map[string]any{"email": "a@x"}),
			"email was empty, and Commvault cannot clear a field"},
		{"a field the kind does not change", undoAction(actions.Quarantine, nil, map[string]any{"email": "a@x"}, map[string]any{"email": "b@x"}),
			"email is not a field quarantine changes"},
		{"a group undo without a group", undoAction(actions.AddGroup, nil, map[string]any{"associatedUserGroups": []string{}}, map[string]any{"associatedUserGroups": []string{"x"}}),
			`the "group" parameter is required`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			got, err := e.client.Execute(context.Background(), tc.a)
			if err != nil || got.Status != actions.StatusSkipped || !got.Refused || !strings.Contains(got.Reason, tc.want) {
				t.Fatalf("%+v, %v; want refused %q", got, err, tc.want)
			}
			if e.puts() != 0 {
				t.Errorf("%d PUTs", e.puts())
			}
		})
	}
	e := newEnv(t, nil)
	a := action(actions.Undo, actions.UserRef{TargetID: "5"}, nil)
	if _, err := e.client.Execute(context.Background(), a); err == nil || !actions.IsPermanent(err) || len(e.sim.Requests()) != 0 {
		t.Errorf("undo without a spec: %v, %d requests", err, len(e.sim.Requests()))
	}
}

// TestGroupUndoConfirmsByReading answers the undo's PUT with success
// without carrying it out: the read-back catches it.
func TestGroupUndoConfirmsByReading(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	add := action(actions.AddGroup, ref("jdoe"), map[string]any{actions.ParamGroup: "Helpdesk"})
	out, err := e.client.Execute(ctx, add)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Inject(putRoute, simkit.Fault{Status: 200, Body: `{"errorMessage":"","errorCode":0}`, Times: 1})
	_, err = e.client.Execute(ctx, undoOf(t, add, out, false))
	if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), "ignored the change: user jdoe (id 5) is still a member of group Helpdesk") {
		t.Fatalf("got %v", err)
	}
}
