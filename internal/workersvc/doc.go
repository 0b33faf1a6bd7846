// Package workersvc wires cmd/worker from a parsed configuration: it
// embeds NATS when no nats.url is set, builds the targets (the one place
// the vendor clients are linked in, through internal/targets), compiles
// the policy, assembles the executor with its ledger, lease fence, secret
// store and safety guard, and runs the worker with its background tasks
// (circuit reports, parked-action expiry, notifications) and its /healthz,
// /readyz and /metrics until the context ends, then shuts down in order.
package workersvc
