package commvault_test

import (
	"context"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
)

func TestDryRunSendsNothing(t *testing.T) {
	byName := actions.UserRef{Domain: "CORP", Username: "bwayne"}
	byID := actions.UserRef{TargetID: "5"}
	type call struct{ method, path, body string }
	cases := []struct {
		name string
		a    actions.Action
		want []call
	}{
		{"quarantine by name", quarantine(byName), []call{{"GET", "V4/user", "null"}, {"PUT", "V4/user/{id}", `{"enabled":false}`}}},
		{"quarantine by id", quarantine(byID), []call{{"GET", "V4/user/5", "null"}, {"PUT", "V4/user/5", `{"enabled":false}`}}},
		{"update without auth method", action(actions.UpdateAttributes, byName, map[string]any{actions.AttrEmail: "e@x", actions.AttrFullName: "F"}),
			[]call{{"GET", "V4/user", "null"}, {"PUT", "V4/user/{id}", `{"email":"e@x","fullName":"F"}`}}},
		{"update with auth method", action(actions.UpdateAttributes, byName, map[string]any{actions.AttrAuthMethod: "SAML"}),
			[]call{{"GET", "V4/user", "null"}, {"GET", "V4/user/{id}", "null"}, {"PUT", "V4/user/{id}", `{"authenticationMethod":"SAML"}`}}},
		{"add group, confirmed by a read", action(actions.AddGroup, byID, map[string]any{actions.ParamGroup: "id:4"}),
			[]call{{"GET", "V4/user/5", "null"}, {"PUT", "V4/user/5", `{"userGroupOperation":"ADD","userGroups":[{"id":4}]}`}, {"GET", "V4/user/5", "null"}}},
		{"remove group, confirmed by a read", action(actions.RemoveGroup, byName, map[string]any{actions.ParamGroup: "Helpdesk"}),
			[]call{{"GET", "V4/user", "null"}, {"GET", "V4/user/{id}", "null"},
				{"PUT", "V4/user/{id}", `{"userGroupOperation":"DELETE","userGroups":[{"name":"Helpdesk"}]}`}, {"GET", "V4/user/{id}", "null"}}},
		{"undo quarantine", undoAction(actions.Quarantine, nil, map[string]any{"enabled": true}, map[string]any{"enabled": false}),
			[]call{{"GET", "V4/user/5", "null"}, {"PUT", "V4/user/5", `{"enabled":true}`}}},
		{"undo update", undoAction(actions.UpdateAttributes, nil, map[string]any{"email": "a@x"}, map[string]any{"email": "b@x"}),
			[]call{{"GET", "V4/user/5", "null"}, {"PUT", "V4/user/5", `{"email":"a@x"}`}}},
		{"undo add group", undoAction(actions.AddGroup, map[string]any{actions.ParamGroup: "Helpdesk"},
			map[string]any{"associatedUserGroups": []string{"Backup Operators"}}, map[string]any{"associatedUserGroups": []string{"Backup Operators", "Helpdesk"}}),
			[]call{{"GET", "V4/user/5", "null"}, {"PUT", "V4/user/5", `{"userGroupOperation":"DELETE","userGroups":[{"name":"Helpdesk"}]}`}, {"GET", "V4/user/5", "null"}}},
		{"undo of what cannot be reversed plans nothing", undoAction(actions.RotateClientSecret, nil, map[string]any{"x": 1}, map[string]any{"x": 2}), []call{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			tc.a.DryRun = true
			out, err := e.client.Execute(context.Background(), tc.a)
			if err != nil || out.Status != actions.StatusSkipped || out.Reason != "dry run" || len(out.Calls) != len(tc.want) {
				t.Fatalf("outcome %+v, %v", out, err)
			}
			for i, w := range tc.want {
				c := out.Calls[i]
				if got := (call{c.Method, c.Path, bodyJSON(t, c.Body)}); got != w || c.Status != 0 {
					t.Errorf("call %d = %+v, want %+v", i, c, w)
				}
			}
			if n := len(e.sim.Requests()); n != 0 {
				t.Errorf("dry run sent %d requests", n)
			}
		})
	}
}
