// Package sim is a faithful simulator of the BeyondInsight / Password Safe
// public API v3, as far as Quell uses it: PS-Auth sign-in with a session
// cookie, sign-out, user lookup, quarantine, user update, client secret
// recycling, user group membership and request termination. It is a test
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
//   - A session kept by cookie and closed after 20 minutes of inactivity;
//     every other route answers 401 without a live session. The cookie name
//     (SessionCookie) is NOT confirmed by the reference. [VENDOR-CODE]/[UNCONFIRMED]
//   - User objects with the documented JSON field names; Application users
//     add ClientID, ClientSecret (always null on read), AccessPolicyID and
//     UserType. Empty strings are sent as null, as in the documented samples. [DOC]
//   - GET Users?username= in the documented formats: a bare name finds
//     local users; DOMAIN\name, a UPN or an e-mail address finds directory
//     users. [DOC]; matching e-mail for directory users is [INFERRED].
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
//     or, with Options.ClientSecretAsUser, inside the user object
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
//     requestor and the sessions under them, answering 204. [VENDOR-CODE]
//     endpoint; the optional body {"Reason"} of at most 1000 characters
//     (400 beyond) and the 204 are [DOC] for the managed-account and
//     managed-system variants and [INFERRED] for this one; feedback=true is
//     not simulated. Active requests are state (ActiveRequests, AddRequest)
//     with no read route: GET Requests lists only the caller's own queue.
//   - Unknown users and groups answer 404 with a plain-text message. [INFERRED]
//   - Error bodies as plain text. [INFERRED]
//
// Also [INFERRED]: the run-as user must exist and must not be quarantined to
// sign in; OAuth (Auth/connect/token, Bearer sign-in) is not simulated.
//
// Seed data: Options.Users (DefaultUsers for the demo), Options.Groups
// (DefaultGroups when nil) and Options.Requests (DefaultRequests when nil).
//
// Fault injection, the request log and counting helpers come from the
// embedded *simkit.Kit; the route names to inject faults on are the ones
// registered in routes, e.g. "POST Users/{id}/Quarantine" or
// "POST Users/{id}/UserGroups/{groupId}". The log holds requests only,
// never answers, so a recycled secret does not reach it.
package sim
