// Package app assembles Quell's services from a parsed configuration: it
// connects to (or embeds) NATS, ensures the streams, builds targets, policy,
// sources and the executor, and runs the ingest or the worker until its
// context ends, then shuts down cleanly. The cmd/ binaries and the
// end-to-end tests share it, so tests run the wiring that production runs.
package app
