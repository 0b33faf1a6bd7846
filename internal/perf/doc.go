// Package perf measures Quell as processes (cmd/quell-perf, make
// bench-perf): like internal/chaos it builds the real binaries and a
// nats-server from the module version in go.mod, and runs each scenario's
// processes on loopback in a directory of its own, but it measures instead
// of breaking things:
//
//   - ingest: requests per second and latency of the ingest against a bare
//     HTTP server doing one synchronous JetStream publish per request;
//   - storm: a burst of alerts about distinct users, first send to last
//     target write, with the processes' peak memory;
//   - backlog: a queue built while the worker is down, drained, with the
//     processes' memory over time;
//   - startup: exec to ready of each program.
//
// It uses only the programs' external interfaces: configuration files,
// HTTP endpoints, the simulators' admin surface, NATS streams and
// consumers, and /proc for memory (VmRSS, VmHWM) and CPU time. Results are
// lines in Go benchmark format; Markdown makes the report's tables of
// them.
package perf
