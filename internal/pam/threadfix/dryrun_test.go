package threadfix_test

import (
	"context"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
)

func TestDryRunSendsNothing(t *testing.T) {
	cases := []struct {
		name string
		a    actions.Action
		want []string // "METHOD path body"
	}{
		{"quarantine by name", quarantine(actions.UserRef{Username: "jdoe"}), []string{
			"GET users/list map[]", "GET users/audit map[]", "GET teams map[]", "GET roles/list map[]",
			"POST users/{id}/update map[globalRoleId:-1]", "POST users/{id}/role/app/delete map[appId:{appId}]",
			"POST users/{id}/role/team/delete map[teamId:{teamId}]", "POST groups/{groupId}/removeUser/{id} map[]"}},
		{"quarantine by target id", quarantine(actions.UserRef{TargetID: "3"}), []string{
			"GET users/list map[]", "GET users/audit map[]", "GET teams map[]", "GET roles/list map[]",
			"POST users/3/update map[globalRoleId:-1]", "POST users/3/role/app/delete map[appId:{appId}]",
			"POST users/3/role/team/delete map[teamId:{teamId}]", "POST groups/{groupId}/removeUser/3 map[]"}},
		{"undo of a quarantine", undoOf(actions.Quarantine, "7", nil, nil), []string{
			"GET users/list map[]", "GET users/audit map[]", "GET teams map[]", "GET roles/list map[]",
			"POST users/7/update map[globalRoleId:{globalRoleId}]", "POST groups/{groupId}/addUser/7 map[]",
			"POST users/7/role/team map[roleId:{roleId} teamId:{teamId}]", "POST users/7/role/app map[appId:{appId} roleId:{roleId}]"}},
		{"undo of an update", undoOf(actions.UpdateAttributes, "3", map[string]any{"display_name": "John Doe", "global_role_id": 1}, nil),
			[]string{"GET users/list map[]", "GET users/audit map[]", "POST users/3/update map[displayName:John Doe globalRoleId:1]"}},
		{"update without role", update(actions.UserRef{Username: "jdoe"}, map[string]any{"display_name": "J"}),
			[]string{"GET users/list map[]", "POST users/{id}/update map[displayName:J]"}},
		{"update with role and type", update(actions.UserRef{TargetID: "6"}, map[string]any{"global_role_id": -1.0, "user_type": "ldap", "directory_id": "112"}),
			[]string{"GET users/list map[]", "GET users/audit map[]", "POST users/6/update map[activeDirectoryId:112 globalRoleId:-1 type:LDAP]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			tc.a.DryRun = true
			out, err := e.client.Execute(context.Background(), tc.a)
			if err != nil || out.Status != actions.StatusSkipped || out.Reason != "dry run" {
				t.Fatalf("got %+v, %v", out, err)
			}
			var got []string
			for _, c := range out.Calls {
				body, _ := c.Body.(map[string]string)
				got = append(got, c.Method+" "+c.Path+" "+fmtMap(body))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("calls %q, want %q", got, tc.want)
			}
			if n := len(e.sim.Requests()); n != 0 {
				t.Errorf("dry run sent %d requests", n)
			}
		})
	}
}
