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

// TestContract runs the contract every client+simulator pair passes, once
// per way of signing in, against the simulator in each mode: strict (the
// documented shapes: single users as one-element arrays, inactive users
// hidden unless asked for) and lenient (objects, as the vendor's libraries
// read them).
func TestContract(t *testing.T) {
	for _, strict := range []bool{false, true} {
		t.Run(modeName(strict), func(t *testing.T) { runContract(t, strict) })
	}
}

func runContract(t *testing.T, strict bool) {
	// PS-Auth. The API registration requires a password here, so that
	// both credentials are looked for where they must not appear.
	t.Run("PSAuth", func(t *testing.T) {
		const password = "pa55;w0rd]"
		wrongKey := strings.Repeat("e", 128)
		pamtest.RunContract(t, contractHarness(func(t *testing.T, wrongCredentials bool) *env {
			return newEnv(t, func(o *sim.Options, c *beyondinsight.Config) {
				o.Strict = strict
				o.Password, c.Password = password, secret.New(password)
				if wrongCredentials {
					c.APIKey = secret.New(wrongKey)
				}
			})
		}, testKey, wrongKey, password))
	})
	// OAuth client credentials: a token, then SignAppin with it. The tokens
	// are random, so TestOAuthCredentialsNeverLeak looks for them.
	t.Run("OAuth", func(t *testing.T) {
		pamtest.RunContract(t, contractHarness(func(t *testing.T, wrongCredentials bool) *env {
			e, _ := newOAuthEnv(t, func(o *sim.Options, c *beyondinsight.Config) {
				o.Strict = strict
				if wrongCredentials {
					c.ClientSecret = secret.New(wrongSecret)
				}
			}, nil)
			return e
		}, appSecret, wrongSecret))
	})
}

// contractHarness is the BeyondInsight harness around start, which builds
// a simulator and a client (with credentials the simulator refuses when
// asked); secrets are the credentials that must never surface.
func contractHarness(start func(t *testing.T, wrongCredentials bool) *env, secrets ...string) pamtest.Harness {
	return pamtest.Harness{
		Start: func(t *testing.T, wrongCredentials bool) pamtest.Fixture {
			e := start(t, wrongCredentials)
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
		Secrets:            secrets,
	}
}
