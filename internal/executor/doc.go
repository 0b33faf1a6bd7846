// Package executor runs one delivery of an action at most once per action
// id: it consults the safety guards, claims the action in the ledger, takes
// the user lock, calls the target with retries and backoff, and records the
// result, answering with a [Decision] the worker carries out (finish,
// redeliver or dead-letter).
//
// The domain it works on (actions, outcomes, error classes, the ledger and
// lock interfaces) is in package [actions]; this package is the machinery.
package executor
