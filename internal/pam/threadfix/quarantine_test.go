package threadfix_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/pam/threadfix"
	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
)

func TestQuarantineOutcomes(t *testing.T) {
	cases := []struct {
		name       string
		ref        actions.UserRef
		wantID     string
		wantStatus actions.Status
		wantReason string
		userID     int
	}{
		{"administrator", actions.UserRef{Username: "jdoe"}, "3", actions.StatusCompleted, "access removed: global role 1 (Administrator)", 3},
		{"read access", actions.UserRef{Username: "asmith"}, "4", actions.StatusCompleted, "access removed: global read access", 4},
		{"LDAP user by DOMAIN\\name", actions.UserRef{Domain: "CORP", Username: "BWayne"}, "6", actions.StatusCompleted, "access removed: global role 2 (User)", 6},
		{"no access at all", actions.UserRef{Username: "mroe"}, "5", actions.StatusSkipped, threadfix.AlreadyContained, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), quarantine(tc.ref))
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tc.wantStatus || out.Reason != tc.wantReason || out.TargetUserID != tc.wantID {
				t.Fatalf("outcome %+v", out)
			}
			if got := globalRole(t, e, tc.userID); got != sim.NoGlobalAccess {
				t.Errorf("global role %d after quarantine, want -1", got)
			}
			wantWrites := 0
			if tc.wantStatus == actions.StatusCompleted {
				wantWrites = 1
				want := actions.Call{Method: "POST", Path: "users/" + tc.wantID + "/update", Status: 200}
				if len(out.Calls) != 1 || out.Calls[0].Method != want.Method || out.Calls[0].Path != want.Path || out.Calls[0].Status != 200 {
					t.Errorf("calls %+v", out.Calls)
				}
				if b, _ := out.Calls[0].Body.(map[string]string); len(b) != 1 || b["globalRoleId"] != "-1" {
					t.Errorf("call body %#v", out.Calls[0].Body)
				}
			} else if len(out.Calls) != 0 {
				t.Errorf("skipped with calls %+v", out.Calls)
			}
			if n := e.writes(); n != wantWrites {
				t.Errorf("%d writes, want %d", n, wantWrites)
			}
			// Repeating it reads, finds it done, and writes nothing more.
			again, err := e.client.Execute(context.Background(), quarantine(tc.ref))
			if err != nil || again.Status != actions.StatusSkipped || again.Reason != threadfix.AlreadyContained {
				t.Fatalf("repeat: %+v, %v", again, err)
			}
			if n := e.writes(); n != wantWrites {
				t.Errorf("%d writes after repeat, want %d", n, wantWrites)
			}
		})
	}
}

// TestQuarantineReadsAuditFlagAndRole checks how users/audit is read: the
// flag decides, and a role without the flag is not taken as "no access".
func TestQuarantineReadsAuditFlagAndRole(t *testing.T) {
	cases := []struct {
		name   string
		entry  string
		status actions.Status
	}{
		{"flag false, no role", `{"id":3,"hasGlobalGroupAccess":false,"globalRole":null}`, actions.StatusSkipped},
		{"flag true, no role (read access)", `{"id":3,"hasGlobalGroupAccess":true,"globalRole":null}`, actions.StatusCompleted},
		{"flag false but a role", `{"id":3,"hasGlobalGroupAccess":false,"globalRole":{"id":5,"displayName":"X"}}`, actions.StatusCompleted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			body := `{"message":"","success":true,"responseCode":-1,"object":[` + tc.entry + `]}`
			e.sim.Inject(sim.RouteUsersAudit, simkit.Fault{Status: 200, Body: body, Times: 1})
			out, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
			if err != nil || out.Status != tc.status {
				t.Fatalf("got %+v, %v; want %s", out, err, tc.status)
			}
		})
	}
}

func TestQuarantineResolvesUser(t *testing.T) {
	extra := []sim.User{
		{ID: 20, Name: `CORP\svc-scan`, GlobalRoleID: 1},
		{ID: 21, Name: "svc-scan", GlobalRoleID: 1}, // a local namesake: the exact DOMAIN\name wins
		{ID: 22, Name: "bruce@corp.example.com", Type: sim.TypeSAML, GlobalRoleID: 0},
		{ID: 23, Name: "twin", GlobalRoleID: 0},
		{ID: 24, Name: "TWIN", GlobalRoleID: 0},
	}
	cases := []struct {
		name     string
		ref      actions.UserRef
		wantID   string
		wantErr  string
		notFound bool
		requests int
	}{
		{name: "username, any case", ref: actions.UserRef{Username: "JDOE"}, wantID: "3"},
		{name: "DOMAIN\\name matches the bare name", ref: actions.UserRef{Domain: "CORP", Username: "bwayne"}, wantID: "6"},
		{name: "DOMAIN\\name prefers the exact name", ref: actions.UserRef{Domain: "corp", Username: "svc-scan"}, wantID: "20"},
		{name: "UPN", ref: actions.UserRef{UPN: "bruce@corp.example.com"}, wantID: "22"},
		{name: "email after an unknown username", ref: actions.UserRef{Username: "bruce", Email: "Bruce@corp.example.com"}, wantID: "22"},
		{name: "target id wins over names", ref: actions.UserRef{TargetID: "4", Username: "jdoe"}, wantID: "4"},
		{name: "not found", ref: actions.UserRef{Username: "ghost", Email: "ghost@example.com"}, notFound: true, requests: 1,
			wantErr: `no ThreadFix user named "ghost", then "ghost@example.com"`},
		{name: "unknown target id", ref: actions.UserRef{TargetID: "999"}, notFound: true, requests: 1, wantErr: "no ThreadFix user with id 999"},
		{name: "bad target id", ref: actions.UserRef{TargetID: "abc"}, wantErr: `target id "abc" is not a ThreadFix user id`},
		{name: "nothing to match", ref: actions.UserRef{EmployeeID: "E1"}, notFound: true, wantErr: "all ThreadFix users can be matched by"},
		{name: "ambiguous", ref: actions.UserRef{Username: "twin"}, requests: 1, wantErr: `ambiguous user: 2 ThreadFix users are named "twin" (ids 23, 24)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, _ *threadfix.Config) { o.Users = append(o.Users, extra...) })
			out, err := e.client.Execute(context.Background(), quarantine(tc.ref))
			if tc.wantErr == "" {
				if err != nil || out.TargetUserID != tc.wantID || out.Status != actions.StatusCompleted {
					t.Fatalf("got %+v, %v; want completed for %s", out, err, tc.wantID)
				}
				return
			}
			if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want permanent error containing %q", err, tc.wantErr)
			}
			if errors.Is(err, actions.ErrUserNotFound) != tc.notFound {
				t.Errorf("errors.Is(ErrUserNotFound) = %v, want %v", !tc.notFound, tc.notFound)
			}
			if n := len(e.sim.Requests()); n != tc.requests {
				t.Errorf("%d requests, want %d (and no write)", n, tc.requests)
			}
		})
	}
}

// TestQuarantineFailures covers the answers that fail the write in
// ThreadFix's own ways; each must leave the state alone, send exactly one
// POST and be classified. 503, 429, 400, 404 and a dropped connection are
// contract cases (contract_test.go).
func TestQuarantineFailures(t *testing.T) {
	cases := []struct {
		name      string
		fault     simkit.Fault
		permanent bool
		after     time.Duration
		status    int    // of a *pam.StatusError, 0 for none
		message   string // of a *threadfix.APIError, "" for none
	}{
		{name: "401", fault: simkit.Fault{Status: 401, Body: envelopeBody(false, threadfix.MessageAuthFailed), Times: 1}, permanent: true, status: 401},
		{name: "403", fault: simkit.Fault{Status: 403, Times: 1}, permanent: true, status: 403},
		{name: "success false with 200", fault: simkit.Fault{Status: 200, Body: envelopeBody(false, "Coalfire Identity manages users."), Times: 1},
			permanent: true, message: "Coalfire Identity manages users."},
		{name: "HTML with 200", fault: simkit.Fault{Status: 200, Body: "<html><body>Sign in</body></html>", Times: 1}, permanent: true},
		{name: "envelope cut off", fault: simkit.Fault{Status: 200, Body: `{"message":"","success":true,"respon`, Times: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.sim.Inject(sim.RouteUserUpdate, tc.fault)
			_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
			if err == nil {
				t.Fatal("want error")
			}
			class, after := actions.Classify(err)
			if (class == actions.ClassPermanent) != tc.permanent || after != tc.after {
				t.Errorf("got %v/%v, want permanent=%v after=%v: %v", class, after, tc.permanent, tc.after, err)
			}
			var se *pam.StatusError
			if tc.status != 0 && (!errors.As(err, &se) || se.StatusCode != tc.status) {
				t.Errorf("want StatusError %d, got %v", tc.status, err)
			}
			var ae *threadfix.APIError
			if tc.message != "" && (!errors.As(err, &ae) || ae.Message != tc.message || !strings.Contains(err.Error(), tc.message)) {
				t.Errorf("want APIError %q, got %v", tc.message, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "quarantine jdoe: remove global role 1 (Administrator): POST /threadfix/rest/latest/users/3/update") {
				t.Errorf("message %q", msg)
			}
			if n := e.writes(); n != 1 {
				t.Errorf("%d POSTs: the client must not retry by itself", n)
			}
			if got := globalRole(t, e, 3); got != 1 {
				t.Errorf("global role %d: state changed despite the fault", got)
			}
		})
	}
}

func TestReadFailuresAreClassified(t *testing.T) {
	cases := []struct {
		route     string
		fault     simkit.Fault
		permanent bool
		want      string
	}{
		{sim.RouteUsersList, simkit.Fault{Status: 500, Times: 1}, false, "list users: GET /threadfix/rest/latest/users/list: 500"},
		{sim.RouteUsersList, simkit.Fault{Drop: true, Times: 1}, false, "list users: GET"},
		{sim.RouteUsersAudit, simkit.Fault{Status: 503, RetryAfter: "2", Times: 1}, false, "read global access of user 3"},
		{sim.RouteUsersAudit, simkit.Fault{Status: 200, Body: `{"message":"","success":true,"responseCode":-1,"object":{"id":3}}`, Times: 1},
			true, "unexpected object in answer"},
	}
	for _, tc := range cases {
		e := newEnv(t, nil)
		e.sim.Inject(tc.route, tc.fault)
		_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
		if err == nil || actions.IsPermanent(err) != tc.permanent || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %+v: got %v, want permanent=%v containing %q", tc.route, tc.fault, err, tc.permanent, tc.want)
		}
		if e.writes() != 0 {
			t.Error("wrote after a failed read")
		}
	}
}

func TestConcurrentQuarantines(t *testing.T) {
	const n = 16
	e := newEnv(t, func(o *sim.Options, _ *threadfix.Config) {
		for i := range n {
			o.Users = append(o.Users, sim.User{ID: 100 + i, Name: "user" + string(rune('a'+i)), GlobalRoleID: 1 + i%3})
		}
	})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "user" + string(rune('a'+i))})); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if got := globalRole(t, e, 100+i); got != sim.NoGlobalAccess {
			t.Errorf("user %d: role %d", 100+i, got)
		}
	}
	if got := e.writes(); got != n {
		t.Errorf("%d writes, want %d", got, n)
	}
}
