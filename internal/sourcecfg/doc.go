// Package sourcecfg turns the configured sources into what the ingest
// serves: each source's verifier (internal/sourceauth) and parser
// (internal/sources), with its secret references resolved. The ingest
// service builds its sources with it, and quellctl uses it to check a
// configuration and to parse a sample payload, without linking the
// ingest's HTTP wiring, the console or the worker.
package sourcecfg
