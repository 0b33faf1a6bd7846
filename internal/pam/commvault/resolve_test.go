package commvault_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/commvault"
	"github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// reads lists the GET requests the simulator saw, as RelPath.
func (e *env) reads() []string {
	var out []string
	for _, r := range e.sim.Requests() {
		if r.Method == "GET" {
			out = append(out, r.RelPath)
		}
	}
	return out
}

func TestResolveUser(t *testing.T) {
	extra := []sim.User{
		// Two users sharing an e-mail address; a local user named like a directory user.
		{ID: 40, Name: "twin1", Email: "twin@example.com", UserPrincipalName: "twin@corp", Enabled: true},
		{ID: 41, Name: "twin2", Email: "twin@example.com", UserPrincipalName: "twin@corp", Enabled: true},
		{ID: 42, Name: "bwayne", Email: "bruce@example.com", Enabled: true},
	}
	cases := []struct {
		name      string
		ref       actions.UserRef
		wantID    string
		wantReads []string
		wantErr   string
		notFound  bool
	}{
		{name: "username", ref: ref("jdoe"), wantID: "5", wantReads: []string{"V4/user"}},
		{name: "username, any case", ref: ref("JDoe"), wantID: "5"},
		{name: "domain and username", ref: actions.UserRef{Domain: "corp", Username: "BWayne"}, wantID: "8"},
		{name: "bare username is the local user", ref: ref("bwayne"), wantID: "42"},
		{name: `username written DOMAIN\name`, ref: ref(`CORP\bwayne`), wantID: "8"},
		{name: "UPN", ref: actions.UserRef{UPN: "BWAYNE@corp.example.com"}, wantID: "8"},
		{name: "email", ref: actions.UserRef{Email: "asmith@example.com"}, wantID: "6"},
		{name: "falls back from username to UPN to email",
			ref: actions.UserRef{Username: "ghost", UPN: "ghost@corp", Email: "mroe@example.com"}, wantID: "7", wantReads: []string{"V4/user"}},
		{name: "target id", ref: actions.UserRef{TargetID: "6", Username: "ignored"}, wantID: "6", wantReads: []string{"V4/user/6"}},
		{name: "not found", ref: actions.UserRef{Username: "ghost", Email: "ghost@example.com"}, notFound: true,
			wantErr: `no Commvault user has name "ghost", or email "ghost@example.com"`},
		{name: "domain must match", ref: actions.UserRef{Domain: "LAB", Username: "bwayne"}, notFound: true, wantErr: `name "LAB\\bwayne"`},
		{name: "unknown target id", ref: actions.UserRef{TargetID: "999"}, notFound: true, wantErr: "no Commvault user with id 999"},
		{name: "bad target id", ref: actions.UserRef{TargetID: "abc"}, wantErr: `target id "abc" is not a Commvault user id`},
		{name: "nothing to match on", ref: actions.UserRef{EmployeeID: "E1"}, notFound: true, wantErr: "all Commvault users can be matched on"},
		{name: "ambiguous", ref: actions.UserRef{Email: "twin@example.com"}, wantErr: `ambiguous user: 2 Commvault users have email "twin@example.com" (ids 40, 41)`},
		{name: "ambiguity is not resolved by a later key", ref: actions.UserRef{UPN: "twin@corp", Email: "jdoe@example.com"},
			wantErr: `ambiguous user: 2 Commvault users have userPrincipalName "twin@corp"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, _ *commvault.Config) { o.Users = append(o.Users, extra...) })
			out, err := e.client.Execute(context.Background(), quarantine(tc.ref))
			if tc.wantErr != "" {
				if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want permanent error containing %q", err, tc.wantErr)
				}
				if errors.Is(err, actions.ErrUserNotFound) != tc.notFound {
					t.Errorf("errors.Is(ErrUserNotFound) = %v, want %v", !tc.notFound, tc.notFound)
				}
				if e.puts() != 0 {
					t.Errorf("%d PUTs after a failed lookup", e.puts())
				}
				return
			}
			if err != nil || out.TargetUserID != tc.wantID {
				t.Fatalf("outcome %+v, %v; want user %s", out, err, tc.wantID)
			}
			if tc.wantReads != nil && strings.Join(e.reads(), " ") != strings.Join(tc.wantReads, " ") {
				t.Errorf("reads %q, want %q", e.reads(), tc.wantReads)
			}
		})
	}
}

func TestListAnswering404IsNoMatch(t *testing.T) {
	e := newEnv(t, nil)
	e.sim.Inject("GET V4/user", simkit.Fault{Status: 404, Body: `{"errorMessage":"Requested Details not found","errorCode":1}`, Times: 1})
	_, err := e.client.Execute(context.Background(), quarantine(ref("jdoe")))
	if !errors.Is(err, actions.ErrUserNotFound) || !actions.IsPermanent(err) {
		t.Fatalf("got %v, want permanent ErrUserNotFound", err)
	}
}
