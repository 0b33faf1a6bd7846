// Package beyondinsight is Quell's client for the BeyondTrust BeyondInsight /
// Password Safe public API v3. It implements actions.Target for targets of
// kind "beyondinsight".
//
// Authentication is the PS-Auth API key: the first call signs in with
// POST Auth/SignAppin and the session cookie is kept in a cookie jar. A 401
// on any later call means the session ended (20 minutes idle, or a server
// restart): the client signs in again once, with one sign-in at a time
// across goroutines, and repeats that call once. Every other failure is
// returned classified (see internal/pam) for the executor to retry or
// dead-letter; the client itself never loops.
//
// Actions on the same user run one at a time within a process (userlock.go),
// so that each action's read-before-write sees the others' effects.
//
// Users are resolved from an actions.UserRef by the target's own id
// (GET Users/{id}) or by name (GET Users?username=), trying DOMAIN\username
// or the bare username, then the UPN, then the e-mail address.
//
// Each action is one small function in its own file (quarantine.go, ...)
// registered in the handlers table in actions.go, with a plan function that
// lists the calls a dry run reports without sending anything.
package beyondinsight
