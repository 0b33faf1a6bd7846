// Package sim is a faithful simulator of the BeyondInsight / Password Safe
// public API v3, as far as Quell uses it: PS-Auth or OAuth
// client-credentials sign-in with a session cookie, sign-out, user lookup,
// quarantine, user update, client secret recycling, user group membership
// and request termination. It is a test
// fixture of production quality, used by the client's tests, by
// cmd/pamsim for the demo and by the benchmarks.
//
// What it reproduces, and from which evidence (see
// shared/reference/API-FACTS.md §1; [DOC] documentation, [VENDOR-CODE]
// BeyondTrust's own clients, [INFERRED] deduced, [UNCONFIRMED] looked for
// and not found):
//   - Paths under /BeyondTrust/api/public/v3 (and the deprecated
//     /eEye.RetinaCS.Server/api/public/v3), matched case-insensitively, as
//     the vendor's own libraries use lower-case paths. [DOC]+[VENDOR-CODE]
//   - POST Auth/SignAppIn with "Authorization: PS-Auth key=..; runas=..;
//     pwd=[..];", with or without a space after each ";". [DOC]+[VENDOR-CODE]
//   - POST Auth/connect/token, the OAuth 2.0 client-credentials grant: a
//     form body (application/x-www-form-urlencoded) grant_type=
//     client_credentials, client_id, client_secret, answered
//     {access_token, expires_in, token_type "Bearer", scope}. [DOC] Only
//     Application users authenticate this way [DOC]: each client of
//     [Options.OAuthClients] is bound to the Application user with that
//     ClientID, whose current client secret it sets (RecycleClientSecret
//     replaces it, and the old one then fails). The errors follow OAuth 2.0
//     (RFC 6749 §5.2): 400 {"error":"invalid_request"} for a wrong content
//     type or no grant_type, 400 {"error":"unsupported_grant_type"} for
//     another grant, 401 {"error":"invalid_client"} for a missing, unknown
//     or wrong client. The product's exact error bodies and statuses are
//     UNCONFIRMED. "connect/token" is IdentityServer's token path, and
//     IdentityServer answers invalid_client with 400 rather than 401, so
//     the product may too [INFERRED]; the client treats both as a
//     permanent sign-in failure. The token is
//     random and opaque; expires_in is 3600 ([TokenLifetime], or
//     [Options.TokenLifetime]) and scope "publicapi" ([TokenScope]), both
//     INVENTED, as in samples/beyondtrust-oauth-token.json, whose values
//     are not confirmed. The token expires by the simulator's clock.
//   - POST Auth/SignAppIn with "Authorization: Bearer <access_token>" as
//     the alternative to PS-Auth [DOC]: an unknown or expired token, or
//     one whose Application user is quarantined, gets 401 [INFERRED]; the
//     answer describes the Application user. A token may open any number
//     of sessions until it expires, and a session outlives its token (it
//     ends by idle timeout or sign-out) [UNCONFIRMED: neither is
//     documented]. The token is needed for SignAppIn only; later calls
//     carry the session cookie, as in BeyondTrust's Go client. [VENDOR-CODE]
//   - A session kept by cookie and closed after 20 minutes of inactivity;
//     every other route answers 401 without a live session. The cookie name
//     ([SessionCookie]) is NOT confirmed by the reference. [VENDOR-CODE]/[UNCONFIRMED]
//   - User objects with the documented JSON field names; Application users
//     add ClientID, ClientSecret (always null on read), AccessPolicyID and
//     UserType. Empty strings are sent as null, as in the documented samples. [DOC]
//   - GET Users?username= in the documented formats: a bare name finds
//     local users; DOMAIN\name, a UPN or an e-mail address finds directory
//     users. [DOC]; matching e-mail for directory users is [INFERRED].
//   - Two modes ([Options.Strict]). Strict serves the documented shapes:
//     GET Users/{id}, POST Users/{id}/Quarantine and PUT Users/{id} answer
//     a one-element array for all but Application users (an object for
//     those) [DOC]; GET Users hides inactive users unless
//     includeInactive=true (BeyondTrust's Python library sends it, default
//     false [VENDOR-CODE]; the hiding is [INFERRED]); PUT Users/{id} resets
//     IsQuarantined and IsActive to false when the body leaves them out
//     (plain booleans in the v26.1 body model [DOC]; the reset is
//     [INFERRED], the dangerous reading). Lenient (default) answers objects
//     (as the vendor's libraries read them), a username search with one
//     match as that user ("Otherwise returns the requested user" [DOC]),
//     lists inactive users, and keeps flags a PUT leaves out.
//   - IsActive on every user ([User.Inactive] clears it), as in the user
//     fields of BeyondTrust's Python library [VENDOR-CODE].
//   - POST Users/{id}/Quarantine answering 200 with the user object. The
//     status code and body shape are [UNCONFIRMED] (the vendor library says
//     it returns the quarantined user).
//   - PUT Users/{id}: BeyondInsight users take {UserName, FirstName,
//     LastName, EmailAddress, Password}, UserName, FirstName and a properly
//     formatted EmailAddress required; Application users take {UserName,
//     AccessPolicyID}; ActiveDirectory and LDAP users cannot be updated. [DOC]
//     The length limits (64, 64, 64, 255) are documented for POST Users and
//     assumed for PUT; every violation is a plain-text 400, the directory
//     refusal too; AccessPolicyID required; a UserName another local user
//     has is refused; Password accepted but not kept. [INFERRED] PUT
//     replaces the whole user (an absent LastName clears it). [UNCONFIRMED]
//     The answer is 200 with the user object. [DOC]
//   - POST Users/{id}/RecycleClientSecret, Application users only: a new
//     random secret of 36..64 letters and digits (the length the vendor's
//     Go client accepts [VENDOR-CODE]), answered once as a JSON string [DOC]
//     or, with [Options.ClientSecretAsUser], inside the user object
//     [VENDOR-CODE]; which one the product sends is [UNCONFIRMED]. Only the
//     secret's SHA-256 is kept (ClientSecretFingerprint, CheckClientSecret);
//     GET answers ClientSecret null. Other users get 400. [INFERRED]
//   - GET UserGroups (array), GET UserGroups?name= (one object, matched
//     regardless of case), GET UserGroups/{id}, with the group fields of
//     BeyondTrust's C# client (GroupID, Name, Description,
//     DistinguishedName, GroupType, AccountAttribute, MembershipAttribute).
//     [DOC] paths + [VENDOR-CODE] shapes; 404 for no such name is [INFERRED].
//   - GET Users/{id}/UserGroups (array of groups), POST
//     Users/{id}/UserGroups/{groupId} (200 with the group [VENDOR-CODE]) and
//     DELETE Users/{id}/UserGroups/{groupId} (200, no body). [DOC] Adding a
//     member or removing a non-member succeeds again. [INFERRED] Removing a
//     user's last group is allowed: the documentation says such a user
//     cannot sign in, not that the API refuses the removal [DOC]; the
//     sign-in rule itself is not simulated (the run-as user needs no group).
//     Directory group synchronization is not simulated.
//   - POST Users/{id}/Requests/Terminate ends every active request of that
//     requestor, answering 204, with an optional body {"Reason"} of at most
//     1000 characters (400 beyond) [DOC: request-termination.htm]. It does
//     not end the sessions opened under them: nothing documents that it
//     does. feedback=true is not simulated. Active requests are state
//     (ActiveRequests, AddRequest) with no read route: GET Requests lists
//     only the caller's own queue.
//   - GET Sessions with the optional filters status (one value or a
//     comma-separated list) and userID, answering an array of sessions
//     {SessionID, UserID, Status, AssetName} [DOC: sessions.htm]; POST
//     Sessions/{sessionId}/Terminate answering 204 [DOC], the session then
//     Completed [INFERRED], 404 for an unknown one [INFERRED]. Sessions are
//     state (PAMSessions, AddSession; [DefaultSessions] seeds jdoe's).
//   - Unknown users and groups answer 404 with a plain-text message. [INFERRED]
//   - Error bodies as plain text. [INFERRED]
//
// Also [INFERRED]: the run-as user must exist and must not be quarantined to
// sign in.
//
// Seed data: [Options.Users] ([DefaultUsers] for the demo), [Options.Groups]
// ([DefaultGroups] when nil) and [Options.Requests] ([DefaultRequests] when nil).
//
// Fault injection, the request log and counting helpers come from the
// embedded *[simkit.Kit]; the route names to inject faults on are the ones
// registered in routes, e.g. "POST Users/{id}/Quarantine" or
// "POST Users/{id}/UserGroups/{groupId}". The log holds requests only,
// never answers, so a recycled secret or an issued token does not reach
// it; the request credentials are redacted in it: the PS-Auth key and
// password, a bearer token (logged as "Bearer [REDACTED]") and the
// client_secret of a token request's form body.
package sim
