package safety

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// slotsPerWindow is how finely a window is counted: a window of one hour
// counts in slots of one minute. An admission leaves the count between one
// window and one window plus one slot after it was made, never before: the
// limit errs towards parking.
const slotsPerWindow = 60

// slotWidth is the time one counter slot covers for a window.
func slotWidth(window time.Duration) time.Duration {
	return max(window/slotsPerWindow, time.Millisecond)
}

// counters is one blast-radius window as stored: a count per time slot,
// oldest first, at most slotsPerWindow+1 of them. Its size depends on
// neither the limit nor the traffic.
type counters struct {
	Window time.Duration `json:"window"`
	Slots  []slot        `json:"slots"`
	Newest time.Time     `json:"newest,omitzero"`
	// Legacy is the format before counters: every admitted id with its
	// time. It is converted on the first admission after an upgrade, so
	// the upgrade does not reset a window that is full.
	Legacy []struct {
		At time.Time `json:"at"`
	} `json:"admitted,omitempty"`
}

// slot counts the admissions made in [Start, Start+width).
type slot struct {
	Start int64 `json:"start"` // unix nanoseconds
	N     int   `json:"n"`
}

func (w *counters) decode(b []byte) error {
	if err := json.Unmarshal(b, w); err != nil {
		return fmt.Errorf("blast-radius counters: %w", err)
	}
	if len(w.Slots) > slotsPerWindow+1 || len(w.Legacy) > 0 && len(w.Slots) > 0 {
		return fmt.Errorf("blast-radius counters: %d slots, at most %d", len(w.Slots), slotsPerWindow+1)
	}
	return nil
}

func (w *counters) encode() []byte {
	b, err := json.Marshal(w)
	if err != nil {
		panic(fmt.Sprintf("blast-radius counters are always encodable: %v", err))
	}
	return b
}

// align drops the slots that ended before the window that ends now. When
// the window was counted with another width (the rule changed), the old
// counts are kept, merged into the current slot: forgetting them would let
// more through than either rule allows.
func (w *counters) align(window time.Duration, now time.Time) {
	width := slotWidth(window)
	if w.Window != window && len(w.Slots) > 0 {
		kept := 0
		for _, s := range w.Slots {
			if time.Unix(0, s.Start).Add(slotWidth(w.Window)).After(now.Add(-window)) {
				kept += s.N
			}
		}
		w.Slots = nil
		if kept > 0 {
			w.Slots = []slot{{Start: slotStart(now, width), N: kept}}
		}
	}
	w.Window = window
	for _, l := range w.Legacy {
		if l.At.After(now.Add(-window)) {
			w.add(l.At)
		}
	}
	w.Legacy = nil
	i := 0
	for i < len(w.Slots) && !time.Unix(0, w.Slots[i].Start).Add(width).After(now.Add(-window)) {
		i++
	}
	w.Slots = w.Slots[i:]
}

func (w *counters) total() int {
	n := 0
	for _, s := range w.Slots {
		n += s.N
	}
	return n
}

// add counts one admission at now. A clock that went back (another
// replica's) counts in the newest slot rather than reordering them.
func (w *counters) add(now time.Time) {
	start := slotStart(now, slotWidth(w.Window))
	if n := len(w.Slots); n > 0 && w.Slots[n-1].Start >= start {
		w.Slots[n-1].N++
	} else {
		w.Slots = append(w.Slots, slot{Start: start, N: 1})
	}
	if len(w.Slots) > slotsPerWindow+1 {
		// Only reachable with clocks far apart: fold the oldest into the next.
		w.Slots[1].N += w.Slots[0].N
		w.Slots = w.Slots[1:]
	}
	if now.After(w.Newest) {
		w.Newest = now
	}
}

func slotStart(t time.Time, width time.Duration) int64 {
	return t.UnixNano() - t.UnixNano()%int64(width)
}

// splitWindowKey reads "blast.<target>.<action>"; action kinds have no dots.
func splitWindowKey(key string) (target, action string) {
	rest := strings.TrimPrefix(key, "blast.")
	if i := strings.LastIndex(rest, "."); i >= 0 {
		return rest[:i], rest[i+1:]
	}
	return rest, ""
}

func isMaxPayload(err error) bool { return errors.Is(err, nats.ErrMaxPayload) }
