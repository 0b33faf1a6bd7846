// Package process is the lifecycle shared by the long-running binaries
// (cmd/ingest and cmd/worker): load the configuration, set up logs and
// telemetry, run until SIGINT or SIGTERM and turn the outcome into an exit
// code; and serving HTTP with timeouts and a graceful shutdown. It knows
// nothing of what a service does.
package process
