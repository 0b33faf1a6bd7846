package targets

import (
	"slices"
	"testing"

	"github.com/quell-dev/quell/internal/config"
)

// The config validator keeps its own list (it cannot import this package);
// the two must agree, or a valid kind would be refused or vice versa.
func TestConfigKnowsEveryTargetKind(t *testing.T) {
	want := Kinds()
	got := slices.Clone(config.TargetKinds)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("config.TargetKinds = %v, registry has %v", got, want)
	}
}
