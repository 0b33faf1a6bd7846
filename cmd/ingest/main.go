// Command ingest serves Quell's HTTP ingest API: it authenticates webhooks,
// CloudEvents and responder action requests, and answers 202 only after
// JetStream has stored them.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/ingestsvc"
	"github.com/quell-dev/quell/internal/process"
	"github.com/quell-dev/quell/internal/telemetry"
)

func main() {
	os.Exit(process.Main("quell-ingest", func(ctx context.Context, cfg *config.Config, log *slog.Logger, tel *telemetry.Telemetry) error {
		return ingestsvc.RunIngest(ctx, cfg, ingestsvc.IngestOptions{Logger: log, Telemetry: tel})
	}))
}
