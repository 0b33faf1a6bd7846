// Package sim is a faithful simulator of the ThreadFix REST API (3.x), as far
// as Quell uses it: user list, user audit, role list and the Edit User call.
// It is a test fixture of production quality, used by the client's tests and
// meant for cmd/pamsim, the demo and the benchmarks.
//
// What it reproduces, and from which evidence (shared/reference/API-FACTS.md
// §3 and samples/threadfix-*.json):
//   - Paths /threadfix/rest/{version}/..., any version token ("latest" as in
//     the documentation, "v2.8.3" as the vendor's Python client pins).
//     [DOC]+[VENDOR-CODE]. Segments match case-insensitively (a simkit
//     property); Tomcat would not. [deviation]
//   - "Authorization: APIKEY <key>"; a missing or unknown key answers the
//     documented envelope {"message": "Authentication failed, check your API
//     Key.", "success": false, "responseCode": -1, "object": null}. [DOC]
//     The HTTP status with it is [AuthFailureStatus] (200). [UNCONFIRMED;
//     the community-edition source answers every refusal with 200]
//   - Restricted keys ([Options.RestrictedKeys]) may read; a write answers
//     "The requested URL is restricted for your API Key." with the same
//     envelope and status. [DOC]+[VENDOR-CODE]; status [UNCONFIRMED]
//   - An Accept header that rules out application/json gets 406; no Accept
//     header passes. The documentation marks Accept: application/json as
//     required. [DOC] for the header, [INFERRED] for the 406.
//   - The envelope {message, success, responseCode: -1, object} on every
//     answer, message "" on success. [DOC]+[VENDOR-CODE]
//   - GET users/list: {id, name, displayName, type, activeDirectory}, an
//     empty display name as null as in the documented sample. [DOC]
//   - GET users/audit: the same plus hasGlobalGroupAccess, globalRole
//     {id, displayName}, groups [{name, id}] and accessControlTeamMaps
//     [{teamName, roleName ("-" without a team role), appRoles [{teamName,
//     appName, roleName, active}]}], names only. [DOC] globalRoleId -1 is no flag and no role, 0 (read access)
//     the flag without a role, a role id the flag and that role:
//     [VENDOR-CODE] (community-edition user form and authorities) for the
//     meaning, [INFERRED] for its rendering in the 3.x audit answer.
//   - GET roles/list: [{id, displayName}]. Path [VENDOR-CODE]; the shape is
//     [INFERRED] from globalRole.
//   - POST users/{userId}/update with the documented fields (name ≤ 40,
//     displayName, type LOCAL/LDAP/SAML, activeDirectoryId required with
//     LDAP, password ≥ 12, confirmPassword, globalRoleId -1/0/role id) and
//     the documented success object "Successfully updated the user.". [DOC]
//     Fields are read from a form-encoded body and from the URL query alike,
//     the query first, as servlet parameters merge. [INFERRED]
//   - Validation failures (name too long or taken, password too short or
//     unconfirmed, LDAP without or with an unknown directory, unknown type,
//     unknown role, unknown user id) answer success: false with HTTP 200
//     and change nothing; the messages are the simulator's wording.
//     [INFERRED]. A non-numeric user id answers 400. [INFERRED]
//   - An empty parameter value counts as absent. [INFERRED]
//   - GET teams: [{id, name, applications [{id, name}]}] (the documented
//     answer has more fields; page and pageSize are accepted, not applied).
//     [DOC]
//   - POST users/{userId}/role/team (teamId, roleId) and .../role/team/delete
//     (teamId), POST users/{userId}/role/app (appId, roleId) and
//     .../role/app/delete (appId); the removals' messages and objects are
//     the documented ones. [DOC]; role/app's parameters [VENDOR-CODE].
//     Adding a role on a team or application that has one replaces it;
//     removing one the user does not hold is refused; the role/app answer's
//     object. [INFERRED]
//   - POST groups/{groupId}/addUser/{userId} and .../removeUser/{userId}
//     without a body, objects "Successfully added user to group." and
//     "Successfully removed user from group.". [DOC] Adding a member or
//     removing a non-member is refused. [INFERRED] The roles a group grants
//     are not simulated.
//   - [Options.Strict] serves only the documented request shapes (strict.go):
//     Accept required, parameters only as form POST data, only documented
//     ones, no body where none is documented. Its refusals are the
//     simulator's own (400/406/415), to fail a test loudly.
//
// Passwords are never kept ([User.HasPassword] records that one was set) and
// never logged: password, confirmPassword and apiKey values are redacted
// from logged bodies and queries, and the Authorization value keeps only
// its scheme.
//
// Fault injection, the request log and counting helpers come from the
// embedded *[simkit.Kit]; use the Route* constants as patterns, e.g.
// s.Inject(sim.RouteUserUpdate, simkit.Fault{Status: 503, Times: 1}).
package sim
