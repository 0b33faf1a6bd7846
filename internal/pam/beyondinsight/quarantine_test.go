package beyondinsight_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// lookups lists the GET requests the simulator saw, as "RelPath?Query".
func (e *env) lookups() []string {
	var out []string
	for _, r := range e.sim.Requests() {
		if r.Method == "GET" {
			out = append(out, r.RelPath+"?"+r.Query)
		}
	}
	return out
}

func TestQuarantineResolvesUser(t *testing.T) {
	extra := []sim.User{
		// Two directory users in different domains sharing an e-mail address.
		{UserID: 40, UserName: "twin", DomainName: "EU", EmailAddress: "twin@example.com"},
		{UserID: 41, UserName: "twin", DomainName: "US", EmailAddress: "twin@example.com"},
	}
	cases := []struct {
		name        string
		ref         actions.UserRef
		wantID      string
		wantLookups []string
		wantErr     string
		notFound    bool
	}{
		{name: "username", ref: actions.UserRef{Username: "jdoe"}, wantID: "12",
			wantLookups: []string{"Users?includeInactive=true&username=jdoe"}},
		{name: "domain and username", ref: actions.UserRef{Username: "bwayne", Domain: "CORP"}, wantID: "21",
			wantLookups: []string{`Users?includeInactive=true&username=CORP%5Cbwayne`}},
		{name: "UPN", ref: actions.UserRef{UPN: "bwayne@corp.example.com"}, wantID: "21",
			wantLookups: []string{"Users?includeInactive=true&username=bwayne%40corp.example.com"}},
		{name: "email of a directory user", ref: actions.UserRef{Email: "bwayne@corp.example.com"}, wantID: "21",
			wantLookups: []string{"Users?includeInactive=true&username=bwayne%40corp.example.com"}},
		{name: "falls back from username to UPN to email",
			ref:    actions.UserRef{Username: "bruce", UPN: "bruce@corp.example.com", Email: "bwayne@corp.example.com"},
			wantID: "21",
			wantLookups: []string{"Users?includeInactive=true&username=bruce", "Users?includeInactive=true&username=bruce%40corp.example.com",
				"Users?includeInactive=true&username=bwayne%40corp.example.com"}},
		{name: "target id", ref: actions.UserRef{TargetID: "13", Username: "ignored"}, wantID: "13",
			wantLookups: []string{"Users/13?"}},
		{name: "application user", ref: actions.UserRef{Username: "svc-pam-worker"}, wantID: "57",
			wantLookups: []string{"Users?includeInactive=true&username=svc-pam-worker"}},
		{name: "not found", ref: actions.UserRef{Username: "ghost", Email: "ghost@example.com"}, notFound: true,
			wantErr: `no BeyondInsight user matches username "ghost", then "ghost@example.com"`},
		{name: "unknown target id", ref: actions.UserRef{TargetID: "999"}, notFound: true,
			wantErr: "no BeyondInsight user with id 999"},
		{name: "bad target id", ref: actions.UserRef{TargetID: "abc"}, wantErr: `target id "abc" is not a BeyondInsight user id`},
		{name: "nothing searchable", ref: actions.UserRef{EmployeeID: "E1"}, notFound: true, wantErr: "all BeyondInsight can search by"},
		{name: "ambiguous", ref: actions.UserRef{Email: "twin@example.com"}, wantErr: "ambiguous user: 2 BeyondInsight users match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, _ *beyondinsight.Config) { o.Users = append(o.Users, extra...) })
			out, err := e.client.Execute(context.Background(), quarantine(tc.ref))
			if tc.wantErr != "" {
				if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want permanent error containing %q", err, tc.wantErr)
				}
				if errors.Is(err, actions.ErrUserNotFound) != tc.notFound {
					t.Errorf("errors.Is(ErrUserNotFound) = %v, want %v", !tc.notFound, tc.notFound)
				}
				if n := e.sim.Count("POST Users/{id}/Quarantine"); n != 0 {
					t.Errorf("%d quarantine POSTs after a failed lookup", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.TargetUserID != tc.wantID || out.Status != actions.StatusCompleted {
				t.Errorf("outcome %+v, want completed for %s", out, tc.wantID)
			}
			if got := e.lookups(); strings.Join(got, " ") != strings.Join(tc.wantLookups, " ") {
				t.Errorf("lookups %q, want %q", got, tc.wantLookups)
			}
		})
	}
}

func TestQuarantineCompletes(t *testing.T) {
	e := newEnv(t, nil)
	out, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "bwayne", Domain: "CORP"}))
	if err != nil {
		t.Fatal(err)
	}
	want := actions.Call{Method: "POST", Path: "Users/21/Quarantine", Status: 200}
	if out.Status != actions.StatusCompleted || out.TargetUserID != "21" || len(out.Calls) != 1 || out.Calls[0] != want {
		t.Errorf("outcome %+v", out)
	}
	if out.Details["user_name"] != `CORP\bwayne` {
		t.Errorf("details %v", out.Details)
	}
	if u, _ := e.sim.User(21); !u.IsQuarantined {
		t.Error("simulator state unchanged")
	}
	// Repeating the action reads, finds it done, and writes nothing.
	out, err = e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "bwayne", Domain: "CORP"}))
	if err != nil || out.Status != actions.StatusSkipped || out.Reason != "already quarantined" || len(out.Calls) != 0 {
		t.Fatalf("repeat: %+v, %v", out, err)
	}
	if n := e.sim.Count("POST Users/{id}/Quarantine"); n != 1 {
		t.Errorf("%d quarantine POSTs, want 1", n)
	}
}

// TestQuarantineFaults covers the faults on the write that BeyondInsight
// answers in its own way; 503, 429, 400 and a dropped connection are
// contract cases (contract_test.go).
func TestQuarantineFaults(t *testing.T) {
	cases := []struct {
		name      string
		fault     simkit.Fault
		ceiling   time.Duration
		permanent bool
		after     time.Duration
		notFound  bool
		status    int
	}{
		{name: "429 capped", fault: simkit.Fault{Status: 429, RetryAfter: "7", Times: 1}, ceiling: 5 * time.Second, after: 5 * time.Second, status: 429},
		{name: "404", fault: simkit.Fault{Status: 404, Times: 1}, permanent: true, notFound: true, status: 404},
		{name: "403", fault: simkit.Fault{Status: 403, Times: 1}, permanent: true, status: 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(_ *sim.Options, c *beyondinsight.Config) { c.RetryAfterCeiling = tc.ceiling })
			e.sim.Inject("POST Users/{id}/Quarantine", tc.fault)
			_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
			if err == nil {
				t.Fatal("want error")
			}
			class, after := actions.Classify(err)
			if (class == actions.ClassPermanent) != tc.permanent || after != tc.after {
				t.Errorf("got %v/%v, want permanent=%v after=%v: %v", class, after, tc.permanent, tc.after, err)
			}
			if errors.Is(err, actions.ErrUserNotFound) != tc.notFound {
				t.Errorf("ErrUserNotFound = %v, want %v", !tc.notFound, tc.notFound)
			}
			var se *pam.StatusError
			if tc.status != 0 && (!errors.As(err, &se) || se.StatusCode != tc.status) {
				t.Errorf("want StatusError %d, got %v", tc.status, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "quarantine user 12: ") || !strings.Contains(msg, "POST /BeyondTrust/api/public/v3/Users/12/Quarantine: ") {
				t.Errorf("message %q", err)
			}
			if n := e.sim.Count("POST Users/{id}/Quarantine"); n != 1 {
				t.Errorf("%d POSTs: the client must not retry by itself", n)
			}
			if u, _ := e.sim.User(12); u.IsQuarantined {
				t.Error("state changed despite the fault")
			}
		})
	}
}

func TestTransient503ThenSuccess(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.Inject("POST Users/{id}/Quarantine", simkit.Fault{Status: 503, Times: 3})
	ctx := context.Background()
	for i := range 3 {
		_, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "jdoe"}))
		if err == nil || actions.IsPermanent(err) {
			t.Fatalf("attempt %d: want transient, got %v", i+1, err)
		}
		if n := e.sim.Count("POST Users/{id}/Quarantine"); n != i+1 {
			t.Fatalf("attempt %d: %d POSTs; the client looped", i+1, n)
		}
	}
	if out, err := e.client.Execute(ctx, quarantine(actions.UserRef{Username: "jdoe"})); err != nil || out.Status != actions.StatusCompleted {
		t.Fatalf("attempt 4: %+v, %v", out, err)
	}
	if n := e.signIns(); n != 1 {
		t.Errorf("%d sign-ins; 5xx must not trigger one", n)
	}
}

func TestLookupFaultsAreClassified(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.Inject("GET Users", simkit.Fault{Status: 500, Times: 1})
	_, err := e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
	if err == nil || actions.IsPermanent(err) || !strings.Contains(err.Error(), `look up user "jdoe"`) {
		t.Fatalf("got %v", err)
	}
	e.sim.Inject("GET Users", simkit.Fault{Status: 404, Times: 1}) // a 404 on search is "no match"
	_, err = e.client.Execute(context.Background(), quarantine(actions.UserRef{Username: "jdoe"}))
	if !errors.Is(err, actions.ErrUserNotFound) || !actions.IsPermanent(err) {
		t.Fatalf("got %v, want permanent ErrUserNotFound", err)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	cases := []struct {
		name string
		ref  actions.UserRef
		want []actions.Call
	}{
		{"by name", actions.UserRef{Username: "bwayne", Domain: "CORP"}, []actions.Call{
			{Method: "GET", Path: `Users?includeInactive=true&username=CORP%5Cbwayne`}, {Method: "POST", Path: "Users/{id}/Quarantine"}}},
		{"by target id", actions.UserRef{TargetID: "12"}, []actions.Call{
			{Method: "GET", Path: "Users/12"}, {Method: "POST", Path: "Users/12/Quarantine"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { newEnv(t, nil).dryRun(t, quarantine(tc.ref), tc.want) })
	}
}
