package threadfix_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/threadfix"
	"github.com/quell-dev/quell/internal/pam/threadfix/sim"
	"github.com/quell-dev/quell/internal/secret"
)

// TestContract runs the contract every client+simulator pair passes.
// ThreadFix quarantines by removing the user's global access; the API is
// stateless, so the key travels with every request.
func TestContract(t *testing.T) {
	wrongKey := strings.Repeat("5e", 32)
	pamtest.RunContract(t, pamtest.Harness{
		Start: func(t *testing.T, wrongCredentials bool) pamtest.Fixture {
			e := newEnv(t, func(_ *sim.Options, c *threadfix.Config) {
				if wrongCredentials {
					c.APIKey = secret.New(wrongKey)
				}
			})
			return pamtest.Fixture{Client: e.client, Sim: e.sim.Kit, IsQuarantined: func(id string) bool {
				n, err := strconv.Atoi(id)
				u, ok := e.sim.User(n)
				return err == nil && ok && u.GlobalRoleID == sim.NoGlobalAccess
			}}
		},
		Supports:           threadfix.Supports,
		Supported:          []actions.Kind{actions.Quarantine, actions.UpdateAttributes},
		Existing:           pamtest.User{Username: "jdoe", ID: "3"},
		Quarantined:        pamtest.User{Username: "mroe", ID: "5"},
		Missing:            "ghost",
		AlreadyQuarantined: "already has no global access",
		QuarantineWrite:    sim.RouteUserUpdate,
		QuarantineRead:     sim.RouteUsersList,
		Secrets:            []string{testKey, wrongKey, readOnlyKey},
	})
}
