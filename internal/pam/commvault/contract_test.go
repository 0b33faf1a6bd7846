package commvault_test

import (
	"encoding/base64"
	"strconv"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/commvault"
	"github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/secret"
)

// TestContract runs the contract every client+simulator pair passes.
// Commvault quarantines by disabling the user; the password travels
// Base64-encoded, so that form must not surface either, nor any token.
// It runs against both simulator modes: strict (the documented shapes and
// the product's least forgiving behaviour) and lenient.
func TestContract(t *testing.T) {
	for _, mode := range []struct {
		name   string
		strict bool
	}{{"strict", true}, {"lenient", false}} {
		t.Run(mode.name, func(t *testing.T) { runContract(t, mode.strict) })
	}
}

func runContract(t *testing.T, strict bool) {
	const wrongPassword = "wrong-" + testPassword
	pamtest.RunContract(t, pamtest.Harness{
		Start: func(t *testing.T, wrongCredentials bool) pamtest.Fixture {
			e := newEnv(t, func(o *sim.Options, c *commvault.Config) {
				o.Strict = strict
				if wrongCredentials {
					c.Password = secret.New(wrongPassword)
				}
			})
			return pamtest.Fixture{Client: e.client, Sim: e.sim.Kit, IsQuarantined: func(id string) bool {
				n, err := strconv.Atoi(id)
				u, ok := e.sim.User(n)
				return err == nil && ok && !u.Enabled
			}}
		},
		Supports:           commvault.Supports,
		Supported:          []actions.Kind{actions.Quarantine, actions.UpdateAttributes, actions.AddGroup, actions.RemoveGroup},
		Existing:           pamtest.User{Username: "jdoe", ID: "5"},
		Quarantined:        pamtest.User{Username: "mroe", ID: "7"},
		Missing:            "ghost",
		AlreadyQuarantined: "already disabled",
		QuarantineWrite:    putRoute,
		QuarantineRead:     "GET V4/user",
		Secrets: []string{
			testPassword, base64.StdEncoding.EncodeToString([]byte(testPassword)),
			wrongPassword, base64.StdEncoding.EncodeToString([]byte(wrongPassword)),
			sim.TokenPrefix,
		},
	})
}
