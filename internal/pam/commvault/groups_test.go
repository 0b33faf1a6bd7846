package commvault_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/commvault"
	"github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
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
				log := e.sim.Requests()
				if last := log[len(log)-1]; last.Method != "GET" || last.RelPath != out.Calls[0].Path {
					t.Errorf("last request %s %s, want the read that confirms the PUT", last.Method, last.RelPath)
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

// TestGroupChangeNotTaken covers a change the product refuses or answers
// as done without making it: each is a permanent error naming the user and
// the group, never "completed", and the state is unchanged.
func TestGroupChangeNotTaken(t *testing.T) {
	bwayne := actions.UserRef{Domain: "CORP", Username: "bwayne"}
	ok200 := &simkit.Fault{Status: 200, Body: `{"errorMessage":"","errorCode":0}`, Times: 1}
	cases := []struct {
		name    string
		lenient bool
		kind    actions.Kind
		user    actions.UserRef
		group   string
		fault   *simkit.Fault // on the PUT
		want    []string
	}{
		{name: "external user, strict: 200 and ignored", kind: actions.RemoveGroup, user: bwayne, group: `CORP\PAM Admins`,
			want: []string{`ignored the change: user CORP\bwayne (id 8) is still a member of group CORP\PAM Admins after DELETE`,
				"external (directory) user", "change the membership in the directory"}},
		{name: "external user, strict: add ignored", kind: actions.AddGroup, user: bwayne, group: "Helpdesk",
			want: []string{`ignored the change: user CORP\bwayne (id 8) is still not a member of group Helpdesk after ADD`, "external (directory) user"}},
		{name: "external user, lenient: 400", lenient: true, kind: actions.RemoveGroup, user: bwayne, group: `CORP\PAM Admins`,
			want: []string{"400 Bad Request: {\"errorMessage\":\"user groups cannot be modified for external users\",\"errorCode\":1}"}},
		{name: "local user, success answered, nothing done", kind: actions.AddGroup, user: ref("jdoe"), group: "Helpdesk", fault: ok200,
			want: []string{"ignored the change: user jdoe (id 5) is still not a member of group Helpdesk after ADD"}},
		{name: "unknown group", kind: actions.AddGroup, user: ref("jdoe"), group: "No Such Group", want: []string{"user group [No Such Group] not found"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, _ *commvault.Config) { o.Strict = !tc.lenient })
			if tc.fault != nil {
				e.sim.Inject(putRoute, *tc.fault)
			}
			before := e.sim.Users()
			out, err := e.client.Execute(context.Background(), action(tc.kind, tc.user, map[string]any{actions.ParamGroup: tc.group}))
			if err == nil || !actions.IsPermanent(err) || out.Status != "" {
				t.Fatalf("got %+v, %v; want a permanent error", out, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
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
