// Package circuitstatus is the record a worker keeps in the status bucket
// ([github.com/quell-dev/quell/internal/events.BucketStatus]) for each
// target's circuit breaker, refreshed every
// [github.com/quell-dev/quell/internal/events.StatusInterval] and expiring
// when the worker stops. Workers write it and quellctl status reads it; it
// links neither the targets nor the worker.
package circuitstatus

import (
	"regexp"
	"time"
)

// Report is a worker's view of one target's circuit, as stored in the
// status bucket under [Key].
type Report struct {
	Target string    `json:"target"`
	State  string    `json:"state"`
	Worker string    `json:"worker"`
	At     time.Time `json:"at"`
}

var keyUnsafe = regexp.MustCompile(`[^-_=.a-zA-Z0-9]`)

// Key is the bucket key of worker's report on target:
// circuit.<target>.<worker>, with every character a key may not hold in
// the worker's id replaced by "_".
func Key(target, worker string) string {
	return "circuit." + target + "." + keyUnsafe.ReplaceAllString(worker, "_")
}
