// Package app holds Quell's end-to-end tests and nothing else: they run
// the ingest (internal/ingestsvc) and the worker (internal/workersvc) as
// the binaries wire them, mostly through internal/quelltest, against the
// vendor simulators and an embedded NATS, and check what each binary
// links. The package has no code of its own to import.
package app
