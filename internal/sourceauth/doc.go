// Package sourceauth authenticates inbound HTTP requests for the ingest
// service, one scheme per configured source.
//
// The ingest reads the request body (capped), picks the source's [Verifier] and
// calls Verify before it parses or publishes anything. Only a nil error lets
// the request go further; for any error the ingest answers 401 and nothing is
// published. Every error Verify returns wraps exactly one of the sentinels
// [ErrMissingCredentials], [ErrBadCredentials], [ErrBadSignature], [ErrMalformed],
// [ErrTimestampTooOld] or [ErrTimestampTooNew], so the ingest can count and log
// the reason with [errors.Is]. Error messages name headers and describe the
// problem; they never contain a secret, a computed signature or the
// credential the sender presented.
//
// # Schemes
//
//   - standard-webhooks: Standard Webhooks v1 symmetric signatures
//     (webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256 over
//     "id.timestamp.body" with a "whsec_" secret). The delivery id is
//     webhook-id. [Sign] produces the header value for senders and tests.
//   - bearer: "Authorization: Bearer <token>".
//   - basic: HTTP basic authentication with one user name.
//   - bamboohr: X-BambooHR-Signature = hex(HMAC-SHA256(key, body ||
//     X-BambooHR-Timestamp)). BambooHR sends no delivery id, so Verify returns
//     "" and the ingest deduplicates on a hash of the body instead.
//   - hmac: a generic HMAC-SHA256 signature header, configurable as to header
//     name, prefix, encoding (hex or base64), signed content ("body" or
//     "timestamp.body") and an optional delivery-id header.
//   - none: accepts every request; whether a source may run unauthenticated
//     is the ingest's decision, not this package's.
//
// Every scheme takes a list of secrets and accepts a request that matches any
// of them, so a sender's secret can be rotated without downtime: configure
// the old and the new secret, switch the sender, then drop the old one.
//
// # Timestamps and replay
//
// Schemes that carry a timestamp check it against a tolerance ([DefaultTolerance],
// five minutes, in both directions) after the signature has matched, so
// ErrTimestampTooOld and ErrTimestampTooNew always describe a genuine but
// stale or future-dated request — typically a replay or a skewed clock —
// never a forgery. Replays inside the window are caught by the ingest's
// delivery-id deduplication, not here.
//
// [New] builds a Verifier from a [Config] and reports every configuration problem
// at once, each as a *[ConfigError] naming the field.
package sourceauth
