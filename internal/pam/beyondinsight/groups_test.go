package beyondinsight_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

func groupAction(kind actions.Kind, ref actions.UserRef, group string) actions.Action {
	return withParams(kind, ref, map[string]any{"group": group})
}

// The seed (sim.DefaultGroups): 1 Administrators, 2 "PAM Users" with jdoe
// (12) and asmith (13), 3 Auditors.

func TestGroupMembershipChanges(t *testing.T) {
	cases := []struct {
		name        string
		kind        actions.Kind
		ref         actions.UserRef
		group       string
		wantStatus  actions.Status
		wantReason  string
		wantCall    actions.Call // zero when skipped
		wantGroups  []int        // the user's groups afterwards
		wantLookups []string
		wantNote    bool
	}{
		{name: "add by name", kind: actions.AddGroup, ref: actions.UserRef{Username: "jdoe"}, group: "Auditors",
			wantStatus: actions.StatusCompleted, wantReason: "added to group Auditors",
			wantCall:   actions.Call{Method: "POST", Path: "Users/12/UserGroups/3", Status: 200},
			wantGroups: []int{2, 3}, wantLookups: []string{"Users?includeInactive=true&username=jdoe", "UserGroups?", "Users/12/UserGroups?"}},
		{name: "add by id", kind: actions.AddGroup, ref: actions.UserRef{TargetID: "21"}, group: "id:1",
			wantStatus: actions.StatusCompleted, wantReason: "added to group Administrators",
			wantCall:   actions.Call{Method: "POST", Path: "Users/21/UserGroups/1", Status: 200},
			wantGroups: []int{1}, wantLookups: []string{"Users/21?", "UserGroups/1?", "Users/21/UserGroups?"}},
		{name: "add, name in another case, already a member", kind: actions.AddGroup, ref: actions.UserRef{Username: "jdoe"}, group: "pam users",
			wantStatus: actions.StatusSkipped, wantReason: "already a member", wantGroups: []int{2}},
		{name: "remove", kind: actions.RemoveGroup, ref: actions.UserRef{Username: "jdoe"}, group: "PAM Users",
			wantStatus: actions.StatusCompleted, wantReason: "removed from group PAM Users",
			wantCall:   actions.Call{Method: "DELETE", Path: "Users/12/UserGroups/2", Status: 200},
			wantGroups: nil, wantNote: true},
		{name: "remove, not a member", kind: actions.RemoveGroup, ref: actions.UserRef{Username: "jdoe"}, group: "id:3",
			wantStatus: actions.StatusSkipped, wantReason: "not a member", wantGroups: []int{2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), groupAction(tc.kind, tc.ref, tc.group))
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tc.wantStatus || out.Reason != tc.wantReason {
				t.Errorf("outcome %+v", out)
			}
			writes := 0
			if tc.wantCall.Method != "" {
				writes = 1
				if len(out.Calls) != 1 || out.Calls[0] != tc.wantCall {
					t.Errorf("calls %+v, want %+v", out.Calls, tc.wantCall)
				}
			}
			if n := e.writes(); n != writes || len(out.Calls) != writes {
				t.Errorf("%d writes, %d calls; want %d", n, len(out.Calls), writes)
			}
			uid := mustAtoi(t, out.TargetUserID)
			if got := e.sim.UserGroupIDs(uid); !slices.Equal(got, tc.wantGroups) {
				t.Errorf("groups of user %d: %v, want %v", uid, got, tc.wantGroups)
			}
			if tc.wantLookups != nil && fmt.Sprint(e.lookups()) != fmt.Sprint(tc.wantLookups) {
				t.Errorf("reads %q, want %q", e.lookups(), tc.wantLookups)
			}
			if _, ok := out.Details["note"]; ok != tc.wantNote || out.Details["group_id"] == "" || out.Details["group_name"] == "" {
				t.Errorf("details %v", out.Details)
			}
		})
	}
}

func TestGroupMembershipRefusals(t *testing.T) {
	cases := []struct {
		name       string
		kind       actions.Kind
		ref        actions.UserRef
		params     map[string]any
		fault      *simkit.Fault
		faultRoute string // default: both writes
		want       failure
		noRequests bool
		attempts   int
	}{
		{name: "unknown group name", kind: actions.AddGroup, ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"group": "Nope"},
			want: failure{permanent: true, contains: `group not found: no BeyondInsight user group is named "Nope"`}},
		{name: "unknown group id", kind: actions.RemoveGroup, ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"group": "id:99"},
			want: failure{permanent: true, status: 404, contains: "group not found: no BeyondInsight user group has id 99"}},
		{name: "ambiguous name", kind: actions.AddGroup, ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"group": "ops"},
			want: failure{permanent: true, contains: `ambiguous group: 2 BeyondInsight user groups are named "ops"`}},
		{name: "user not found", kind: actions.AddGroup, ref: actions.UserRef{Username: "ghost"}, params: map[string]any{"group": "Auditors"},
			want: failure{permanent: true, notFound: true, contains: `no BeyondInsight user matches username "ghost"`}},
		{name: "no group", kind: actions.AddGroup, ref: actions.UserRef{Username: "jdoe"}, params: nil,
			noRequests: true, want: failure{permanent: true, contains: "parameter group is required"}},
		{name: "malformed id", kind: actions.RemoveGroup, ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"group": "id:two"},
			noRequests: true, want: failure{permanent: true, contains: `group "id:two": want id:<n>`}},
		{name: "unknown parameter", kind: actions.AddGroup, ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"group": "Auditors", "role": "x"},
			noRequests: true, want: failure{permanent: true, contains: "cannot set role (it can set group)"}},
		{name: "503 on the memberships read", kind: actions.AddGroup, ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"group": "Auditors"},
			fault: &simkit.Fault{Status: 503, Times: 1}, faultRoute: "GET Users/{id}/UserGroups",
			want: failure{status: 503, contains: "read user groups of user 12: GET "}},
		{name: "503 on add", kind: actions.AddGroup, ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"group": "Auditors"},
			fault: &simkit.Fault{Status: 503, Times: 1}, attempts: 1, want: failure{status: 503, contains: "add_group user 12, group 3: POST "}},
		{name: "400 on remove", kind: actions.RemoveGroup, ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"group": "PAM Users"},
			fault: &simkit.Fault{Status: 400, Body: "PathFinder condition failed", Times: 1}, attempts: 1,
			want: failure{permanent: true, status: 400, contains: "PathFinder condition failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWithTwinGroups(t)
			if tc.fault != nil {
				route := tc.faultRoute
				if route == "" {
					route = "* Users/{id}/UserGroups/{groupId}"
				}
				e.sim.Inject(route, *tc.fault)
			}
			_, err := e.client.Execute(context.Background(), withParams(tc.kind, tc.ref, tc.params))
			tc.want.check(t, err)
			if tc.noRequests && len(e.sim.Requests()) != 0 {
				t.Errorf("%d requests sent", len(e.sim.Requests()))
			}
			if n := e.writes(); n != tc.attempts {
				t.Errorf("%d writes, want %d", n, tc.attempts)
			}
			if got := e.sim.UserGroupIDs(12); !slices.Equal(got, []int{2}) {
				t.Errorf("jdoe's groups changed to %v", got)
			}
		})
	}
}

// newEnvWithTwinGroups adds groups "Ops" and "OPS" to the seed. New refuses
// names that differ only in case (the product presumably does too), so
// they are added afterwards, to test the client's defence.
func newEnvWithTwinGroups(t *testing.T) *env {
	e := newEnv(t, nil)
	e.sim.PutGroup(sim.Group{GroupID: 8, Name: "Ops"})
	e.sim.PutGroup(sim.Group{GroupID: 9, Name: "OPS"})
	return e
}

func TestGroupNameExactMatchWinsOverCase(t *testing.T) {
	e := newEnvWithTwinGroups(t)
	out, err := e.client.Execute(context.Background(), groupAction(actions.AddGroup, actions.UserRef{Username: "jdoe"}, "OPS"))
	if err != nil || out.Details["group_id"] != "9" {
		t.Fatalf("got %+v, %v", out, err)
	}
}

func TestGroupMembershipDryRun(t *testing.T) {
	e := newEnv(t, nil)
	e.dryRun(t, groupAction(actions.AddGroup, actions.UserRef{Username: "jdoe"}, "Auditors"), []actions.Call{
		{Method: "GET", Path: "Users?includeInactive=true&username=jdoe"}, {Method: "GET", Path: "UserGroups"},
		{Method: "GET", Path: "Users/{id}/UserGroups"}, {Method: "POST", Path: "Users/{id}/UserGroups/{groupId}"}})
	e.dryRun(t, groupAction(actions.RemoveGroup, actions.UserRef{TargetID: "12"}, "id:2"), []actions.Call{
		{Method: "GET", Path: "Users/12"}, {Method: "GET", Path: "UserGroups/2"},
		{Method: "GET", Path: "Users/12/UserGroups"}, {Method: "DELETE", Path: "Users/12/UserGroups/2"}})
}
