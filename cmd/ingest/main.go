// Command ingest serves Quell's HTTP ingest API: it authenticates webhooks,
// CloudEvents and responder action requests, and answers 202 only after
// JetStream has stored them.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/quell-dev/quell/internal/app"
	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/telemetry"
)

func main() {
	os.Exit(app.Main("quell-ingest", func(ctx context.Context, cfg *config.Config, log *slog.Logger, tel *telemetry.Telemetry) error {
		return app.RunIngest(ctx, cfg, app.IngestOptions{Logger: log, Telemetry: tel})
	}))
}
