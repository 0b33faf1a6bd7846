// Package clock holds the one way Quell waits: a sleep that ends early,
// and says so, when its context does.
package clock

import (
	"context"
	"time"
)

// Sleep waits for d or until ctx ends, and reports whether the whole wait
// passed (false: ctx ended first, and the caller should stop).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
