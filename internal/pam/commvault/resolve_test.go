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

// TestResolveDomainAliases: a SIEM may name the domain by its NetBIOS
// name, its DNS name or Commvault's own name for it; domain_aliases make
// them one. A directory user is found by UPN first when the reference
// has one.
func TestResolveDomainAliases(t *testing.T) {
	aliases := map[string][]string{"CORP": {"corp.example.com", "CORPNET"}}
	extra := []sim.User{
		// Another directory user whose UPN is the one a signal may carry for "CORP\bwayne".
		{ID: 43, Name: `CORP\bruce`, UserPrincipalName: "bruce@corp.example.com", Enabled: true},
		{ID: 44, Name: `LAB\bwayne`, Enabled: true},
	}
	cases := []struct {
		name    string
		aliases map[string][]string
		ref     actions.UserRef
		wantID  string
		wantErr string
	}{
		{"Commvault's name", aliases, actions.UserRef{Domain: "corp", Username: "bwayne"}, "8", ""},
		{"DNS name", aliases, actions.UserRef{Domain: "Corp.Example.COM", Username: "bwayne"}, "8", ""},
		{"another alias", aliases, actions.UserRef{Domain: "CORPNET", Username: "BWAYNE"}, "8", ""},
		{`DNS name written DOMAIN\user`, aliases, ref(`corp.example.com\bwayne`), "8", ""},
		{"aliases do not join other domains", aliases, actions.UserRef{Domain: "LAB", Username: "bwayne"}, "44", ""},
		{"without aliases the DNS name is another domain", nil, actions.UserRef{Domain: "corp.example.com", Username: "bwayne"}, "",
			`no Commvault user has name "corp.example.com\\bwayne"`},
		{"a directory user's UPN decides before the name", aliases,
			actions.UserRef{Domain: "CORP", Username: "bwayne", UPN: "bruce@corp.example.com"}, "43", ""},
		{"the name when the UPN matches no one", aliases,
			actions.UserRef{Domain: "corp.example.com", Username: "bwayne", UPN: "ghost@corp.example.com"}, "8", ""},
		{"a local user's name still comes first", aliases, actions.UserRef{Username: "jdoe", UPN: "bruce@corp.example.com"}, "5", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *sim.Options, c *commvault.Config) {
				o.Users = append(o.Users, extra...)
				c.DomainAliases = tc.aliases
			})
			out, err := e.client.Execute(context.Background(), quarantine(tc.ref))
			if tc.wantErr != "" {
				if !errors.Is(err, actions.ErrUserNotFound) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want not found %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || out.TargetUserID != tc.wantID {
				t.Fatalf("%+v, %v; want user %s", out, err, tc.wantID)
			}
		})
	}
}
