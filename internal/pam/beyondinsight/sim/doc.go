// Package sim is a faithful simulator of the BeyondInsight / Password Safe
// public API v3, as far as Quell uses it: PS-Auth sign-in with a session
// cookie, sign-out, user lookup and quarantine. It is a test fixture of
// production quality, used by the client's tests, by cmd/pamsim for the demo
// and by the benchmarks.
//
// What it reproduces, and from which evidence (see
// shared/reference/API-FACTS.md §1):
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
//   - Error bodies as plain text. [INFERRED]
//
// Also [INFERRED]: the run-as user must exist and must not be quarantined to
// sign in; OAuth (Auth/connect/token, Bearer sign-in) is not simulated.
//
// Fault injection, the request log and counting helpers come from the
// embedded *simkit.Kit; the route names to inject faults on are the ones
// registered in New, e.g. "POST Users/{id}/Quarantine".
package sim
