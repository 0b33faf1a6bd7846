// Package worker runs Quell's two JetStream consumers: the planner, which
// turns stored events into action requests through the policy, and the
// executor, which carries each action out once through [executor.Executor] and
// publishes its result, or dead-letters it with the reason.
//
// Messages are processed concurrently up to a limit, kept alive with
// in-progress acks while they work, and on shutdown either finished within
// the drain timeout or handed back to JetStream.
package worker
