// Package pam holds what every privileged-access target client shares: how an
// HTTP exchange with a vendor API is classified into success, a transient
// failure worth retrying, or a permanent one (Classify, ParseRetryAfter), and
// how the instrumented *http.Client for a target is built (NewHTTPClient).
//
// The vendor clients live below it (internal/pam/beyondinsight, and later
// commvault and threadfix). They never retry on their own beyond a single
// re-sign-in after an expired session: the retry loop with backoff belongs to
// the executor in internal/actions, which reads the classification these
// helpers attach with actions.Transient and actions.Permanent.
//
// Nothing here ever formats a credential: error messages carry the method,
// the URL path (never the query or user info), the status and a truncated,
// scrubbed copy of the vendor's error body.
package pam
