package targets

import (
	"slices"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/capability"
	"github.com/quell-dev/quell/internal/pam/beyondinsight"
	"github.com/quell-dev/quell/internal/pam/commvault"
	"github.com/quell-dev/quell/internal/pam/threadfix"
)

// Every kind capability knows has a client here, and no other: a kind
// without one would pass config check and then fail to build.
func TestBuildersMatchCapability(t *testing.T) {
	t.Parallel()
	var got []string
	for k := range builders {
		got = append(got, k)
	}
	slices.Sort(got)
	if want := capability.Kinds(); !slices.Equal(got, want) {
		t.Fatalf("builders for %v, capability has %v", got, want)
	}
}

// Each vendor's own Supports (its handler table) agrees with capability
// on every action kind, both ways.
func TestVendorSupportsMatchCapability(t *testing.T) {
	t.Parallel()
	vendors := map[string]func(actions.Kind) bool{
		beyondinsight.Kind: beyondinsight.Supports,
		commvault.Kind:     commvault.Supports,
		threadfix.Kind:     threadfix.Supports,
	}
	for kind, supports := range vendors {
		for _, k := range append(slices.Clone(actions.Kinds), actions.Undo, "reboot") {
			if got, want := supports(k), capability.Supports(kind, k); got != want {
				t.Errorf("%s.Supports(%s) = %v, capability says %v", kind, k, got, want)
			}
		}
	}
}
