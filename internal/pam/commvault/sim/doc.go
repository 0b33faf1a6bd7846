// Package sim is a faithful simulator of the Commvault REST API, as far as
// Quell uses it: login with a token, logout, and the V4 user API (list,
// read, update). It is a test fixture of production quality, used by the
// client's tests, by cmd/pamsim for the demo and by the benchmarks.
//
// What it reproduces, and from which evidence (see
// shared/reference/API-FACTS.md §2). Each [INFERRED] or [UNCONFIRMED]
// behaviour lives in one named place so it is easy to change:
//
//   - Paths under /webconsole/api (OpenAPI servers) and /commandcenter/api
//     (Commvault's newer API pages), matched case-insensitively:
//     POST Login, POST Logout, GET V4/user, GET V4/user/{userId},
//     PUT V4/user/{userId}. [DOC]; case-insensitive matching [INFERRED].
//   - Login: JSON body {domain, username, password}, the password Base64 of
//     its UTF-8 bytes; success answers token ("QSDK ..." — [TokenPrefix]) and
//     userName among the documented fields. [DOC]+[VENDOR-CODE]. A refusal
//     answers 200 with errList [{errorCode, errLogMessage}] [VENDOR-CODE
//     shape; status and ErrCodeLoginRefused INFERRED]. A seeded user of the
//     login name that is disabled cannot log in [INFERRED]. The XML login
//     body and the token timeout field are not simulated.
//   - Every other route needs a live Authtoken header; tokens expire after
//     30 idle minutes ([TokenIdleTimeout]) [DOC]. Without one: 401
//     {"errorMessage": "Access denied", "errorCode": 5} — the documented
//     401 of Logout [DOC]; the same body on every route is [INFERRED].
//   - Logout answers the text "User logged out" [DOC].
//   - GET V4/user: UserListResp {numberOfUsers, users: [UserSummary]}, no
//     name filter, filters userGroupId and laptopUsers [DOC]; the
//     summary's "commcell" field is left out (shape not in the reference).
//   - GET V4/user/{userId}: the User schema with the field names of
//     samples/commvault-user.json [DOC]; serviceType and
//     authenticationMethodServer are left out. Unknown id: 404 with
//     GenericResp "Requested Details not found" ([MsgNotFound]) [DOC text;
//     body shape and ErrCodeRequestFailed INFERRED].
//   - PUT V4/user/{userId}: the UpdateUser schema — fullName, newName,
//     email, userPrincipalName, authenticationMethod, enabled, plan,
//     userGroupOperation ADD (default) / DELETE / OVERWRITE with userGroups
//     [{id} or {name}] [DOC]. Answers GenericResp {errorMessage: "",
//     errorCode: 0} on success [INFERRED: the spec gives only the shape].
//     400 with GenericResp for a malformed body, an unknown
//     userGroupOperation, an unknown group, a taken newName, or any group
//     change of an external user ("for external users, user groups cannot
//     be modified" [DOC]; statuses and texts [INFERRED]). A present but
//     empty string field means "no change" [INFERRED]. Password changes
//     (newPassword) are refused with 400: not simulated.
//   - External users are those named DOMAIN\user ([User.IsExternal])
//     [INFERRED; cvpysdk names a directory user DOMAIN\user when it adds
//     one, VENDOR-CODE]; authenticationMethod values "LOCAL" and "AD" in
//     the seed are from the documented enum SAML | AD | LOCAL
//     (UserAuthenticationMethods in OpenAPI3.yaml) [DOC].
//
// Two modes ([Options.Strict], strict.go). Strict serves the documented
// shapes and the product's least forgiving behaviour: every route needs
// Accept: application/json, else 406 (the Login page lists Accept, "valid
// values are: application/xml or application/json" [DOC]; the 406
// [INFERRED]); a group change of an external user answers 200 with
// errorCode 0 and changes nothing [INFERRED from "for external users, user
// groups cannot be modified" DOC]; authenticationMethod must be SAML, AD or
// LOCAL [DOC enum; the 400 INFERRED], and a LOCAL or unset user reads back
// as "Commcell" ("Default value is Commcell" [DOC]; that LOCAL reads so
// [INFERRED]). Lenient takes any Accept, refuses an external user's group
// change with 400 and stores authenticationMethod as sent. The client's
// contract suite runs against both.
//
// Fault injection, the request log and counting helpers come from the
// embedded *[simkit.Kit]; the route names to inject faults on are the ones
// registered in [New], e.g. "PUT V4/user/{userId}". The request log never
// holds a password (request bodies are redacted) and never holds a token
// (simkit does not log the Authtoken header).
package sim
