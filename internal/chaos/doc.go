// Package chaos proves Quell's guarantees on real processes: it builds the
// binaries, starts a 3-node JetStream cluster, two ingests, three workers
// and the target simulators on loopback, sends signed alerts, HR updates
// and manual actions like a real SIEM would (retrying every non-2xx with
// the same delivery id), runs a seeded nemesis meanwhile (process kills,
// pauses, NATS node and leader kills, target faults), lets the system
// drain, and checks the simulators' effect logs against Quell's results,
// ledger and DLQ.
//
// The same seed replays the same schedule: every random choice of the
// nemesis and the sender comes from math/rand/v2 seeded with it. What
// cannot be replayed is timing (when a kill lands relative to a write).
package chaos
