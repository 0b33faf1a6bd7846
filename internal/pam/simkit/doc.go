// Package simkit is the machinery shared by Quell's vendor API simulators
// (internal/pam/<vendor>/sim): a case-insensitive router for vendor paths,
// fault injection per route (latency, error status with Retry-After, dropped
// connection, limited to N requests or forever), a bounded, thread-safe log
// of the requests received with credentials redacted, counting helpers for
// tests, and a manual clock for session-expiry scenarios. It also holds the
// plumbing the simulators share: a table of idle-expiring sessions
// ([Sessions]), copies of stored rows in id order ([Row], [Rows]), seed files
// ([LoadSeed]) and JSON answers ([WriteJSON], [Nullable]).
//
// A simulator embeds a *[Kit], registers its routes with Handle and serves it
// as an [http.Handler]; tests then call Inject, Requests, Calls and Count on
// the simulator directly.
//
// # Route patterns
//
// Routes and faults are named by "METHOD path", the path relative to the
// simulator's API prefix, e.g. "POST Users/{id}/Quarantine". Segments match
// case-insensitively; "{name}" matches any one segment; "*" as the last
// segment matches whatever follows (including nothing). For faults only, the
// method may be "*" and the whole pattern may be "*" (every request).
package simkit
