package beyondinsight_test

import (
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/secret"
)

// TestContract runs the contract every client+simulator pair passes. The
// API registration requires a password here, so that both credentials
// are looked for where they must not appear.
func TestContract(t *testing.T) {
	const password = "pa55;w0rd]"
	wrongKey := strings.Repeat("e", 128)
	pamtest.RunContract(t, pamtest.Harness{
		Start: func(t *testing.T, wrongCredentials bool) pamtest.Fixture {
			e := newEnv(t, func(o *sim.Options, c *beyondinsight.Config) {
				o.Password, c.Password = password, secret.New(password)
				if wrongCredentials {
					c.APIKey = secret.New(wrongKey)
				}
			})
			return pamtest.Fixture{Client: e.client, Sim: e.sim.Kit, IsQuarantined: func(id string) bool {
				u, ok := e.sim.User(mustAtoi(t, id))
				return ok && u.IsQuarantined
			}}
		},
		Supports:           beyondinsight.Supports,
		Supported:          actions.Kinds,
		Existing:           pamtest.User{Username: "jdoe", ID: "12"},
		Quarantined:        pamtest.User{Username: "mroe", ID: "14"},
		Missing:            "ghost",
		AlreadyQuarantined: "already quarantined",
		QuarantineWrite:    "POST Users/{id}/Quarantine",
		QuarantineRead:     "GET Users",
		Secrets:            []string{testKey, wrongKey, password},
	})
}
