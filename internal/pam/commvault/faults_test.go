package commvault_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/pam/commvault"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// writeActions are one action of each supported kind that needs a PUT on
// jdoe (id 5), with the simulator state that shows whether it happened.
var writeActions = []struct {
	name    string
	action  actions.Action
	changed func(e *env) bool
}{
	{"quarantine", quarantine(ref("jdoe")), func(e *env) bool { u, _ := e.sim.User(5); return !u.Enabled }},
	{"update_attributes", action(actions.UpdateAttributes, ref("jdoe"), map[string]any{actions.AttrEmail: "new@example.com"}),
		func(e *env) bool { u, _ := e.sim.User(5); return u.Email == "new@example.com" }},
	{"add_group", action(actions.AddGroup, ref("jdoe"), map[string]any{actions.ParamGroup: "Helpdesk"}),
		func(e *env) bool { u, _ := e.sim.User(5); return u.MemberOf(4) }},
	{"remove_group", action(actions.RemoveGroup, ref("jdoe"), map[string]any{actions.ParamGroup: "id:5"}),
		func(e *env) bool { u, _ := e.sim.User(5); return !u.MemberOf(5) }},
}

func TestWriteFaults(t *testing.T) {
	cases := []struct {
		name      string
		fault     simkit.Fault
		permanent bool
		after     time.Duration
		notFound  bool
		status    int    // the StatusError's status; 0 for none
		errorCode int    // the APIError's code; 0 for none
		text      string // in the message
	}{
		{name: "503", fault: simkit.Fault{Status: 503}, status: 503, text: "503 Service Unavailable"},
		{name: "429 retry-after 7", fault: simkit.Fault{Status: 429, RetryAfter: "7"}, after: 7 * time.Second, status: 429},
		{name: "404", fault: simkit.Fault{Status: 404, Body: `{"errorMessage":"Requested Details not found","errorCode":1}`},
			permanent: true, notFound: true, status: 404, text: "Requested Details not found"},
		{name: "400", fault: simkit.Fault{Status: 400, Body: `{"errorMessage":"Invalid input","errorCode":1}`}, permanent: true, status: 400,
			text: `{"errorMessage":"Invalid input","errorCode":1}`},
		{name: "403", fault: simkit.Fault{Status: 403}, permanent: true, status: 403},
		{name: "dropped connection", fault: simkit.Fault{Drop: true}, text: "PUT /webconsole/api/V4/user/5"},
		{name: "200 with errorCode", fault: simkit.Fault{Status: 200, Body: `{"errorMessage":"Failed to update user properties","errorCode":2}`},
			permanent: true, errorCode: 2, text: "PUT /webconsole/api/V4/user/5: errorCode 2: Failed to update user properties"},
		{name: "200 with errorCode, try again", fault: simkit.Fault{Status: 200, Body: `{"errorMessage":"Server is busy, please try again later","errorCode":7}`},
			errorCode: 7, text: "errorCode 7"},
		{name: "200 with errorCode 5", fault: simkit.Fault{Status: 200, Body: `{"errorMessage":"Access denied","errorCode":5}`},
			permanent: true, errorCode: 5, text: "Access denied"},
	}
	for _, wa := range writeActions {
		for _, tc := range cases {
			t.Run(wa.name+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t, nil)
				f := tc.fault
				f.Times = 1
				e.sim.Inject(putRoute, f)
				_, err := e.client.Execute(context.Background(), wa.action)
				if err == nil {
					t.Fatal("want error")
				}
				class, after := actions.Classify(err)
				if (class == actions.ClassPermanent) != tc.permanent || after != tc.after {
					t.Errorf("got %v/%v, want permanent=%v after=%v: %v", class, after, tc.permanent, tc.after, err)
				}
				if errors.Is(err, actions.ErrUserNotFound) != tc.notFound {
					t.Errorf("ErrUserNotFound = %v, want %v: %v", !tc.notFound, tc.notFound, err)
				}
				checkErrorTypes(t, err, tc.status, tc.errorCode)
				if !strings.Contains(err.Error(), "modify user 5: ") || !strings.Contains(err.Error(), tc.text) {
					t.Errorf("message %q lacks %q", err, tc.text)
				}
				if e.puts() != 1 || e.logins() != 1 {
					t.Errorf("%d PUTs, %d logins: the client must not retry by itself", e.puts(), e.logins())
				}
				if wa.changed(e) {
					t.Error("state changed despite the fault")
				}
			})
		}
	}
}

func checkErrorTypes(t *testing.T, err error, status, code int) {
	t.Helper()
	var se *pam.StatusError
	if status != 0 && (!errors.As(err, &se) || se.StatusCode != status) {
		t.Errorf("want StatusError %d, got %v", status, err)
	}
	var ae *commvault.APIError
	if code != 0 && (!errors.As(err, &ae) || ae.ErrorCode != code || ae.Method != "PUT") {
		t.Errorf("want APIError %d, got %v", code, err)
	}
}

func TestTransientThenSuccess(t *testing.T) {
	for _, wa := range writeActions {
		t.Run(wa.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.Inject(putRoute, simkit.Fault{Status: 503, Times: 2})
			for i := range 2 {
				if _, err := e.client.Execute(context.Background(), wa.action); err == nil || actions.IsPermanent(err) {
					t.Fatalf("attempt %d: want transient, got %v", i+1, err)
				}
			}
			out, err := e.client.Execute(context.Background(), wa.action)
			if err != nil || out.Status != actions.StatusCompleted || !wa.changed(e) {
				t.Fatalf("attempt 3: %+v, %v", out, err)
			}
			if e.writes() != 1 || e.logins() != 1 {
				t.Errorf("%d effective writes, %d logins; want 1 and 1 (5xx must not log in again)", e.writes(), e.logins())
			}
		})
	}
}

func TestReadFaultsAreClassified(t *testing.T) {
	cases := []struct {
		route, text string
		ref         actions.UserRef
	}{
		{"GET V4/user", "list users: GET /webconsole/api/V4/user: 500", ref("jdoe")},
		{"GET V4/user/{userId}", "read user 5: GET /webconsole/api/V4/user/5: 500", actions.UserRef{TargetID: "5"}},
	}
	for _, tc := range cases {
		e := newEnv(t, nil)
		e.sim.Inject(tc.route, simkit.Fault{Status: 500, Times: 1})
		_, err := e.client.Execute(context.Background(), quarantine(tc.ref))
		if err == nil || actions.IsPermanent(err) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%s: got %v", tc.route, err)
		}
	}
}
