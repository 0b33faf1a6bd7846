package beyondinsight_test

import (
	"context"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

func terminate(ref actions.UserRef, params map[string]any) actions.Action {
	return withParams(actions.TerminateSessions, ref, params)
}

// The seed (sim.DefaultRequests) gives jdoe (12) two active requests and
// nobody else any.

func TestTerminateSessions(t *testing.T) {
	long := strings.Repeat("é", 1500) // 1500 UTF-16 units: cut to 1000
	emoji := strings.Repeat("🔒", 600) // 1200 units, two each: cut to 500 emoji
	cases := []struct {
		name      string
		ref       actions.UserRef
		params    map[string]any
		wantID    int
		wantBody  string // as sent; "" for no body
		truncated bool
	}{
		{"with reason", actions.UserRef{Username: "jdoe"}, map[string]any{"reason": "incident 4711"}, 12, `{"Reason":"incident 4711"}`, false},
		{"without reason", actions.UserRef{TargetID: "12"}, nil, 12, "", false},
		{"nothing to terminate", actions.UserRef{Username: "asmith"}, nil, 13, "", false},
		{"long reason", actions.UserRef{Username: "jdoe"}, map[string]any{"reason": long}, 12, `{"Reason":"` + long[:2000] + `"}`, true},
		{"long reason of emoji", actions.UserRef{Username: "jdoe"}, map[string]any{"reason": emoji}, 12, `{"Reason":"` + emoji[:2000] + `"}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), terminate(tc.ref, tc.params))
			if err != nil {
				t.Fatal(err)
			}
			path := "Users/" + out.TargetUserID + "/Requests/Terminate"
			if out.Status != actions.StatusCompleted || out.Reason != "active requests and sessions terminated" ||
				mustAtoi(t, out.TargetUserID) != tc.wantID || len(out.Calls) != 1 {
				t.Fatalf("outcome %+v", out)
			}
			if c := out.Calls[0]; c.Method != "POST" || c.Path != path || c.Status != 204 {
				t.Errorf("call %+v", c)
			}
			if got := strings.TrimSpace(e.lastBody(t, "POST", path)); got != tc.wantBody {
				t.Errorf("sent %.80q, want %.80q", got, tc.wantBody)
			}
			if tc.wantBody != "" && jsonOf(t, out.Calls[0].Body) != tc.wantBody {
				t.Errorf("recorded body %.80s", jsonOf(t, out.Calls[0].Body))
			}
			if _, ok := out.Details["reason_truncated"]; ok != tc.truncated {
				t.Errorf("details %v", out.Details)
			}
			if n := e.writes(); n != 1 {
				t.Errorf("%d writes, want 1 (there is no read to skip on)", n)
			}
			if left := e.sim.ActiveRequests(tc.wantID); len(left) != 0 {
				t.Errorf("requests left: %+v", left)
			}
		})
	}
}

func TestTerminateSessionsRefusals(t *testing.T) {
	cases := []struct {
		name       string
		ref        actions.UserRef
		params     map[string]any
		fault      *simkit.Fault
		want       failure
		noRequests bool
		attempts   int
	}{
		{name: "user not found", ref: actions.UserRef{Username: "ghost"},
			want: failure{permanent: true, notFound: true, contains: `no BeyondInsight user matches username "ghost"`}},
		{name: "unknown parameter", ref: actions.UserRef{Username: "jdoe"}, params: map[string]any{"session_id": 7001},
			noRequests: true, want: failure{permanent: true, contains: "cannot set session_id (it can set reason)"}},
		{name: "503", ref: actions.UserRef{Username: "jdoe"}, fault: &simkit.Fault{Status: 503, Times: 1},
			attempts: 1, want: failure{status: 503, contains: "terminate sessions of user 12: POST "}},
		{name: "400", ref: actions.UserRef{Username: "jdoe"}, fault: &simkit.Fault{Status: 400, Body: "PathFinder condition failed", Times: 1},
			attempts: 1, want: failure{permanent: true, status: 400, contains: "PathFinder condition failed"}},
		{name: "403", ref: actions.UserRef{Username: "jdoe"}, fault: &simkit.Fault{Status: 403, Body: "4031 - User does not have permission", Times: 1},
			attempts: 1, want: failure{permanent: true, status: 403, contains: "4031 - User does not have permission"}},
		{name: "deleted since lookup", ref: actions.UserRef{Username: "jdoe"}, fault: &simkit.Fault{Status: 404, Times: 1},
			attempts: 1, want: failure{permanent: true, notFound: true, status: 404}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			if tc.fault != nil {
				e.sim.Inject("POST Users/{id}/Requests/Terminate", *tc.fault)
			}
			_, err := e.client.Execute(context.Background(), terminate(tc.ref, tc.params))
			tc.want.check(t, err)
			if tc.noRequests && len(e.sim.Requests()) != 0 {
				t.Errorf("%d requests sent", len(e.sim.Requests()))
			}
			if n := e.writes(); n != tc.attempts {
				t.Errorf("%d writes, want %d", n, tc.attempts)
			}
			if n := len(e.sim.ActiveRequests(12)); n != 2 {
				t.Errorf("jdoe has %d active requests, want the seeded 2", n)
			}
		})
	}
}

func TestTerminateSessionsDryRun(t *testing.T) {
	e := newEnv(t, nil)
	e.dryRun(t, terminate(actions.UserRef{Username: "jdoe"}, nil), []actions.Call{
		{Method: "GET", Path: "Users?username=jdoe"}, {Method: "POST", Path: "Users/{id}/Requests/Terminate"}})
	e.dryRun(t, terminate(actions.UserRef{TargetID: "12"}, map[string]any{"reason": "incident 4711"}), []actions.Call{
		{Method: "GET", Path: "Users/12"},
		{Method: "POST", Path: "Users/12/Requests/Terminate", Body: map[string]string{"Reason": "incident 4711"}}})
	if n := len(e.sim.ActiveRequests(12)); n != 2 {
		t.Errorf("a dry run terminated requests: %d left", n)
	}
}
