// Package threadfix is Quell's client for the ThreadFix REST API (3.x, and
// 2.x from 2.7.6). It implements [actions.Target] for targets of kind
// "threadfix": quarantine (remove every access the user holds: the global
// role, explicit team and application roles, group memberships),
// update_attributes (name, displayName, type with its LDAP directory,
// globalRoleId) and the undo of both. Every other action is refused before
// anything is sent.
//
// # Wire
//
// Every request carries "Authorization: APIKEY <key>" and
// "Accept: application/json"; the API is stateless, so there is no sign-in
// and Close only releases idle connections. The API version is part of
// [Config.BaseURL] (…/threadfix/rest/latest or …/rest/v2.8.3). Writes are
// POST users/{userId}/update with a form-encoded body, as in the vendor's
// documented curl.
//
// Every answer is an envelope {message, success, responseCode, object}.
// success: false is a failure whatever the HTTP status (ThreadFix answers
// refusals, authentication failures included, with a failed envelope); it
// becomes a permanent *[APIError] carrying the message. HTTP statuses and
// transport failures are classified by [pam.Classify]: network, 408, 429
// (with Retry-After) and 5xx are transient, other statuses permanent.
//
// # Reading before writing
//
// There is no get-user-by-id endpoint: a user is resolved by reading
// GET users/list and matching the target id, else DOMAIN\username, the bare
// username, the UPN and the e-mail address against the user's name. The
// list carries no roles, so the access is read from GET users/audit and
// joined on the user id; the audit names teams, applications and roles,
// so GET teams and GET roles/list turn the names into the ids the role
// endpoints take (state.go). An action whose state already holds reports
// skipped and sends no write; only the fields that differ are sent.
//
// Each action lives in its own file (quarantine.go, update.go, undo*.go) and is
// registered in the handlers table in actions.go, with a check run before
// any request and a plan that lists the calls a dry run reports.
package threadfix
