// Package beyondinsight is Quell's client for the BeyondTrust BeyondInsight /
// Password Safe public API v3. It implements [actions.Target] for targets of
// kind "beyondinsight".
//
// Authentication is either the PS-Auth API key (api_key and run_as) or the
// OAuth client credentials of an Application user (client_id and
// client_secret), never both. The first call signs in with
// POST Auth/SignAppin, carrying the PS-Auth header or, with OAuth, a
// bearer token just obtained from POST Auth/connect/token
// (grant_type=client_credentials); the session cookie is then kept in a
// cookie jar, and the token is not used again. A 401 on any later call
// means the session ended (20 minutes idle, or a server restart): the
// client signs in again once (with OAuth: a new token, then SignAppin),
// with one sign-in at a time across goroutines, and repeats that call
// once. The token's expires_in is not read: each sign-in gets a fresh
// token, which is all a session needs. Every other failure is
// returned classified (see internal/pam) for the executor to retry or
// dead-letter; the client itself never loops.
//
// The executor serializes actions on one user ([actions.Locker]), so that
// each action's read-before-write sees the others' effects.
//
// Users are resolved from an [actions.UserRef] by the target's own id
// (GET Users/{id}) or by name (GET Users?username=&includeInactive=true,
// so that a disabled account is found too), trying DOMAIN\username or the
// bare username, then the UPN, then the e-mail address.
//
// Every answer is accepted as an object or as an array (the documentation
// shows both for the same calls); any other shape, an array of two where
// one user is meant, a string, a number, an object without its id, is a
// permanent error naming the shape received (shape.go). No request carries
// ?version=: none of the endpoints Quell calls takes it.
//
// Each action is one small file registered in the handlers table in
// actions.go: a check that refuses bad parameters before any request (and
// before a dry run), the action itself, and a plan function that lists the
// calls a dry run reports without sending anything. The actions and the
// calls they make after the user lookup:
//
//   - quarantine (quarantine.go): POST Users/{id}/Quarantine, unless the
//     lookup shows IsQuarantined. Its undo is refused: the API cannot lift
//     a quarantine.
//   - update_attributes (update.go): PUT Users/{id} with the whole body,
//     the requested attributes merged into the current ones: UserName,
//     FirstName, LastName, EmailAddress for BeyondInsight users
//     (username, first_name, last_name, email), UserName, AccessPolicyID
//     for Application users (username, access_policy_id), with the user's
//     IsQuarantined (when true) and IsActive as read, so that the update
//     cannot lift a quarantine or change activity; the answer is checked
//     for both (flags.go). Never a password. Directory (AD/LDAP) users,
//     known by domain, distinguished name or type, are refused, as the
//     API cannot update them.
//   - rotate_client_secret (rotate.go): POST Users/{id}/RecycleClientSecret,
//     Application users only; the new secret travels only in
//     Outcome.Secret, its fingerprint in the details.
//   - add_group / remove_group (groups.go, usergroups.go): the group
//     (parameter group: a name, or id:<n>) from GET UserGroups or
//     GET UserGroups/{id}, the memberships from GET Users/{id}/UserGroups,
//     then POST or DELETE Users/{id}/UserGroups/{groupId} if needed.
//   - terminate_sessions (terminate.go, sessions.go):
//     POST Users/{id}/Requests/Terminate, with {"Reason"} when the reason
//     parameter is given (always sent, as there is no read that covers
//     every kind of active request), then GET Sessions?userID=&status=1,5,9
//     and POST Sessions/{sessionId}/Terminate for each live session.
//   - undo (undo.go): the inverse membership change for add_group and
//     remove_group, the recorded attributes for update_attributes, each
//     only while the state is still what the action left (or forced);
//     quarantine, rotate_client_secret and terminate_sessions are refused.
//
// Completed changes record Outcome.Before and After: member_of (sorted
// group names), the changed attributes, or is_quarantined.
package beyondinsight
