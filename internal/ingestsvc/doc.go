// Package ingestsvc wires cmd/ingest from a parsed configuration: the
// sources (internal/sourcecfg), the API tokens, the NATS connection with
// the streams ensured in the background, the ingest HTTP server with the
// read and decision API, SCIM and the web console on the same listener,
// and the API's indexer, served until the context ends. It links no target
// client and no NATS server.
package ingestsvc
