package commvault_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/commvault"
	"github.com/quell-dev/quell/internal/pam/commvault/sim"
	"github.com/quell-dev/quell/internal/pam/pamtest"
	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/secret"
)

const (
	testUser     = "svc-quell"
	testPassword = "s3cr3t-Pa55w0rd!"
	putRoute     = "PUT V4/user/{userId}"
	loginRoute   = "POST Login"
)

type env struct {
	sim    *sim.Server
	client *commvault.Client
	clock  *simkit.ManualClock
}

// newEnv starts the simulator on a real loopback listener and a client for
// it; adjust may change both configurations before they are used.
func newEnv(t *testing.T, adjust func(*sim.Options, *commvault.Config)) *env {
	t.Helper()
	return newWrappedEnv(t, adjust, nil)
}

// newWrappedEnv is newEnv with a handler wrapped around the simulator, for
// tests that must see a request arrive before it is answered.
func newWrappedEnv(t *testing.T, adjust func(*sim.Options, *commvault.Config), wrap func(http.Handler) http.Handler) *env {
	t.Helper()
	clock := pamtest.NewClock()
	opts := sim.Options{Username: testUser, Password: testPassword, Users: sim.DefaultUsers(), Now: clock.Now, Strict: true}
	cfg := commvault.Config{
		Name:              "cv-test",
		Username:          testUser,
		Password:          secret.New(testPassword),
		Timeout:           5 * time.Second,
		RetryAfterCeiling: time.Minute,
	}
	if adjust != nil {
		adjust(&opts, &cfg)
	}
	s := sim.New(opts)
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	cfg.BaseURL = pamtest.Serve(t, h) + sim.APIPrefix
	c, err := commvault.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: s, client: c, clock: clock}
}

func action(kind actions.Kind, ref actions.UserRef, params map[string]any) actions.Action {
	return pamtest.Action("cv-test", kind, ref, params)
}

func quarantine(ref actions.UserRef) actions.Action { return action(actions.Quarantine, ref, nil) }

func (e *env) logins() int { return e.sim.Count(loginRoute) }

func (e *env) puts() int { return e.sim.Count(putRoute) }

// writes are the PUTs the simulator answered 200 (changes that happened).
func (e *env) writes() int {
	n := 0
	for _, r := range e.sim.Requests() {
		if r.Method == "PUT" && r.Status == 200 && !r.Fault {
			n++
		}
	}
	return n
}

// putBodies are the PUT bodies the simulator received, in order.
func (e *env) putBodies() []string {
	var out []string
	for _, r := range e.sim.Requests() {
		if r.Method == "PUT" {
			out = append(out, r.Body)
		}
	}
	return out
}

// bodyJSON renders a Call body for comparison.
func bodyJSON(t *testing.T, body any) string {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ref(name string) actions.UserRef { return actions.UserRef{Username: name} }
