// Package actions is Quell's domain: what an action is ([Action], [Kind],
// [UserRef]), what a target must do to carry one out ([Target]), what comes
// of it ([Outcome], [Result], [Status]), how target errors are classified
// ([Classify], [Permanent], [Transient]), and the small interfaces the
// executor works through ([Ledger], [Locker], [SecretSink], [Safety]).
//
// Like River's rivertype, it holds shared primitives only: the package
// imports nothing else of Quell's but the leaf package [secret], and no
// machinery. Target clients (internal/pam/<vendor>) implement [Target] and
// return errors wrapped with [Permanent] or [Transient]; the executor
// (internal/executor) alone decides whether to retry, give the message back
// to JetStream for a later delivery, or dead-letter it.
package actions
