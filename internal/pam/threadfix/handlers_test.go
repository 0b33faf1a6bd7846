package threadfix

import (
	"testing"

	"github.com/quell-dev/quell/internal/pam/pamtest"
)

// TestHandlersMatchCapability: the handler table is the actions
// internal/capability promises for this kind, both ways.
func TestHandlersMatchCapability(t *testing.T) {
	t.Parallel()
	pamtest.MatchCapability(t, Kind, handlers)
}
