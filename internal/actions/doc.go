// Package actions is Quell's domain: what an action is, what a target must do
// to carry one out, how target errors are classified, and the executor that
// runs each action at most once per id.
//
// The package imports nothing else of Quell's but the leaf package secret. Target clients
// (internal/pam/<vendor>) implement Target and return errors wrapped with
// Permanent or Transient; the executor alone decides whether to retry, give
// the message back to JetStream for a later delivery, or dead-letter it.
package actions
