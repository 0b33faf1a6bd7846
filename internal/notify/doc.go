// Package notify tells people what needs them: actions parked for
// approval, failed and dead-lettered actions, and optionally every result,
// sent to Slack incoming webhooks (Block Kit), Microsoft Teams workflow
// webhooks (Adaptive Cards) and HTTPS endpoints signed with Standard
// Webhooks, so that a SOAR can receive outcomes by push.
//
// Each route is its own durable JetStream consumer on the results stream,
// so one destination's outage never delays or repeats another's messages.
// A failed send is retried with backoff (NakWithDelay); a permanent refusal
// (a 4xx other than 408 and 429), or retries used up, dead-letters the
// result on quell.dlq.notify-<route> with the reason.
package notify
