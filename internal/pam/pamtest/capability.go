package pamtest

import (
	"slices"
	"testing"

	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/pam"
)

// MatchCapability fails t unless the handler table hs of the target kind
// named kind has exactly the actions internal/capability lists for it.
// The config, the policy and the ingest accept an action by capability
// alone, so a listed action without a handler would be refused at the
// target after it was stored, and a handler not listed would never run.
func MatchCapability[C any](t *testing.T, kind string, hs pam.Handlers[C]) {
	t.Helper()
	want, ok := capability.Lookup(kind)
	if !ok {
		t.Fatalf("capability has no target kind %q", kind)
	}
	for k := range hs {
		if !slices.Contains(want.Actions, k) {
			t.Errorf("%s handles %s; capability does not list it", kind, k)
		}
	}
	for _, k := range want.Actions {
		if !hs.Supports(k) {
			t.Errorf("capability lists %s for %s; it has no handler", k, kind)
		}
	}
}
