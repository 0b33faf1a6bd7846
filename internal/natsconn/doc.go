// Package natsconn connects a Quell process to the configured NATS
// JetStream: the connection options (credentials, TLS, reconnects), the
// stream sizing taken from the configuration, and ensuring the streams
// with retries. The ingest, the worker and quellctl share it, and it holds
// nothing else, so quellctl links no server code through it.
package natsconn
