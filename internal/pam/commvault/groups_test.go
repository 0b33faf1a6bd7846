package commvault_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/commvault/sim"
)

func groupIDs(u sim.User) []int {
	var ids []int
	for _, g := range u.AssociatedUserGroups {
		ids = append(ids, g.ID)
	}
	return ids
}

func TestGroupActions(t *testing.T) {
	cases := []struct {
		name     string
		kind     actions.Kind
		user     string
		group    any
		status   actions.Status
		reason   string
		wantBody string
		wantIDs  []int // the user's group ids afterwards
	}{
		{"add by name", actions.AddGroup, "jdoe", "helpdesk", actions.StatusCompleted, "added to group helpdesk",
			`{"userGroupOperation":"ADD","userGroups":[{"name":"helpdesk"}]}`, []int{5, 4}},
		{"add by id", actions.AddGroup, "jdoe", "id:4", actions.StatusCompleted, "added to group id:4",
			`{"userGroupOperation":"ADD","userGroups":[{"id":4}]}`, []int{5, 4}},
		{"already a member", actions.AddGroup, "jdoe", "Backup Operators", actions.StatusSkipped, "already a member", "", []int{5}},
		{"already a member by id", actions.AddGroup, "jdoe", "ID:5", actions.StatusSkipped, "already a member", "", []int{5}},
		{"remove by name", actions.RemoveGroup, "asmith", "BACKUP OPERATORS", actions.StatusCompleted, "removed from group BACKUP OPERATORS",
			`{"userGroupOperation":"DELETE","userGroups":[{"name":"BACKUP OPERATORS"}]}`, []int{4}},
		{"remove by id", actions.RemoveGroup, "asmith", "id:4", actions.StatusCompleted, "removed from group id:4",
			`{"userGroupOperation":"DELETE","userGroups":[{"id":4}]}`, []int{5}},
		{"not a member", actions.RemoveGroup, "jdoe", "Helpdesk", actions.StatusSkipped, "not a member", "", []int{5}},
		{"a number is a name", actions.RemoveGroup, "jdoe", 5, actions.StatusSkipped, "not a member", "", []int{5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			a := action(tc.kind, ref(tc.user), map[string]any{actions.ParamGroup: tc.group})
			out, err := e.client.Execute(context.Background(), a)
			if err != nil || out.Status != tc.status || out.Reason != tc.reason {
				t.Fatalf("%+v, %v", out, err)
			}
			wantPuts := 0
			if tc.wantBody != "" {
				wantPuts = 1
				if len(out.Calls) != 1 || bodyJSON(t, out.Calls[0].Body) != tc.wantBody || out.Calls[0].Status != 200 {
					t.Errorf("calls %+v, want body %s", out.Calls, tc.wantBody)
				}
			}
			if e.puts() != wantPuts {
				t.Errorf("%d PUTs, want %d", e.puts(), wantPuts)
			}
			u, _ := e.sim.User(map[string]int{"jdoe": 5, "asmith": 6}[tc.user])
			if !slices.Equal(groupIDs(u), tc.wantIDs) {
				t.Errorf("groups after: %v, want %v", groupIDs(u), tc.wantIDs)
			}
			// The repeat finds the membership as wanted and writes nothing more.
			if out, err := e.client.Execute(context.Background(), a); err != nil || out.Status != actions.StatusSkipped || e.puts() != wantPuts {
				t.Errorf("repeat: %+v, %v, %d PUTs", out, err, e.puts())
			}
		})
	}
}

func TestGroupActionsRefusedByTheAPI(t *testing.T) {
	cases := []struct {
		name  string
		kind  actions.Kind
		user  actions.UserRef
		group string
		want  string
	}{
		{"external user's groups", actions.RemoveGroup, actions.UserRef{Domain: "CORP", Username: "bwayne"}, `CORP\PAM Admins`,
			"400 Bad Request: {\"errorMessage\":\"user groups cannot be modified for external users\",\"errorCode\":1}"},
		{"unknown group", actions.AddGroup, ref("jdoe"), "No Such Group", "user group [No Such Group] not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			before := e.sim.Users()
			_, err := e.client.Execute(context.Background(), action(tc.kind, tc.user, map[string]any{actions.ParamGroup: tc.group}))
			if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want permanent %q", err, tc.want)
			}
			if e.puts() != 1 || bodyJSON(t, e.sim.Users()) != bodyJSON(t, before) {
				t.Errorf("%d PUTs; state changed: %v", e.puts(), e.sim.Users())
			}
		})
	}
}

func TestGroupParamRefusedBeforeAnyRequest(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"missing", nil, `the "group" parameter is required`},
		{"empty", map[string]any{actions.ParamGroup: " "}, "empty group"},
		{"bad id", map[string]any{actions.ParamGroup: "id:abc"}, `"id:" must be followed by a positive group id`},
		{"zero id", map[string]any{actions.ParamGroup: "id:0"}, `"id:" must be followed by a positive group id`},
		{"other param", map[string]any{actions.ParamGroup: "Helpdesk", "role": "x"}, "cannot set role"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			for _, kind := range []actions.Kind{actions.AddGroup, actions.RemoveGroup} {
				_, err := e.client.Execute(context.Background(), action(kind, ref("jdoe"), tc.params))
				if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: got %v, want permanent %q", kind, err, tc.want)
				}
			}
			if n := len(e.sim.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
