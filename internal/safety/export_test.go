package safety

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Test hooks for the external tests, which need quelltest (and so cannot
// live in this package: quelltest imports it through internal/workersvc).

// SetClock replaces the guard's clock.
func SetClock(g *Guard, now func() time.Time) { g.now = now }

// Limits is the guard's limits bucket.
func Limits(g *Guard) jetstream.KeyValue { return g.limits }

// WindowsAt is Windows as of now.
func WindowsAt(ctx context.Context, kv jetstream.KeyValue, now time.Time) ([]WindowState, error) {
	return windowsAt(ctx, kv, now)
}

// WindowKey and AdmittedKey name the keys admit writes.
var (
	WindowKey   = windowKey
	AdmittedKey = admittedKey
	SlotWidth   = slotWidth
)

// EncodedWindow is a stored window of n admissions made at at.
func EncodedWindow(window time.Duration, n int, at time.Time) []byte {
	w := counters{Window: window}
	for range n {
		w.add(at)
	}
	return w.encode()
}
