// Package capability is what each target kind can do, as data: the
// actions it supports and the credential keys it accepts. It links no
// vendor code, so the config validator, the policy compiler, the ingest and
// quellctl can refuse an action a target cannot carry out, or a credential
// it does not take, without building a client. internal/targets builds the
// clients from the same entries, and each vendor's handler table is tested
// against them.
package capability
