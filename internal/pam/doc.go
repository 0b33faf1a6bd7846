// Package pam holds what every privileged-access target client shares:
//
//   - how an HTTP exchange with a vendor API is classified into success, a
//     transient failure worth retrying, or a permanent one ([Classify],
//     [ParseRetryAfter], [Send], [IsStatus], [CleanMessage]);
//   - how the instrumented *[http.Client] for a target is built
//     ([NewHTTPClient], [ClientFor]);
//   - how a target's configuration is checked ([ParseBaseURL], [IsLoopback],
//     [ConfigProblems]);
//   - how an action reaches the vendor's code: a table of handlers, one per
//     supported action, that refuses unsupported actions and bad parameters
//     before any request and answers dry runs ([Handlers]);
//   - the single-flight login of APIs with sessions ([Session]);
//   - the rule by which a user is resolved from the identifiers a signal
//     carried ([UserNames], [MatchUser]).
//
// The vendor clients live below it (internal/pam/beyondinsight, commvault
// and threadfix), each with a simulator built on internal/pam/simkit;
// internal/pam/pamtest holds the contract every client+simulator pair must
// pass. What differs between vendors on purpose (which names a user is
// looked up by, how a login is sent, what quarantine means) stays in the
// vendor's package.
//
// Clients never retry on their own beyond a single re-sign-in after an
// expired session: the retry loop with backoff belongs to the executor in
// internal/actions, which reads the classification these helpers attach
// with [actions.Transient] and [actions.Permanent].
//
// Nothing here ever formats a credential: error messages carry the method,
// the URL path (never the query or user info), the status and a truncated,
// scrubbed copy of the vendor's error body.
package pam
