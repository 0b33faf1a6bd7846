// Package ingest is Quell's HTTP front door. It authenticates each request,
// parses it into CloudEvents, and answers 202 only after JetStream has
// stored every event; a rejected request publishes nothing.
//
//	POST /v1/webhooks/{source}  a configured source (its kind picks parser and auth)
//	POST /v1/events             CloudEvents: binary, structured or batch mode
//	POST /v1/actions            a responder's direct action request
//	GET  /healthz /readyz /metrics
package ingest
