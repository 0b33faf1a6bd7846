package beyondinsight_test

import (
	"context"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

func terminate(ref actions.UserRef, params map[string]any) actions.Action {
	return withParams(actions.TerminateSessions, ref, params)
}

// The seeds give jdoe (12) two active requests (sim.DefaultRequests), a
// session in progress (7001) and a completed one (sim.DefaultSessions), and
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
		sessions  []string // the session terminations expected, in order
	}{
		{"with reason", actions.UserRef{Username: "jdoe"}, map[string]any{"reason": "incident 4711"}, 12, `{"Reason":"incident 4711"}`, false, []string{"7001"}},
		{"without reason", actions.UserRef{TargetID: "12"}, nil, 12, "", false, []string{"7001"}},
		{"nothing to terminate", actions.UserRef{Username: "asmith"}, nil, 13, "", false, nil},
		{"long reason", actions.UserRef{Username: "jdoe"}, map[string]any{"reason": long}, 12, `{"Reason":"` + long[:2000] + `"}`, true, []string{"7001"}},
		{"long reason of emoji", actions.UserRef{Username: "jdoe"}, map[string]any{"reason": emoji}, 12, `{"Reason":"` + emoji[:2000] + `"}`, true, []string{"7001"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), terminate(tc.ref, tc.params))
			if err != nil {
				t.Fatal(err)
			}
			path := "Users/" + out.TargetUserID + "/Requests/Terminate"
			if out.Status != actions.StatusCompleted || mustAtoi(t, out.TargetUserID) != tc.wantID || len(out.Calls) != 1+len(tc.sessions) {
				t.Fatalf("outcome %+v", out)
			}
			if c := out.Calls[0]; c.Method != "POST" || c.Path != path || c.Status != 204 {
				t.Errorf("call %+v", c)
			}
			for i, sid := range tc.sessions {
				if c := out.Calls[1+i]; c.Method != "POST" || c.Path != "Sessions/"+sid+"/Terminate" || c.Status != 204 {
					t.Errorf("session call %+v", c)
				}
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
			if got := out.Details["session_ids"]; got != strings.Join(tc.sessions, ",") {
				t.Errorf("session_ids %q, want %v", got, tc.sessions)
			}
			if n := e.writes(); n != 1+len(tc.sessions) {
				t.Errorf("%d writes, want %d (there is no read to skip the request termination on)", n, 1+len(tc.sessions))
			}
			if left := e.sim.ActiveRequests(tc.wantID); len(left) != 0 {
				t.Errorf("requests left: %+v", left)
			}
			if live := e.sim.PAMSessions(tc.wantID, sim.SessionInProgress, sim.SessionLocked, sim.SessionDisconnected); len(live) != 0 {
				t.Errorf("live sessions left: %+v", live)
			}
		})
	}
}

// TestTerminateSessionsEndsLiveSessionsOnly: only the user's sessions
// that are in progress, locked or disconnected are ended, one call each;
// ended ones and other users' are left alone, even when the list answer
// carries them (a product that ignored the filters).
func TestTerminateSessionsEndsLiveSessionsOnly(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(modeName(strict), func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, _ *beyondinsight.Config) {
				o.Strict = strict
				o.PAMSessions = []sim.PAMSession{
					{SessionID: 1, UserID: 12, Status: sim.SessionInProgress},
					{SessionID: 2, UserID: 12, Status: sim.SessionLocked},
					{SessionID: 3, UserID: 12, Status: sim.SessionDisconnected},
					{SessionID: 4, UserID: 12, Status: sim.SessionCompleted},
					{SessionID: 5, UserID: 12, Status: sim.SessionLoggedOff},
					{SessionID: 6, UserID: 13, Status: sim.SessionInProgress},
				}
			})
			if !strict {
				// The list answers every session, filters ignored.
				e.sim.Inject("GET Sessions", simkit.Fault{Status: 200, Times: 1, Body: `[{"SessionID":1,"UserID":12,"Status":1},` +
					`{"SessionID":4,"UserID":12,"Status":2},{"SessionID":6,"UserID":13,"Status":1},{"SessionID":2,"UserID":12,"Status":5},` +
					`{"SessionID":3,"UserID":12,"Status":9}]`})
			}
			out, err := e.client.Execute(context.Background(), terminate(actions.UserRef{Username: "jdoe"}, nil))
			if err != nil {
				t.Fatal(err)
			}
			if out.Details["session_ids"] != "1,2,3" || out.Reason != "active requests terminated; 3 live sessions terminated" {
				t.Errorf("outcome %+v", out)
			}
			if q := e.lastQuery(t, "GET", "Sessions"); q != "status=1%2C5%2C9&userID=12" {
				t.Errorf("GET Sessions?%s", q)
			}
			if other := e.sim.PAMSessions(13); other[0].Status != sim.SessionInProgress {
				t.Errorf("another user's session was ended: %+v", other)
			}
		})
	}
}

// TestTerminateSessionsSessionFaults: a session that ended since the list
// (404) is not an error; a refused list (403: no session role) fails the
// action permanently, saying the requests were terminated.
func TestTerminateSessionsSessionFaults(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.Inject("POST Sessions/{sessionId}/Terminate", simkit.Fault{Status: 404, Times: 1})
	out, err := e.client.Execute(context.Background(), terminate(actions.UserRef{Username: "jdoe"}, nil))
	if err != nil || out.Status != actions.StatusCompleted || out.Details["sessions_terminated"] != "0" {
		t.Fatalf("session gone since the list: %+v, %v", out, err)
	}
	e = newEnv(t, nil)
	e.sim.Inject("GET Sessions", simkit.Fault{Status: 403, Body: "4031 - User does not have permission", Times: 1})
	_, err = e.client.Execute(context.Background(), terminate(actions.UserRef{Username: "jdoe"}, nil))
	failure{permanent: true, status: 403, contains: "terminate sessions of user 12 (its active requests were terminated): list sessions: GET "}.check(t, err)
	if len(e.sim.ActiveRequests(12)) != 0 || len(e.sim.PAMSessions(12, sim.SessionInProgress)) != 1 {
		t.Errorf("requests %+v, sessions %+v", e.sim.ActiveRequests(12), e.sim.PAMSessions(12))
	}
}

// TestTerminateRequestsLeavesSessionsInSimulator: ending a user's requests
// does not end its sessions in the simulator, as nothing documents that
// the product does; the client ends them itself.
func TestTerminateRequestsLeavesSessionsInSimulator(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.Inject("GET Sessions", simkit.Fault{Status: 503})
	_, err := e.client.Execute(context.Background(), terminate(actions.UserRef{Username: "jdoe"}, nil))
	if err == nil || actions.IsPermanent(err) {
		t.Fatalf("want a transient error from the session list, got %v", err)
	}
	if len(e.sim.ActiveRequests(12)) != 0 || len(e.sim.PAMSessions(12, sim.SessionInProgress)) != 1 {
		t.Errorf("requests %+v, sessions %+v", e.sim.ActiveRequests(12), e.sim.PAMSessions(12))
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
			attempts: 1, want: failure{status: 503, contains: "terminate requests of user 12: POST "}},
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
		{Method: "GET", Path: "Users?includeInactive=true&username=jdoe"}, {Method: "POST", Path: "Users/{id}/Requests/Terminate"},
		{Method: "GET", Path: "Sessions?status=1%2C5%2C9&userID=%7Bid%7D"}, {Method: "POST", Path: "Sessions/{sessionId}/Terminate"}})
	e.dryRun(t, terminate(actions.UserRef{TargetID: "12"}, map[string]any{"reason": "incident 4711"}), []actions.Call{
		{Method: "GET", Path: "Users/12"},
		{Method: "POST", Path: "Users/12/Requests/Terminate", Body: map[string]string{"Reason": "incident 4711"}},
		{Method: "GET", Path: "Sessions?status=1%2C5%2C9&userID=12"}, {Method: "POST", Path: "Sessions/{sessionId}/Terminate"}})
	if n := len(e.sim.ActiveRequests(12)); n != 2 {
		t.Errorf("a dry run terminated requests: %d left", n)
	}
}
