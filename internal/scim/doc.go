// Package scim serves a SCIM 2.0 provisioning endpoint (RFC 7643, RFC 7644)
// for identity providers such as Microsoft Entra ID and Okta.
//
// The provider provisions users to Quell as to any application. Quell keeps
// a small directory of them in a JetStream KV bucket and turns every change
// into a dev.quell.hr.employee.v1 event: a deactivation (active false) or a
// DELETE is a termination, other changes are updates. A request is answered
// only after its event has been acknowledged by JetStream; a change whose
// event could not be stored stays pending in the directory and is published
// again, under the same event id, by the next request that touches the user.
package scim
