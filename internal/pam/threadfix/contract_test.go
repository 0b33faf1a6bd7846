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

// TestContract runs the contract every client+simulator pair passes,
// against the lenient simulator and against the strict one (documented
// request shapes only). ThreadFix quarantines by removing every access;
// the seeded jdoe holds a global role only, so one write does it. The API
// is stateless, so the key travels with every request.
func TestContract(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(map[bool]string{false: "lenient", true: "strict"}[strict], func(t *testing.T) {
			pamtest.RunContract(t, harness(strict))
		})
	}
}

func harness(strict bool) pamtest.Harness {
	wrongKey := strings.Repeat("5e", 32)
	return pamtest.Harness{
		Start: func(t *testing.T, wrongCredentials bool) pamtest.Fixture {
			e := newEnv(t, func(o *sim.Options, c *threadfix.Config) {
				o.Strict = strict
				if wrongCredentials {
					c.APIKey = secret.New(wrongKey)
				}
			})
			return pamtest.Fixture{Client: e.client, Sim: e.sim.Kit, IsQuarantined: func(id string) bool {
				n, err := strconv.Atoi(id)
				u, ok := e.sim.User(n)
				return err == nil && ok && u.Contained()
			}}
		},
		Supports:           threadfix.Supports,
		Supported:          []actions.Kind{actions.Quarantine, actions.UpdateAttributes},
		Existing:           pamtest.User{Username: "jdoe", ID: "3"},
		Quarantined:        pamtest.User{Username: "mroe", ID: "5"},
		Missing:            "ghost",
		AlreadyQuarantined: threadfix.AlreadyContained,
		QuarantineWrite:    sim.RouteUserUpdate,
		QuarantineRead:     sim.RouteUsersList,
		Secrets:            []string{testKey, wrongKey, readOnlyKey},
	}
}
