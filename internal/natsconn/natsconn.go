package natsconn

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/events"
)

// Connect opens a connection to the configured NATS. With wait false the
// connection is established in the background (ingest may start before the
// worker's embedded server); with wait true it fails fast. extra options
// come last, so they win.
func Connect(cfg config.NATS, name string, wait bool, extra ...nats.Option) (*nats.Conn, jetstream.JetStream, error) {
	opts := []nats.Option{nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500 * time.Millisecond)}
	if !wait {
		opts = append(opts, nats.RetryOnFailedConnect(true))
	}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.TLS.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.TLS.CAFile))
	}
	if cfg.TLS.CertFile != "" {
		opts = append(opts, nats.ClientCert(cfg.TLS.CertFile, cfg.TLS.KeyFile))
	}
	opts = append(opts, extra...)
	nc, err := nats.Connect(cfg.ClientURL(), opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s: %w", cfg.ClientURL(), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

// StreamOptions maps the configuration onto stream sizing.
func StreamOptions(cfg config.NATS) events.StreamOptions {
	o := events.DefaultStreamOptions()
	o.Replicas = cfg.Replicas
	o.DuplicateWindow = cfg.DuplicateWindow
	o.EventsMaxAge = cfg.EventsMaxAge
	o.ActionsMaxAge = cfg.ActionsMaxAge
	o.ResultsMaxAge = cfg.ResultsMaxAge
	o.DLQMaxAge = cfg.DLQMaxAge
	o.LedgerTTL = cfg.LedgerTTL
	o.SecretsTTL = cfg.SecretsTTL
	return o
}

// EnsureStreams creates or updates Quell's streams and buckets, retrying
// every second until they exist or ctx ends: the ingest may start before
// the NATS it uses (or the worker embedding it) is up.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, o events.StreamOptions) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := events.EnsureStreams(attempt, js, o)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ensure streams: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(time.Second):
		}
	}
}
