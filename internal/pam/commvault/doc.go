// Package commvault is Quell's client for the Commvault REST API (the V4
// user API under /webconsole/api). It implements [actions.Target] for
// targets of kind "commvault".
//
// # Authentication
//
// The first call logs in with POST Login, body {"domain", "username",
// "password"} where the password is Base64 of its UTF-8 bytes (a
// DOMAIN\user login is split into domain and username). The answer's
// "token" (already prefixed "QSDK ") is sent verbatim in the Authtoken
// header of every call. A refused login answers 200 with errList; it is
// reported as permanent, since retrying a wrong password only locks the
// account. The token expires after 30 idle minutes: a 401 on any call makes
// the client log in again once, one login at a time across goroutines, and
// repeat that call once; a second 401 is permanent. Close sends
// POST Logout. Every other failure is returned classified by [pam.Classify]
// for the executor to retry or dead-letter; the client itself never loops.
//
// # Users
//
// A reference with a target id is read with GET V4/user/{id}. Otherwise,
// as V4 has no name filter, GET V4/user lists every user and the reference
// is matched case-insensitively: the log-in name first (DOMAIN\username
// when the reference has a domain, which is how Commvault names directory
// users; a bare username matches only a user of exactly that name), then
// userPrincipalName against the UPN, then email; for a directory user
// with a UPN, the UPN comes first. The target's domain_aliases make
// several names of one domain (NetBIOS, DNS) match (domains.go). The first
// identifier that matches anyone decides; two matches are refused as
// ambiguous.
//
// # Actions
//
// Each is a small file registered in actions.go, with a check run before
// anything is sent and a plan that a dry run reports instead:
//
//   - quarantine: PUT V4/user/{id} {"enabled": false}; skipped when the
//     user is already disabled.
//   - update_attributes: full_name, email, upn, auth_method onto fullName,
//     email, userPrincipalName, authenticationMethod (SAML, AD or LOCAL;
//     the reported default "Commcell" reads as LOCAL); only fields that
//     differ are sent; skipped when all are equal.
//   - add_group / remove_group: group by name or "id:<n>";
//     userGroupOperation ADD or DELETE with one userGroups entry, after
//     reading associatedUserGroups; skipped when membership already
//     matches; the user is read back to confirm the change, since the
//     product may answer success and ignore it (external users). OVERWRITE
//     is never sent.
//   - undo: writes back what a quarantine or update_attributes changed, or
//     sends the inverse group operation (confirmed by reading back), after
//     checking the state is still the one the action left (undo.go).
//
// Every completed change records Before and After: {"enabled": ...}, the
// changed fields by API name, or the sorted associatedUserGroups names.
//
// Every PUT answers GenericResp {errorMessage, errorCode}: a 2xx with a
// non-zero errorCode is an *[APIError], permanent unless the message says to
// try again later.
package commvault
