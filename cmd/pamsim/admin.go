package main

import (
	"fmt"
	"net/http"

	bisim "github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	cvsim "github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/simkit"
	tfsim "github.com/quell-dev/quell/internal/pam/threadfix/sim"
)

// The -admin surface and the -extra-users seed are for the chaos suite
// (cmd/quell-chaos): it reads each simulator's effect log and injects faults
// from another process. The state hooks live here, not in the simulator
// packages, because the public User(id) accessors are all they need.

// withAdmin serves the admin surface of a simulator under /_sim/ and
// records the effects of its API calls, keyed by user.
func withAdmin(name string, h http.Handler) http.Handler {
	switch s := h.(type) {
	case *bisim.Server:
		return simkit.Admin{Kit: s.Kit, Effects: simkit.NewEffects(biState(s)), Forget: s.ExpireSessions}.Wrap(s)
	case *cvsim.Server:
		return simkit.Admin{Kit: s.Kit, Effects: simkit.NewEffects(cvState(s)), Forget: s.ExpireTokens}.Wrap(s)
	case *tfsim.Server:
		// ThreadFix authenticates every request with the API key: no sessions.
		return simkit.Admin{Kit: s.Kit, Effects: simkit.NewEffects(tfState(s))}.Wrap(s)
	}
	panic(fmt.Sprintf("pamsim: no admin surface for simulator %s", name))
}

func biState(s *bisim.Server) simkit.StateOf {
	return func(_ string, segs []string) (simkit.State, bool) {
		id, ok := simkit.UserIDAfter(segs, "Users")
		if !ok {
			return simkit.State{}, false
		}
		return simkit.State{Key: fmt.Sprintf("user/%d", id),
			Name:     func() string { u, _ := s.User(id); return u.UserName },
			Snapshot: func() any { u, _ := s.User(id); return u }}, true
	}
}

func cvState(s *cvsim.Server) simkit.StateOf {
	return func(_ string, segs []string) (simkit.State, bool) {
		id, ok := simkit.UserIDAfter(segs, "user")
		if !ok {
			return simkit.State{}, false
		}
		return simkit.State{Key: fmt.Sprintf("user/%d", id),
			Name:     func() string { u, _ := s.User(id); return u.Name },
			Snapshot: func() any { u, _ := s.User(id); return u }}, true
	}
}

func tfState(s *tfsim.Server) simkit.StateOf {
	return func(_ string, segs []string) (simkit.State, bool) {
		id, ok := simkit.UserIDAfter(segs, "users", "addUser", "removeUser")
		if !ok {
			return simkit.State{}, false
		}
		return simkit.State{Key: fmt.Sprintf("user/%d", id),
			Name:     func() string { u, _ := s.User(id); return u.Name },
			Snapshot: func() any { u, _ := s.User(id); return u }}, true
	}
}

// extraUserBase is the first id of the generated users, clear of every
// simulator's demo users.
const extraUserBase = 1000

// ExtraUserName names generated user i (from 1): the chaos suite sends
// alerts about these names.
func ExtraUserName(i int) string { return fmt.Sprintf("u%05d", i) }

// addExtraUsers seeds n generated users, active and unquarantined, with the
// same names on every simulator.
func addExtraUsers(h http.Handler, n int) {
	for i := 1; i <= n; i++ {
		name, id := ExtraUserName(i), extraUserBase+i
		email := name + "@example.com"
		switch s := h.(type) {
		case *bisim.Server:
			s.PutUser(bisim.User{UserID: id, UserName: name, FirstName: "User", LastName: name, EmailAddress: email})
		case *cvsim.Server:
			s.PutUser(cvsim.User{ID: id, Name: name, FullName: "User " + name, Email: email, UserPrincipalName: email,
				Enabled: true, AuthenticationMethod: "LOCAL"})
		case *tfsim.Server:
			s.PutUser(tfsim.User{ID: id, Name: name, DisplayName: "User " + name, Type: tfsim.TypeLocal, GlobalRoleID: 1, HasPassword: true})
		}
	}
}
