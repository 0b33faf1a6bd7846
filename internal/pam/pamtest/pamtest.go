// Package pamtest holds what the tests of Quell's target clients and their
// simulators (internal/pam/<vendor> and .../sim) share: the contract every
// client+simulator pair must pass ([RunContract], with the [Harness] a vendor
// fills in), and the scaffolding of the vendors' own tests (a clock, a
// loopback server, actions, a check that no credential leaked).
//
// It is imported by tests only.
package pamtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Epoch is when the clocks of [NewClock] start: a fixed time, so that
// session-expiry tests read the same on every run.
var Epoch = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

// NewClock returns a manual clock set to [Epoch], for a simulator's
// Options.Now.
func NewClock() *simkit.ManualClock { return simkit.NewManualClock(Epoch) }

// Serve serves h on a real loopback listener, closed when the test ends,
// and returns the server's URL (http://127.0.0.1:port). Clients accept
// plain http there only because the host is a loopback address.
func Serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Action returns an action of kind for ref on target, with params, its id
// derived from them as a planner would ([actions.NewID]).
func Action(target string, kind actions.Kind, ref actions.UserRef, params map[string]any) actions.Action {
	id := actions.NewID("test", "", kind, target, ref, params, false)
	return actions.Action{ID: id, Kind: kind, Target: target, User: ref, Params: params, RequestedAt: time.Now()}
}

// NoSecrets fails t for every place (a name and the text found there: an
// error message, a formatted client, a log, a request log) whose text
// contains one of secrets. Empty secrets are ignored.
func NoSecrets(t testing.TB, places map[string]string, secrets ...string) {
	t.Helper()
	for where, text := range places {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("%s contains a credential: %s", where, text)
			}
		}
	}
}
